package dev.kchat.moments;

import dev.kchat.events.social.FeedEntry;
import java.util.List;
import java.util.Objects;

/**
 * The outcome of {@link FeedPolicy#plan}: how one post is delivered and the feed entries to write.
 *
 * @param post        the post
 * @param delivery    push or pull, decided from the author's friend count at posting time
 * @param feedEntries entries for {@code moments.feed}: the author and every friend when pushed,
 *                    the author only when pulled; ordered by viewer id
 */
public record FanoutPlan(Post post, Delivery delivery, List<FeedEntry> feedEntries) {

    public FanoutPlan {
        Objects.requireNonNull(post, "post");
        Objects.requireNonNull(delivery, "delivery");
        feedEntries = List.copyOf(feedEntries);
    }

    /** True when the post belongs in the author's outbox, where readers pull it from. */
    public boolean toOutbox() {
        return delivery == Delivery.PULL;
    }
}
