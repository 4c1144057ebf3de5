package dev.kchat.moments;

import dev.kchat.events.social.CommentAdded;
import dev.kchat.events.social.CommentDeleted;
import dev.kchat.events.social.FeedEntry;
import dev.kchat.events.social.FriendRemoved;
import dev.kchat.events.social.MomentEvent;
import dev.kchat.events.social.PostLiked;
import dev.kchat.events.social.PostUnliked;
import dev.kchat.events.social.SocialGraphEvent;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;

/**
 * Who sees what in Moments (the WeChat rules), and which feed entries to take back when that
 * changes.
 *
 * <ul>
 *   <li>A post is visible to its author and the author's friends whom its {@link PostAudience}
 *       allows (all friends, a list of them, only the author, all but a list).</li>
 *   <li>A like or comment is visible to the post's author, always; to anyone else only if they see
 *       the post (a friend of the author) and are the one who acted or a friend of them. Two
 *       people who are not friends never see each other's likes and comments, even on a common
 *       friend's post.</li>
 *   <li>A block (either way) ends the friendship, so neither sees the other's posts, likes or
 *       comments, and it also hides the blocked user's likes and comments from an author on the
 *       author's own posts, past ones included.</li>
 *   <li>Deleting a post takes it out of every feed it was pushed to; unfriending takes the former
 *       friend's posts out of the viewer's feed.</li>
 * </ul>
 *
 * <p>Friendship is read from the viewer's own {@link FriendGraph}, the side that lives on the
 * viewer's partition. The two sides of an edge are separate records, so for a moment one side may
 * already show a change the other does not; the viewer's side decides what the viewer sees.
 */
public final class Visibility {

    private Visibility() {
    }

    /** True if the viewer sees posts by {@code authorId}: they are the author or a friend of them. */
    public static boolean canSeePost(FriendGraph viewer, String authorId) {
        return viewer.userId().equals(authorId) || viewer.isFriend(authorId);
    }

    /**
     * True if the viewer sees this post: they are its author, or a friend of the author whom the
     * post's audience allows.
     */
    public static boolean canSeePost(FriendGraph viewer, String authorId, PostAudience audience) {
        String viewerId = viewer.userId();
        return viewerId.equals(authorId) || (viewer.isFriend(authorId) && audience.allowsFriend(viewerId));
    }

    /**
     * True if the viewer sees this like, unlike or comment (or comment deletion).
     *
     * @param viewer      the viewer's friend graph
     * @param interaction a {@code moments.events} record with a {@code PostLiked},
     *                    {@code PostUnliked}, {@code CommentAdded} or {@code CommentDeleted} event
     * @throws IllegalArgumentException for a post event ({@code PostCreated}, {@code PostDeleted}):
     *                                  those follow {@link #canSeePost}
     */
    public static boolean canSeeInteraction(FriendGraph viewer, MomentEvent interaction) {
        requireInteraction(interaction);
        String viewerId = viewer.userId();
        String author = interaction.getAuthorId();
        String actor = interaction.getActorId();
        if (viewerId.equals(author)) {
            return !viewer.isBlocked(actor);
        }
        if (!viewer.isFriend(author)) {
            return false;
        }
        return viewerId.equals(actor) || viewer.isFriend(actor);
    }

    /**
     * The interactions of a post the viewer sees, in the order given.
     *
     * @throws IllegalArgumentException if one of them is not an interaction
     */
    public static List<MomentEvent> visibleInteractions(FriendGraph viewer, Collection<MomentEvent> interactions) {
        List<MomentEvent> visible = new ArrayList<>();
        for (MomentEvent interaction : interactions) {
            if (canSeeInteraction(viewer, interaction)) {
                visible.add(interaction);
            }
        }
        return visible;
    }

    /**
     * Removals ({@code removed = true}) for {@code moments.feed} when a post is deleted: for the
     * author and, if the post was pushed, for each of the author's current friends.
     *
     * <p>The author's current friends are enough: whoever was a friend at posting time and has
     * since been unfriended already had the post removed ({@link #removalsOnUnfriend}), and a
     * removal for someone who never got the post is a harmless no-op at the sink. So no per-post
     * recipient list is kept. A pulled post was never in a friend's feed: only the author's entry
     * goes, and the outbox row is deleted with the post.
     *
     * @param post        the deleted post
     * @param deliveredAs how the post was delivered when it was created
     * @param author      the author's friend graph now
     * @throws IllegalArgumentException if {@code author} is someone else's graph
     */
    public static List<FeedEntry> removalsOnPostDeleted(Post post, Delivery deliveredAs, FriendGraph author) {
        if (!author.userId().equals(post.authorId())) {
            throw new IllegalArgumentException(
                    "friend graph of " + author.userId() + " given for a post by " + post.authorId());
        }
        List<FeedEntry> removals = new ArrayList<>();
        // The author's removal carries the delivery, so the store also drops a pulled post's outbox row.
        removals.add(FeedEntry.newBuilder(removal(post.authorId(), post)).setPulled(deliveredAs == Delivery.PULL).build());
        if (deliveredAs == Delivery.PUSH) {
            for (String friend : author.friends()) {
                removals.add(removal(friend, post));
            }
        }
        removals.sort(Comparator.comparing(FeedEntry::getViewerId));
        return removals;
    }

    /**
     * Removals for {@code moments.feed} when the viewer unfriends someone (or is unfriended): every
     * entry of the viewer's feed by the former friend. The other side's own {@code FriendRemoved}
     * record does the same for the other feed, on that user's partition.
     *
     * @param unfriended a {@code FriendRemoved} record; its {@code user_id} is the viewer
     * @param viewerFeed the viewer's current feed entries
     * @throws IllegalArgumentException if the record is not a {@code FriendRemoved}, or an entry
     *                                  belongs to another viewer
     */
    public static List<FeedEntry> removalsOnUnfriend(SocialGraphEvent unfriended, Collection<FeedEntry> viewerFeed) {
        if (!(unfriended.getEvent() instanceof FriendRemoved)) {
            throw new IllegalArgumentException("not a FriendRemoved record: " + unfriended.getEvent());
        }
        String viewerId = unfriended.getUserId();
        String formerFriend = unfriended.getOtherUserId();
        List<FeedEntry> removals = new ArrayList<>();
        for (FeedEntry entry : viewerFeed) {
            if (!viewerId.equals(entry.getViewerId())) {
                throw new IllegalArgumentException(
                        "feed entry of " + entry.getViewerId() + " given as the feed of " + viewerId);
            }
            if (formerFriend.equals(entry.getAuthorId()) && !entry.getRemoved()) {
                removals.add(FeedEntry.newBuilder(entry).setRemoved(true).build());
            }
        }
        return removals;
    }

    static FeedEntry removal(String viewerId, Post post) {
        return FeedEntry.newBuilder(FeedPolicy.entry(viewerId, post)).setRemoved(true).build();
    }

    static void requireInteraction(MomentEvent event) {
        Object kind = event.getEvent();
        if (!(kind instanceof PostLiked || kind instanceof PostUnliked
                || kind instanceof CommentAdded || kind instanceof CommentDeleted)) {
            throw new IllegalArgumentException("not a like or comment: " + event.getEventId()
                    + " (" + (kind == null ? "null" : kind.getClass().getSimpleName()) + ")");
        }
    }
}
