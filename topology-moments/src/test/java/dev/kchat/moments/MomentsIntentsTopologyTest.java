package dev.kchat.moments;

import static dev.kchat.moments.MomentsFixtures.at;
import static dev.kchat.moments.MomentsFixtures.entry;
import static dev.kchat.moments.MomentsFixtures.moment;
import static dev.kchat.moments.MomentsFixtures.postCreated;
import static org.assertj.core.api.Assertions.assertThat;

import dev.kchat.events.social.FeedEntry;
import dev.kchat.events.social.FriendAdded;
import dev.kchat.events.social.FriendBlocked;
import dev.kchat.events.social.FriendRequested;
import dev.kchat.events.social.FriendUnblocked;
import dev.kchat.events.social.GraphOrigin;
import dev.kchat.events.social.PostCreated;
import dev.kchat.events.social.PostVisibility;
import dev.kchat.events.social.SocialGraphEvent;
import java.nio.file.Path;
import java.util.List;
import org.apache.kafka.streams.KeyValue;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Moments topology's friend-graph intents (one record on the actor's side, checked and written
 * back for both sides), blocks, and per-post audiences, under {@code TopologyTestDriver}: outputs,
 * stores, and nothing left unread. The driver pipes what the topology writes to {@code social.graph},
 * one of its own inputs, back in, as Kafka does.
 */
class MomentsIntentsTopologyTest {

    private static final String ALICE = "alice";
    private static final String BOB = "bob";
    private static final String CAROL = "carol";

    @TempDir
    Path stateDir;

    private MomentsDriver moments;

    @BeforeEach
    void start() {
        moments = new MomentsDriver(stateDir, 2);
    }

    @AfterEach
    void stop() {
        moments.close();
    }

    @Test
    void shouldWriteBothSidesOfACheckedIntentAndApplyTheMirrorOnTheOtherSide() {
        // When: alice asks bob (an intent on her side)
        moments.pipeGraph(FriendIntents.intent(ALICE, BOB, at(1), new FriendRequested(true, "hi")));

        // Then: her side applied at once; both facts written, keyed by their side
        assertThat(moments.friendsOf(ALICE).getOutgoing()).containsExactly(BOB);
        List<KeyValue<String, SocialGraphEvent>> facts = moments.graphFacts.readKeyValuesToList();
        assertThat(facts).extracting(f -> f.key).containsExactly(ALICE, BOB);
        assertThat(facts.get(0).value.getOrigin()).isEqualTo(GraphOrigin.ACTOR);
        assertThat(facts.get(1).value.getOrigin()).isEqualTo(GraphOrigin.MIRROR);
        assertThat(facts.get(1).value.getOtherUserId()).isEqualTo(ALICE);
        assertThat(((FriendRequested) facts.get(1).value.getEvent()).getOutgoing()).isFalse();
        assertThat(((FriendRequested) facts.get(1).value.getEvent()).getMessage()).isEqualTo("hi");

        // And: the driver pipes them back in, as Kafka would (social.graph is also an input): bob's side has the request
        assertThat(moments.friendsOf(BOB).getIncoming()).containsExactly(ALICE);

        // When: the facts are delivered once more (a replay), then bob accepts
        replay(facts);
        moments.pipeGraph(FriendIntents.intent(BOB, ALICE, at(2), new FriendAdded()));
        assertThat(moments.graphFacts.readKeyValuesToList()).extracting(f -> f.value.getOrigin())
                .containsExactly(GraphOrigin.ACTOR, GraphOrigin.MIRROR);

        // Then: friends on both sides; the replay changed nothing and emitted nothing
        assertThat(moments.friendsOf(ALICE).getFriends()).containsOnlyKeys(BOB).containsEntry(BOB, at(2));
        assertThat(moments.friendsOf(BOB).getFriends()).containsOnlyKeys(ALICE);
        assertThat(moments.friendsOf(ALICE).getOutgoing()).isEmpty();
        moments.assertNothingMore();
    }

    @Test
    void shouldSendAnAcceptOfNoRequestToTheErrorTopicWithItsCodeAndChangeNothing() {
        // When: bob accepts a request alice never made
        moments.pipeGraph(FriendIntents.intent(BOB, ALICE, at(1), new FriendAdded()));

        // Then
        assertThat(moments.errors.readValue().getErrorMessage()).contains(FriendIntents.NO_PENDING_REQUEST);
        assertThat(moments.friendsOf(BOB)).isNull();
        assertThat(moments.friendsOf(ALICE)).isNull();
        moments.assertNothingMore();
    }

