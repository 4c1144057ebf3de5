package dev.kchat.moments;

import dev.kchat.events.social.FeedEntry;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A reader's feed page at read time: the entries pushed into their feed, merged with the outbox
 * posts of the friends who post by pull ({@link Delivery#PULL}).
 *
 * <p>The merge is a pure function of what the store returned; it also enforces visibility, so a
 * store that is a moment behind the friend graph cannot leak a post:
 * <ul>
 *   <li>pushed entries are the reader's own ({@code viewer_id}); an entry marked {@code removed}
 *       hides its post;</li>
 *   <li>pushed entries and outbox posts count only when their author is the reader or a current
 *       friend (an unfriending whose removals are still in flight shows nothing);</li>
 *   <li>a post found twice (pushed and in an outbox, or pushed twice by a replay) appears once;</li>
 *   <li>order is {@link FeedCursor#FEED_ORDER}; a page holds the posts strictly after the cursor.</li>
 * </ul>
 *
 * <p>Each source needs only its first {@code limit + 1} posts after the cursor for the page to be
 * exact, and to know whether a next page exists; that is how the store should read them.
 */
public final class FeedMerge {

    private final int defaultPageSize;
    private final int maxPageSize;

    /** A merge with the configured page sizes. */
    public FeedMerge(MomentsConfig config) {
        this.defaultPageSize = config.feedPageSize();
        this.maxPageSize = config.feedPageSizeMax();
    }

    /** The first-or-next page of the configured default size. */
    public FeedPage page(FriendGraph reader, Collection<FeedEntry> pushed,
                         Map<String, ? extends Collection<Post>> outboxes, Optional<FeedCursor> after) {
        return page(reader, pushed, outboxes, after, defaultPageSize);
    }

    /**
     * One page of the reader's feed.
     *
     * @param reader   the reader's friend graph, which decides whose posts they see
     * @param pushed   the reader's feed entries (write diffusion)
     * @param outboxes outbox posts by author id, for the authors who post by pull
     * @param after    the previous page's {@link FeedPage#next()}, or empty for the first page
     * @param limit    posts on the page, {@code 1..feedPageSizeMax}
     * @throws IllegalArgumentException if {@code limit} is out of range, a pushed entry belongs to
     *                                  another viewer, or an outbox holds another author's post
     */
    public FeedPage page(FriendGraph reader, Collection<FeedEntry> pushed,
                         Map<String, ? extends Collection<Post>> outboxes, Optional<FeedCursor> after, int limit) {
        if (limit < 1 || limit > maxPageSize) {
            throw new IllegalArgumentException("page size must be 1.." + maxPageSize + ", was " + limit);
        }
        String readerId = reader.userId();
        Set<String> hidden = new HashSet<>();
        Map<String, Post> candidates = new HashMap<>();
        for (FeedEntry entry : pushed) {
            if (!readerId.equals(entry.getViewerId())) {
                throw new IllegalArgumentException(
                        "feed entry of " + entry.getViewerId() + " given as the feed of " + readerId);
            }
            if (entry.getRemoved()) {
                hidden.add(entry.getPostId());
            } else if (Visibility.canSeePost(reader, entry.getAuthorId())) {
                offer(candidates, new Post(entry.getPostId(), entry.getAuthorId(), entry.getPostedAt()));
            }
        }
        outboxes.forEach((authorId, posts) -> {
            boolean visible = Visibility.canSeePost(reader, authorId);
            for (Post post : posts) {
                if (!post.authorId().equals(authorId)) {
                    throw new IllegalArgumentException(
                            "post " + post.postId() + " by " + post.authorId() + " in the outbox of " + authorId);
                }
                if (visible) {
                    offer(candidates, post);
                }
            }
        });
        List<Post> ordered = new ArrayList<>();
        for (Post post : candidates.values()) {
            if (!hidden.contains(post.postId()) && after.map(c -> c.precedes(post)).orElse(true)) {
                ordered.add(post);
            }
        }
        ordered.sort(FeedCursor.FEED_ORDER);
        if (ordered.size() <= limit) {
            return new FeedPage(ordered, Optional.empty());
        }
        List<Post> page = ordered.subList(0, limit);
        return new FeedPage(page, Optional.of(FeedCursor.after(page.get(limit - 1))));
    }

    /** Keeps one copy per post id: the one that sorts first, so duplicates cannot reorder a page. */
    private static void offer(Map<String, Post> candidates, Post post) {
        candidates.merge(post.postId(), post,
                (held, offered) -> FeedCursor.FEED_ORDER.compare(offered, held) < 0 ? offered : held);
    }
}
