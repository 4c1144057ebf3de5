package dev.kchat.moments;

import dev.kchat.events.social.MomentEvent;
import dev.kchat.events.social.PostCreated;
import java.time.Instant;
import java.util.Objects;

/**
 * What the feed rules need to know of a post: its id, its author and when it was posted.
 *
 * @param postId   the post's id
 * @param authorId the author's user id
 * @param postedAt when the post was created; the feed's order
 */
public record Post(String postId, String authorId, Instant postedAt) {

    public Post {
        Objects.requireNonNull(postId, "postId");
        Objects.requireNonNull(authorId, "authorId");
        Objects.requireNonNull(postedAt, "postedAt");
    }

    /**
     * The post a {@code PostCreated} event creates.
     *
     * @throws IllegalArgumentException if the event is not a {@code PostCreated}
     */
    public static Post of(MomentEvent created) {
        if (!(created.getEvent() instanceof PostCreated)) {
            throw new IllegalArgumentException("not a PostCreated event: " + created.getEventId());
        }
        return new Post(created.getPostId(), created.getAuthorId(), created.getAt());
    }
}
