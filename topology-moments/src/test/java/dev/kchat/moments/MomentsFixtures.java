package dev.kchat.moments;

import dev.kchat.events.social.CommentAdded;
import dev.kchat.events.social.FeedEntry;
import dev.kchat.events.social.FriendAdded;
import dev.kchat.events.social.FriendRemoved;
import dev.kchat.events.social.FriendRequested;
import dev.kchat.events.social.MomentEvent;
import dev.kchat.events.social.NotificationsSeen;
import dev.kchat.events.social.PostCreated;
import dev.kchat.events.social.PostDeleted;
import dev.kchat.events.social.PostLiked;
import dev.kchat.events.social.PostUnliked;
import dev.kchat.events.social.SocialGraphEvent;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/** Named instants and record builders shared by the Moments tests. */
final class MomentsFixtures {

    static final Instant T0 = Instant.parse("2026-03-01T10:00:00Z");

    private MomentsFixtures() {
    }

    static Instant at(long seconds) {
        return T0.plusSeconds(seconds);
    }

    static SocialGraphEvent requested(String user, String other, boolean outgoing, long second) {
        return graph(user, other, second, FriendRequested.newBuilder().setOutgoing(outgoing).build());
    }

    static SocialGraphEvent added(String user, String other, long second) {
        return graph(user, other, second, FriendAdded.newBuilder().build());
    }

    static SocialGraphEvent removed(String user, String other, long second) {
        return graph(user, other, second, FriendRemoved.newBuilder().build());
    }

    static SocialGraphEvent graph(String user, String other, long second, Object event) {
        return SocialGraphEvent.newBuilder().setUserId(user).setOtherUserId(other).setAt(at(second)).setEvent(event).build();
    }

    /** A graph of {@code user} with these friends, added one second apart. */
    static FriendGraph friendsOf(String user, String... friends) {
        List<SocialGraphEvent> events = new ArrayList<>();
        for (int i = 0; i < friends.length; i++) {
            events.add(added(user, friends[i], i));
        }
        return FriendGraph.replay(user, events);
    }

    static MomentEvent postCreated(String post, String author, long second) {
        return moment(post, author, author, second, PostCreated.newBuilder().setText("hello").build());
    }

    static MomentEvent postDeleted(String post, String author, long second) {
        return moment(post, author, author, second, PostDeleted.newBuilder().build());
    }

    static MomentEvent liked(String post, String author, String actor) {
        return moment(post, author, actor, 100, PostLiked.newBuilder().build());
    }

    static MomentEvent unliked(String post, String author, String actor) {
        return moment(post, author, actor, 101, PostUnliked.newBuilder().build());
    }

    static MomentEvent commented(String post, String author, String actor, String replyTo) {
        return moment(post, author, actor, 102, CommentAdded.newBuilder()
                .setCommentId("c-" + actor).setText("nice").setReplyToUserId(replyTo).build());
    }

    /** {@code user} read their Moments notifications (no post: post_id empty). */
    static MomentEvent seen(String user, long second) {
        return moment("", user, user, second, NotificationsSeen.newBuilder().build());
    }

    static MomentEvent moment(String post, String author, String actor, long second, Object event) {
        return MomentEvent.newBuilder().setEventId(UUID.randomUUID().toString()).setPostId(post)
                .setAuthorId(author).setActorId(actor).setAt(at(second)).setEvent(event).build();
    }

    static Post post(String id, String author, long second) {
        return new Post(id, author, at(second));
    }

    static FeedEntry entry(String viewer, String post, String author, long second) {
        return FeedEntry.newBuilder().setViewerId(viewer).setPostId(post).setAuthorId(author)
                .setPostedAt(at(second)).setRemoved(false).build();
    }
}
