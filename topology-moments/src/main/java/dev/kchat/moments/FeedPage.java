package dev.kchat.moments;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * One page of a reader's feed.
 *
 * @param posts newest first, no post twice
 * @param next  where the next page starts; empty when this page is the last
 */
public record FeedPage(List<Post> posts, Optional<FeedCursor> next) {

    public FeedPage {
        posts = List.copyOf(posts);
        Objects.requireNonNull(next, "next");
    }
}
