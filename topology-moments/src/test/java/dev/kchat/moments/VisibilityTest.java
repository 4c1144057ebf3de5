package dev.kchat.moments;

import static dev.kchat.moments.MomentsFixtures.added;
import static dev.kchat.moments.MomentsFixtures.commented;
import static dev.kchat.moments.MomentsFixtures.entry;
import static dev.kchat.moments.MomentsFixtures.friendsOf;
import static dev.kchat.moments.MomentsFixtures.liked;
import static dev.kchat.moments.MomentsFixtures.post;
import static dev.kchat.moments.MomentsFixtures.removed;
import static dev.kchat.moments.MomentsFixtures.unliked;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kchat.events.social.FeedEntry;
import dev.kchat.events.social.MomentEvent;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The cast: author "amy" is friends with "bob" and "cat"; bob and cat are not friends with each
 * other; "dan" is friends with bob only.
 */
class VisibilityTest {

    private final FriendGraph amy = friendsOf("amy", "bob", "cat");
    private final FriendGraph bob = friendsOf("bob", "amy", "dan");
    private final FriendGraph cat = friendsOf("cat", "amy");
    private final FriendGraph dan = friendsOf("dan", "bob");

    @Test
    void shouldShowAPostToItsAuthorAndTheAuthorsFriendsOnly() {
        assertThat(Visibility.canSeePost(amy, "amy")).isTrue();
        assertThat(Visibility.canSeePost(bob, "amy")).isTrue();
        assertThat(Visibility.canSeePost(dan, "amy")).isFalse();
    }

    @Test
    void shouldShowACommentToAFriendOfBothTheAuthorAndTheCommenter() {
        // Given bob comments on amy's post
        MomentEvent comment = commented("p1", "amy", "bob", null);

        // Then amy (author) and bob (commenter) see it; cat, a friend of amy but not of bob, does not;
        // dan, a friend of bob but not of amy, does not see the post at all
        assertThat(Visibility.canSeeInteraction(amy, comment)).isTrue();
        assertThat(Visibility.canSeeInteraction(bob, comment)).isTrue();
        assertThat(Visibility.canSeeInteraction(cat, comment)).isFalse();
        assertThat(Visibility.canSeeInteraction(dan, comment)).isFalse();
    }

    @Test
    void shouldLetTheAuthorSeeEveryInteractionEvenFromStrangers() {
        // Given a like by someone amy is no longer friends with
        MomentEvent like = liked("p1", "amy", "eve");

        assertThat(Visibility.canSeeInteraction(amy, like)).isTrue();
    }

    @Test
    void shouldHideAnInteractionFromItsOwnActorOnceTheyAreNoLongerTheAuthorsFriend() {
        // Given bob liked amy's post and then unfriended her
        FriendGraph bobAfter = bob.apply(removed("bob", "amy", 50));

        // Then bob no longer sees the post, nor his like on it
        assertThat(Visibility.canSeeInteraction(bobAfter, liked("p1", "amy", "bob"))).isFalse();
    }

    @Test
    void shouldFilterAPostsInteractionsPerViewer() {
        // Given likes and comments by bob and cat on amy's post
        List<MomentEvent> interactions = List.of(
                liked("p1", "amy", "bob"), liked("p1", "amy", "cat"),
                commented("p1", "amy", "cat", null), unliked("p1", "amy", "bob"));

        // Then cat sees only her own, amy sees all; the order is kept
        assertThat(Visibility.visibleInteractions(cat, interactions)).containsExactly(interactions.get(1), interactions.get(2));
        assertThat(Visibility.visibleInteractions(amy, interactions)).containsExactlyElementsOf(interactions);
        // When cat and bob become friends, cat sees bob's as well
        FriendGraph catLater = cat.apply(added("cat", "bob", 60));
        assertThat(Visibility.visibleInteractions(catLater, interactions)).containsExactlyElementsOf(interactions);
    }

    @Test
    void shouldRefusePostEventsAsInteractions() {
        assertThatThrownBy(() -> Visibility.canSeeInteraction(amy, MomentsFixtures.postCreated("p1", "amy", 0)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("PostCreated");
    }

    @Test
    void shouldRemoveADeletedPushedPostFromTheAuthorAndEveryCurrentFriend() {
        // When amy deletes a pushed post
        List<FeedEntry> removals = Visibility.removalsOnPostDeleted(post("p1", "amy", 0), Delivery.PUSH, amy);

        // Then the author and each friend get a removal of that post
        assertThat(removals).extracting(FeedEntry::getViewerId).containsExactly("amy", "bob", "cat");
        assertThat(removals).allSatisfy(e -> {
            assertThat(e.getRemoved()).isTrue();
            assertThat(e.getPostId()).isEqualTo("p1");
            assertThat(e.getAuthorId()).isEqualTo("amy");
        });
    }

    @Test
    void shouldRemoveADeletedPulledPostFromTheAuthorsFeedOnly() {
        List<FeedEntry> removals = Visibility.removalsOnPostDeleted(post("p1", "amy", 0), Delivery.PULL, amy);

        assertThat(removals).extracting(FeedEntry::getViewerId).containsExactly("amy");
        assertThat(removals.get(0).getPulled()).as("the outbox row goes too").isTrue();
    }

    @Test
    void shouldRemoveTheFormerFriendsPostsFromTheViewersFeedOnUnfriend() {
        // Given cat's feed holds posts by amy, by herself and an already removed one by amy
        FeedEntry removedBefore = FeedEntry.newBuilder(entry("cat", "p0", "amy", 0)).setRemoved(true).build();
        List<FeedEntry> feed = List.of(entry("cat", "p1", "amy", 1), entry("cat", "p2", "cat", 2),
                entry("cat", "p3", "amy", 3), removedBefore);

        // When cat unfriends amy
        List<FeedEntry> removals = Visibility.removalsOnUnfriend(removed("cat", "amy", 10), feed);

        // Then amy's live posts are removed from cat's feed, nothing else
        assertThat(removals).extracting(FeedEntry::getPostId).containsExactly("p1", "p3");
        assertThat(removals).allSatisfy(e -> {
            assertThat(e.getRemoved()).isTrue();
            assertThat(e.getViewerId()).isEqualTo("cat");
        });
    }

    @Test
    void shouldRefuseAnUnfriendRemovalForTheWrongRecordOrFeed() {
        assertThatThrownBy(() -> Visibility.removalsOnUnfriend(added("cat", "amy", 1), List.of()))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Visibility.removalsOnUnfriend(removed("cat", "amy", 1), List.of(entry("bob", "p1", "amy", 1))))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("bob");
        assertThatThrownBy(() -> Visibility.removalsOnPostDeleted(post("p1", "amy", 0), Delivery.PUSH, bob))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
