package dev.kchat.moments;

import dev.kchat.events.social.FeedEntry;
import java.util.ArrayList;
import java.util.List;

/**
 * Hybrid fan-out of Moments posts: write diffusion for ordinary authors, read diffusion for
 * authors with many friends.
 *
 * <p>Pushing costs one write per friend at posting time and makes reads a single-partition scan;
 * pulling costs nothing at posting time and one outbox read per big-author friend at read time. A
 * threshold on the author's friend count bounds the write amplification of one post while keeping
 * most readers on the cheap read path (few of anyone's friends have more than the threshold).
 *
 * <p>The decision is taken per post, from the friend count when the post is created, and stays with
 * the post: an author crossing the threshold later does not move old posts, so deleting a post
 * undoes exactly what was done ({@link Visibility#removalsOnPostDeleted}).
 *
 * <p>Feed entries are written at posting time only: a friendship made later does not backfill
 * pushed posts into the new friend's feed, while pulled posts of a big author appear to a new friend
 * as soon as the friendship exists (the outbox is read at read time). The profile page, which reads
 * an author's posts directly, is where a new friend sees the history either way.
 */
public final class FeedPolicy {

    private final int pushMaxFriends;

    /**
     * @param pushMaxFriends authors with at most this many friends push; must be {@code >= 0}
     */
    public FeedPolicy(int pushMaxFriends) {
        if (pushMaxFriends < 0) {
            throw new IllegalArgumentException("pushMaxFriends must be >= 0, was " + pushMaxFriends);
        }
        this.pushMaxFriends = pushMaxFriends;
    }

    /** The policy with the configured threshold ({@link MomentsConfig#pushMaxFriends()}). */
    public static FeedPolicy from(MomentsConfig config) {
        return new FeedPolicy(config.pushMaxFriends());
    }

    /** The threshold: authors with at most this many friends push. */
    public int pushMaxFriends() {
        return pushMaxFriends;
    }

    /**
     * Push or pull for a post whose author has this many friends: {@link Delivery#PUSH} at or below
     * the threshold, {@link Delivery#PULL} above it.
     *
     * @throws IllegalArgumentException if {@code friendCount} is negative
     */
    public Delivery decide(int friendCount) {
        if (friendCount < 0) {
            throw new IllegalArgumentException("friendCount must be >= 0, was " + friendCount);
        }
        return friendCount <= pushMaxFriends ? Delivery.PUSH : Delivery.PULL;
    }

    /**
     * What to write for a new post, given its author's friends as they are now.
     *
     * <p>The author always gets an entry in their own feed (one write, and their own posts then
     * need no outbox read). When pushed, every friend gets one too; when pulled, only the author
     * does and the post goes to the author's outbox ({@link FanoutPlan#toOutbox()}); that entry
     * then says {@code pulled}, which tells the store to keep the post in the outbox.
     *
     * @param post   the new post
     * @param author the author's friend graph; its owner must be the post's author
     * @throws IllegalArgumentException if {@code author} is someone else's graph
     */
    public FanoutPlan plan(Post post, FriendGraph author) {
        return plan(post, PostAudience.FRIENDS, author);
    }

    /**
     * As {@link #plan(Post, FriendGraph)} for a post shown to {@code audience} only: a pushed post
     * reaches the feeds of the friends the audience allows (an {@code ONLY_ME} post the author's feed
     * alone). Push or pull is still decided by the author's friend count, so the cost of one post
     * stays bounded the same way; a pulled post's audience is checked when readers merge the outbox.
     */
    public FanoutPlan plan(Post post, PostAudience audience, FriendGraph author) {
        if (!author.userId().equals(post.authorId())) {
            throw new IllegalArgumentException(
                    "friend graph of " + author.userId() + " given for a post by " + post.authorId());
        }
        Delivery delivery = decide(author.friendCount());
        List<FeedEntry> entries = new ArrayList<>();
        if (delivery == Delivery.PUSH) {
            // friends() is sorted; the author is inserted in place so the entries stay in viewer order.
            boolean authorAdded = false;
            for (String friend : author.friends()) {
                if (!authorAdded && post.authorId().compareTo(friend) < 0) {
                    entries.add(entry(post.authorId(), post));
                    authorAdded = true;
                }
                if (audience.allowsFriend(friend)) {
                    entries.add(entry(friend, post));
                }
            }
            if (!authorAdded) {
                entries.add(entry(post.authorId(), post));
            }
        } else {
            entries.add(FeedEntry.newBuilder(entry(post.authorId(), post)).setPulled(true).build());
        }
        return new FanoutPlan(post, delivery, entries);
    }

    static FeedEntry entry(String viewerId, Post post) {
        return FeedEntry.newBuilder()
                .setViewerId(viewerId)
                .setPostId(post.postId())
                .setAuthorId(post.authorId())
                .setPostedAt(post.postedAt())
                .setRemoved(false)
                .build();
    }
}