    @Test
    void shouldTakeEachSidesPostsOutOfTheOtherFeedOnABlockAndRefuseRequestsUntilUnblocked() {
        // Given: friends, each with a pushed post
        moments.befriend(ALICE, BOB, 1);
        moments.events.pipeInput(ALICE, postCreated("pa", ALICE, 10));
        moments.events.pipeInput(BOB, postCreated("pb", BOB, 11));
        moments.feed.readKeyValuesToList();

        // When: alice blocks bob (the mirror comes back in on bob's side)
        moments.pipeGraph(FriendIntents.intent(ALICE, BOB, at(20), new FriendBlocked(true)));
        moments.graphFacts.readKeyValuesToList();

        // Then: alice's post leaves bob's feed (her task), bob's post leaves hers (his task, on the mirror)
        assertThat(moments.feed.readKeyValuesToList()).containsExactly(
                KeyValue.pair(BOB, removed(entry(BOB, "pa", ALICE, 10))),
                KeyValue.pair(ALICE, removed(entry(ALICE, "pb", BOB, 11))));
        assertThat(moments.friendsOf(ALICE).getFriends()).isEmpty();
        assertThat(moments.friendsOf(ALICE).getBlocked()).containsExactly(BOB);
        assertThat(moments.friendsOf(BOB).getBlockedBy()).containsExactly(ALICE);
        assertThat(moments.friendsOf(BOB).getFriends()).isEmpty();

        // When: bob asks alice again
        moments.pipeGraph(FriendIntents.intent(BOB, ALICE, at(21), new FriendRequested(true, null)));

        // Then: refused
        assertThat(moments.errors.readValue().getErrorMessage()).contains(FriendIntents.BLOCKED);

        // When: alice unblocks; bob asks again
        moments.pipeGraph(FriendIntents.intent(ALICE, BOB, at(22), new FriendUnblocked(true)));
        moments.pipeGraph(FriendIntents.intent(BOB, ALICE, at(23), new FriendRequested(true, null)));
        assertThat(moments.graphFacts.readKeyValuesToList()).hasSize(4);

        // Then: no block left, a pending request, no friendship restored
        assertThat(moments.friendsOf(BOB).getBlockedBy()).isEmpty();
        assertThat(moments.friendsOf(ALICE).getBlocked()).isEmpty();
        assertThat(moments.friendsOf(ALICE).getIncoming()).containsExactly(BOB);
        assertThat(moments.friendsOf(ALICE).getFriends()).isEmpty();
        moments.assertNothingMore();
    }

    @Test
    void shouldPushAPostOnlyToTheFriendsItsAudienceAllows() {
        // Given: alice with two friends (pushes)
        moments.befriend(ALICE, BOB, 1);
        moments.befriend(ALICE, CAROL, 2);

        // When: a post for bob only, one for herself only, one for all but bob
        moments.events.pipeInput(ALICE, post("listed", 10, PostVisibility.LISTED, BOB));
        moments.events.pipeInput(ALICE, post("private", 11, PostVisibility.ONLY_ME));
        moments.events.pipeInput(ALICE, post("except", 12, PostVisibility.EXCEPT_LISTED, BOB));

        // Then
        assertThat(moments.feed.readKeyValuesToList()).containsExactly(
                KeyValue.pair(ALICE, entry(ALICE, "listed", ALICE, 10)),
                KeyValue.pair(BOB, entry(BOB, "listed", ALICE, 10)),
                KeyValue.pair(ALICE, entry(ALICE, "private", ALICE, 11)),
                KeyValue.pair(ALICE, entry(ALICE, "except", ALICE, 12)),
                KeyValue.pair(CAROL, entry(CAROL, "except", ALICE, 12)));
        moments.assertNothingMore();
    }

    @Test
    void shouldTellOfInteractionsOnlyThoseWhoSeeThePost() {
        // Given: alice, friends with bob and carol, posts for bob only and for all
        moments.befriend(ALICE, BOB, 1);
        moments.befriend(ALICE, CAROL, 2);
        moments.events.pipeInput(ALICE, post("listed", 10, PostVisibility.LISTED, BOB));
        moments.events.pipeInput(ALICE, postCreated("all", ALICE, 11));
        moments.feed.readKeyValuesToList();

        // When: carol, outside the listed post's audience, likes it; bob likes it
        moments.events.pipeInput(ALICE, MomentsFixtures.liked("listed", ALICE, CAROL));
        moments.events.pipeInput(ALICE, MomentsFixtures.liked("listed", ALICE, BOB));

        // Then: only bob's like reaches alice
        assertThat(moments.notifications.readValuesToList()).extracting(e -> ((dev.kchat.events.social.MomentNotification) e.getItem())
                .getActorId()).containsExactly(BOB);

        // When: carol comments on the post for all, alice unfriends her, bob replies to carol's comment
        moments.events.pipeInput(ALICE, MomentsFixtures.commented("all", ALICE, CAROL, null));
        moments.notifications.readValuesToList();
        moments.pipeGraph(MomentsFixtures.removed(ALICE, CAROL, 20), MomentsFixtures.removed(CAROL, ALICE, 20));
        moments.feed.readKeyValuesToList();
        moments.events.pipeInput(ALICE, MomentsFixtures.commented("all", ALICE, BOB, CAROL));

        // Then: alice is told; carol, who no longer sees the post, is not
        assertThat(moments.notifications.readKeyValuesToList()).extracting(kv -> kv.key).containsExactly(ALICE);
        moments.assertNothingMore();
    }

    /** The facts delivered again, as after a consumer restarts from an older offset. */
    private void replay(List<KeyValue<String, SocialGraphEvent>> facts) {
        facts.forEach(f -> moments.graph.pipeInput(f.key, f.value));
    }

    private static FeedEntry removed(FeedEntry entry) {
        return FeedEntry.newBuilder(entry).setRemoved(true).build();
    }

    private static dev.kchat.events.social.MomentEvent post(String id, long second, PostVisibility visibility, String... listed) {
        return moment(id, ALICE, ALICE, second, PostCreated.newBuilder().setText("hello").setVisibility(visibility)
                .setAudience(List.of(listed)).build());
    }
}
