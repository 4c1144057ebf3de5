package dev.kchat.moments;

import java.time.Instant;
import java.util.Comparator;
import java.util.Objects;

/**
 * A position in a feed: the {@code (posted_at, post_id)} of the last post of a page. The next page
 * holds the posts strictly after it in feed order (newest first, then post id descending), so a
 * cursor is stable under new posts arriving at the top and under ties in {@code posted_at}.
 *
 * @param postedAt the last post's time
 * @param postId   the last post's id
 */
public record FeedCursor(Instant postedAt, String postId) {

    /** Feed order: newest first; among posts of the same millisecond, greater post id first. */
    public static final Comparator<Post> FEED_ORDER = Comparator
            .comparing(Post::postedAt, Comparator.reverseOrder())
            .thenComparing(Post::postId, Comparator.reverseOrder());

    public FeedCursor {
        Objects.requireNonNull(postedAt, "postedAt");
        Objects.requireNonNull(postId, "postId");
    }

    /** The cursor just after this post. */
    public static FeedCursor after(Post post) {
        return new FeedCursor(post.postedAt(), post.postId());
    }

    /** True if {@code post} comes after this cursor in feed order, i.e. belongs to a later page. */
    public boolean precedes(Post post) {
        int byTime = post.postedAt().compareTo(postedAt);
        return byTime < 0 || (byTime == 0 && post.postId().compareTo(postId) < 0);
    }

    /** The cursor as an opaque page token: {@code <epoch millis>:<post id>}. */
    public String encode() {
        return postedAt.toEpochMilli() + ":" + postId;
    }

    /**
     * The cursor of a page token made by {@link #encode()}.
     *
     * @throws IllegalArgumentException if the token is malformed
     */
    public static FeedCursor decode(String token) {
        int colon = token == null ? -1 : token.indexOf(':');
        if (colon <= 0 || colon == token.length() - 1) {
            throw new IllegalArgumentException("malformed feed cursor: " + token);
        }
        try {
            return new FeedCursor(Instant.ofEpochMilli(Long.parseLong(token.substring(0, colon))),
                    token.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("malformed feed cursor: " + token, e);
        }
    }
}
