package dev.kchat.moments;

import static dev.kchat.moments.MomentsFixtures.entry;
import static dev.kchat.moments.MomentsFixtures.friendsOf;
import static dev.kchat.moments.MomentsFixtures.post;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kchat.events.social.FeedEntry;
import dev.kchat.service.Settings;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class FeedMergeTest {

    private final FeedMerge merge = new FeedMerge(MomentsConfig.defaults());
    /** The reader "r" is friends with "a" (pushes) and "star" (pulls), not with "x". */
    private final FriendGraph reader = friendsOf("r", "a", "star");

    @Test
    void shouldMergePushedEntriesAndOutboxPostsNewestFirst() {
        // Given two pushed posts and two outbox posts interleaved in time
        List<FeedEntry> pushed = List.of(entry("r", "a1", "a", 10), entry("r", "r1", "r", 30));
        Map<String, List<Post>> outboxes = Map.of("star", List.of(post("s1", "star", 20), post("s2", "star", 40)));

        // When the first page is read
        FeedPage page = merge.page(reader, pushed, outboxes, Optional.empty());

        // Then all four come newest first and there is no next page
        assertThat(page.posts()).extracting(Post::postId).containsExactly("s2", "r1", "s1", "a1");
        assertThat(page.next()).isEmpty();
    }

    @Test
    void shouldShowAPostFoundTwiceOnlyOnce() {
        // Given the same post pushed twice (a replay) and also present in the author's outbox
        List<FeedEntry> pushed = List.of(entry("r", "p1", "star", 5), entry("r", "p1", "star", 5));
        Map<String, List<Post>> outboxes = Map.of("star", List.of(post("p1", "star", 5), post("p2", "star", 6)));

        FeedPage page = merge.page(reader, pushed, outboxes, Optional.empty());

        assertThat(page.posts()).extracting(Post::postId).containsExactly("p2", "p1");
    }

    @Test
    void shouldPageByPostedAtThenPostIdWithoutGapsOrRepeatsAcrossTies() {
        // Given seven posts, five of them in the same millisecond, split over feed and outbox
        List<FeedEntry> pushed = List.of(entry("r", "t-b", "a", 50), entry("r", "t-d", "a", 50),
                entry("r", "old", "a", 1));
        Map<String, List<Post>> outboxes = Map.of("star", List.of(post("t-a", "star", 50), post("t-c", "star", 50),
                post("t-e", "star", 50), post("new", "star", 99)));

        // When it is read two posts at a time, following the cursors
        List<String> seen = new ArrayList<>();
        List<Integer> sizes = new ArrayList<>();
        Optional<FeedCursor> cursor = Optional.empty();
        do {
            FeedPage page = merge.page(reader, pushed, outboxes, cursor, 2);
            page.posts().forEach(p -> seen.add(p.postId()));
            sizes.add(page.posts().size());
            cursor = page.next();
        } while (cursor.isPresent());

        // Then every post comes exactly once, in feed order, in full pages and a last short one
        assertThat(seen).containsExactly("new", "t-e", "t-d", "t-c", "t-b", "t-a", "old");
        assertThat(sizes).containsExactly(2, 2, 2, 1);
    }

    @Test
    void shouldEndWithoutANextCursorWhenThePageIsExactlyFull() {
        List<FeedEntry> pushed = List.of(entry("r", "p1", "a", 1), entry("r", "p2", "a", 2));

        FeedPage page = merge.page(reader, pushed, Map.of(), Optional.empty(), 2);

        assertThat(page.posts()).hasSize(2);
        assertThat(page.next()).isEmpty();
    }

    @Test
    void shouldPointTheCursorAtTheLastPostOfAFullPage() {
        List<FeedEntry> pushed = List.of(entry("r", "p1", "a", 1), entry("r", "p2", "a", 2), entry("r", "p3", "a", 3));

        FeedPage page = merge.page(reader, pushed, Map.of(), Optional.empty(), 2);

        assertThat(page.next()).contains(new FeedCursor(MomentsFixtures.at(2), "p2"));
        assertThat(merge.page(reader, pushed, Map.of(), page.next(), 2).posts()).extracting(Post::postId).containsExactly("p1");
    }

    @Test
    void shouldHideRemovedEntriesAndPostsOfAuthorsWhoAreNotFriends() {
        // Given a removal of a1, an entry by x (unfriended, removal not yet applied) and x's outbox
        FeedEntry removal = FeedEntry.newBuilder(entry("r", "a1", "a", 1)).setRemoved(true).build();
        List<FeedEntry> pushed = List.of(entry("r", "a1", "a", 1), removal, entry("r", "a2", "a", 2), entry("r", "x1", "x", 3));
        Map<String, List<Post>> outboxes = Map.of("x", List.of(post("x2", "x", 4)));

        FeedPage page = merge.page(reader, pushed, outboxes, Optional.empty());

        assertThat(page.posts()).extracting(Post::postId).containsExactly("a2");
    }

    @Test
    void shouldRefuseForeignEntriesMislabelledOutboxesAndOutOfRangePageSizes() {
        assertThatThrownBy(() -> merge.page(reader, List.of(entry("other", "p1", "a", 1)), Map.of(), Optional.empty()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("other");
        assertThatThrownBy(() -> merge.page(reader, List.of(), Map.of("star", List.of(post("p1", "a", 1))), Optional.empty()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("outbox of star");
        assertThatThrownBy(() -> merge.page(reader, List.of(), Map.of(), Optional.empty(), 0))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> merge.page(reader, List.of(), Map.of(), Optional.empty(), 101))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("1..100");
    }

    @Test
    void shouldUseTheConfiguredDefaultPageSize() {
        FeedMerge small = new FeedMerge(MomentsConfig.from(Settings.of(Map.of(MomentsConfig.FEED_PAGE_SIZE, "1"))));
        List<FeedEntry> pushed = List.of(entry("r", "p1", "a", 1), entry("r", "p2", "a", 2));

        assertThat(small.page(reader, pushed, Map.of(), Optional.empty()).posts()).extracting(Post::postId).containsExactly("p2");
    }

    @Test
    void shouldRoundTripACursorThroughItsTokenIncludingColonsInThePostId() {
        FeedCursor cursor = new FeedCursor(MomentsFixtures.at(5), "post:with:colons");

        assertThat(FeedCursor.decode(cursor.encode())).isEqualTo(cursor);
        assertThatThrownBy(() -> FeedCursor.decode("nonsense")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> FeedCursor.decode("abc:p1")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> FeedCursor.decode("123:")).isInstanceOf(IllegalArgumentException.class);
    }
}
