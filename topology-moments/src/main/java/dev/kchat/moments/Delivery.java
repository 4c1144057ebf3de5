package dev.kchat.moments;

/** How a post reaches its author's friends: decided once per post by {@link FeedPolicy}. */
public enum Delivery {
    /** Write diffusion: one feed entry per friend, written when the post is created. */
    PUSH,
    /** Read diffusion: the post stays in the author's outbox; {@link FeedMerge} pulls it in when a friend reads. */
    PULL
}
