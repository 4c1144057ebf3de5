package dev.kchat.moments;

import static dev.kchat.moments.MomentsFixtures.added;
import static dev.kchat.moments.MomentsFixtures.at;
import static dev.kchat.moments.MomentsFixtures.removed;
import static dev.kchat.moments.MomentsFixtures.requested;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kchat.events.social.SocialGraphEvent;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class FriendGraphTest {

    @Test
    void shouldKeepARequestPendingUntilItIsAcceptedOnEachSide() {
        // Given alice asks bob: one record per side
        FriendGraph alice = FriendGraph.empty("alice").apply(requested("alice", "bob", true, 1));
        FriendGraph bob = FriendGraph.empty("bob").apply(requested("bob", "alice", false, 1));

        // Then each side shows the request, in its own direction, and no friend yet
        assertThat(alice.pendingRequests()).isEqualTo(Map.of("bob", FriendGraph.Direction.OUTGOING));
        assertThat(bob.pendingRequests()).isEqualTo(Map.of("alice", FriendGraph.Direction.INCOMING));
        assertThat(alice.friends()).isEmpty();

        // When bob accepts
        alice = alice.apply(added("alice", "bob", 2));

        // Then the request is settled and bob is a friend since then
        assertThat(alice.friends()).containsExactly("bob");
        assertThat(alice.pendingRequests()).isEmpty();
        assertThat(alice.friendSince("bob")).contains(at(2));
        assertThat(alice.friendCount()).isEqualTo(1);
    }

    @Test
    void shouldApplyAddAndRemoveInOrder() {
        // Given a history of adds and removes for one user
        List<SocialGraphEvent> history = List.of(
                added("u", "a", 1), added("u", "b", 2), added("u", "c", 3),
                removed("u", "b", 4), added("u", "b", 5), removed("u", "a", 6));

        // When it is replayed
        FriendGraph graph = FriendGraph.replay("u", history);

        // Then the friends are what the last record of each pair says, in id order
        assertThat(graph.friends()).containsExactly("b", "c");
        assertThat(graph.isFriend("a")).isFalse();
        assertThat(graph.friendSince("b")).contains(at(5));
    }

    @Test
    void shouldReturnTheSameStateWhenARecordIsDeliveredTwice() {
        // Given a graph with a friend
        FriendGraph once = FriendGraph.empty("u").apply(added("u", "a", 1));

        // When the same record comes again, and a FriendRemoved for a stranger twice
        FriendGraph twice = once.apply(added("u", "a", 1));
        FriendGraph removedOnce = once.apply(removed("u", "x", 2));
        FriendGraph removedTwice = removedOnce.apply(removed("u", "x", 2));

        // Then nothing changes
        assertThat(twice).isSameAs(once);
        assertThat(removedTwice).isSameAs(removedOnce);
        assertThat(removedTwice.friends()).containsExactly("a");
    }

    @Test
    void shouldIgnoreAReplayedOlderAddAfterARemove() {
        // Given a friend added at 1 and removed at 5
        FriendGraph graph = FriendGraph.replay("u", List.of(added("u", "a", 1), removed("u", "a", 5)));

        // When the add of second 1 is delivered again (a replay from an older offset)
        FriendGraph replayed = graph.apply(added("u", "a", 1));

        // Then the removal stands
        assertThat(replayed).isSameAs(graph);
        assertThat(replayed.isFriend("a")).isFalse();
    }

    @Test
    void shouldIgnoreAReplayedOlderRemoveAfterAReAdd() {
        // Given removed at 5, added again at 9
        FriendGraph graph = FriendGraph.replay("u", List.of(added("u", "a", 1), removed("u", "a", 5), added("u", "a", 9)));

        // When the remove of second 5 comes again
        FriendGraph replayed = graph.apply(removed("u", "a", 5));

        // Then the friendship of second 9 stands
        assertThat(replayed.isFriend("a")).isTrue();
        assertThat(replayed.friendSince("a")).contains(at(9));
    }

    @Test
    void shouldAdvanceThePairsClockOnARedundantAddSoAnOlderRemoveStaysStale() {
        // Given a friend added at 1 and a redundant add at 9 (already friends)
        FriendGraph graph = FriendGraph.replay("u", List.of(added("u", "a", 1), added("u", "a", 9)));

        // When a remove stamped 5 arrives afterwards
        FriendGraph after = graph.apply(removed("u", "a", 5));

        // Then it is older than the last record of the pair and changes nothing; the friendship keeps its first time
        assertThat(after.isFriend("a")).isTrue();
        assertThat(after.friendSince("a")).contains(at(1));
    }

    @Test
    void shouldApplyRecordsWithEqualTimesInArrivalOrder() {
        // Given an add and a remove of the same millisecond
        FriendGraph addThenRemove = FriendGraph.replay("u", List.of(added("u", "a", 3), removed("u", "a", 3)));
        FriendGraph removeThenAdd = FriendGraph.replay("u", List.of(removed("u", "a", 3), added("u", "a", 3)));

        // Then the later one in the partition wins
        assertThat(addThenRemove.isFriend("a")).isFalse();
        assertThat(removeThenAdd.isFriend("a")).isTrue();
    }

    @Test
    void shouldIgnoreARequestBetweenFriendsAndDropARequestOnRemoval() {
        // Given friends a, and a pending request from b
        FriendGraph graph = FriendGraph.replay("u", List.of(added("u", "a", 1), requested("u", "b", false, 2)));

        // When a asks again, and b's request is declined (FriendRemoved)
        graph = graph.apply(requested("u", "a", false, 3)).apply(removed("u", "b", 4));

        // Then a stays a friend without a request and b's request is gone
        assertThat(graph.friends()).containsExactly("a");
        assertThat(graph.pendingRequests()).isEmpty();
    }

    @Test
    void shouldRefuseRecordsOfAnotherUserOrOfTheUserThemself() {
        FriendGraph graph = FriendGraph.empty("u");

        assertThatThrownBy(() -> graph.apply(added("v", "a", 1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("v");
        assertThatThrownBy(() -> graph.apply(added("u", "u", 1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("befriend");
    }

    @Test
    void shouldNotExposeMutableState() {
        FriendGraph graph = FriendGraph.replay("u", List.of(added("u", "a", 1), requested("u", "b", true, 2)));

        assertThatThrownBy(() -> graph.friends().add("z")).isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> graph.pendingRequests().clear()).isInstanceOf(UnsupportedOperationException.class);
    }
}
