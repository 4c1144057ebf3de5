package dev.kchat.moments;

import static dev.kchat.moments.MomentsFixtures.added;
import static dev.kchat.moments.MomentsFixtures.at;
import static dev.kchat.moments.MomentsFixtures.graph;
import static dev.kchat.moments.MomentsFixtures.requested;
import static org.assertj.core.api.Assertions.assertThat;

import dev.kchat.events.social.FriendAdded;
import dev.kchat.events.social.FriendBlocked;
import dev.kchat.events.social.FriendRemoved;
import dev.kchat.events.social.FriendRequested;
import dev.kchat.events.social.FriendUnblocked;
import dev.kchat.events.social.GraphOrigin;
import dev.kchat.events.social.SocialGraphEvent;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The rules of a friend-graph intent, on the actor's side of the graph alone. */
class FriendIntentsTest {

    private static final String ALICE = "alice";
    private static final String BOB = "bob";

    @Test
    void shouldAcceptOnlyARequestThatIsPending() {
        FriendGraph stranger = FriendGraph.empty(ALICE);
        FriendGraph asked = FriendGraph.replay(ALICE, List.of(requested(ALICE, BOB, false, 1)));

        assertThat(code(stranger, new FriendAdded())).contains(FriendIntents.NO_PENDING_REQUEST);
        assertThat(code(asked, new FriendAdded())).isEmpty();
    }

    @Test
    void shouldRefuseRequestsBetweenFriendsRepeatedOrAnsweringOneAndBehindABlock() {
        FriendGraph friends = FriendGraph.replay(ALICE, List.of(added(ALICE, BOB, 1)));
        FriendGraph askedThem = FriendGraph.replay(ALICE, List.of(requested(ALICE, BOB, true, 1)));
        FriendGraph askedByThem = FriendGraph.replay(ALICE, List.of(requested(ALICE, BOB, false, 1)));
        FriendGraph blockedByThem = FriendGraph.replay(ALICE, List.of(graph(ALICE, BOB, 1, new FriendBlocked(false))));

        assertThat(code(friends, new FriendRequested(true, null))).contains(FriendIntents.ALREADY_FRIENDS);
        assertThat(code(askedThem, new FriendRequested(true, null))).contains(FriendIntents.REQUEST_ALREADY_SENT);
        assertThat(code(askedByThem, new FriendRequested(true, null))).contains(FriendIntents.INCOMING_REQUEST_PENDING);
        assertThat(code(blockedByThem, new FriendRequested(true, null))).contains(FriendIntents.BLOCKED);
        assertThat(code(FriendGraph.empty(ALICE), new FriendRequested(false, null))).contains(FriendIntents.INVALID_INTENT);
        assertThat(code(FriendGraph.empty(ALICE), new FriendRequested(true, null))).isEmpty();
    }

    @Test
    void shouldRemoveOnlyAFriendOrARequestAndUnblockOnlyOwnBlocks() {
        FriendGraph blockedByThem = FriendGraph.replay(ALICE, List.of(graph(ALICE, BOB, 1, new FriendBlocked(false))));
        FriendGraph blockedThem = FriendGraph.replay(ALICE, List.of(graph(ALICE, BOB, 1, new FriendBlocked(true))));

        assertThat(code(FriendGraph.empty(ALICE), new FriendRemoved())).contains(FriendIntents.NOT_FRIENDS);
        assertThat(code(blockedByThem, new FriendUnblocked(true))).contains(FriendIntents.NOT_BLOCKED);
        assertThat(code(blockedThem, new FriendUnblocked(true))).isEmpty();
        assertThat(code(blockedThem, new FriendBlocked(true))).contains(FriendIntents.ALREADY_BLOCKED);
        assertThat(code(blockedByThem, new FriendBlocked(true))).isEmpty();
    }

    @Test
    void shouldMirrorAChangeOntoTheOtherSideWithRequestsAndBlocksIncoming() {
        SocialGraphEvent intent = FriendIntents.intent(ALICE, BOB, at(1), new FriendBlocked(true));

        SocialGraphEvent mirror = FriendIntents.mirror(intent);
        SocialGraphEvent fact = FriendIntents.actorFact(intent);

        assertThat(mirror.getUserId()).isEqualTo(BOB);
        assertThat(mirror.getOtherUserId()).isEqualTo(ALICE);
        assertThat(mirror.getOrigin()).isEqualTo(GraphOrigin.MIRROR);
        assertThat(((FriendBlocked) mirror.getEvent()).getOutgoing()).isFalse();
        assertThat(mirror.getAt()).isEqualTo(at(1));
        assertThat(fact.getOrigin()).isEqualTo(GraphOrigin.ACTOR);
        assertThat(fact.getEvent()).isEqualTo(intent.getEvent());
    }

    private static Optional<String> code(FriendGraph actor, Object kind) {
        return FriendIntents.check(actor, FriendIntents.intent(ALICE, BOB, at(2), kind)).map(FriendIntents.Refusal::code);
    }
}
