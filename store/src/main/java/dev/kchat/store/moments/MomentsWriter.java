package dev.kchat.store.moments;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.BoundStatement;
import com.datastax.oss.driver.api.core.cql.BoundStatementBuilder;
import com.datastax.oss.driver.api.core.cql.PreparedStatement;
import dev.kchat.events.common.Attachment;
import dev.kchat.events.social.CommentAdded;
import dev.kchat.events.social.CommentDeleted;
import dev.kchat.events.social.FeedEntry;
import dev.kchat.events.social.FriendAdded;
import dev.kchat.events.social.FriendBlocked;
import dev.kchat.events.social.FriendRemoved;
import dev.kchat.events.social.FriendRequested;
import dev.kchat.events.social.FriendUnblocked;
import dev.kchat.events.social.GraphOrigin;
import dev.kchat.events.social.MomentEvent;
import dev.kchat.events.social.PostCreated;
import dev.kchat.events.social.PostDeleted;
import dev.kchat.events.social.NotificationsSeen;
import dev.kchat.events.social.PostLiked;
import dev.kchat.events.social.PostUnliked;
import dev.kchat.events.social.SocialGraphEvent;
import dev.kchat.store.write.ChatWriter;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The statements that store Moments (migration V005) from {@code moments.events},
 * {@code moments.feed} and {@code social.graph}. Every statement is an idempotent upsert or delete
 * {@code USING TIMESTAMP} of the record's own time in microseconds, so a replay rewrites the same
 * cells and a replayed creation older than a deletion stays deleted.
 *
 * <p>Within one millisecond, {@code social.graph} kinds are ordered request &lt; added &lt; removed
 * &lt; blocked &lt; unblocked (one microsecond apart), and a feed removal sorts after the entry it removes (it has no time of
 * its own, so it uses the post's time plus one microsecond).
 */
public final class MomentsWriter {

    /** Kind of a like row in {@code moments_interactions_by_post}; its id is the liker. */
    public static final String LIKE = "like";
    /** Kind of a comment row; its id is the comment id. */
    public static final String COMMENT = "comment";
    /** Friend-row states. */
    public static final String FRIEND = "friend";
    public static final String OUTGOING = "outgoing";
    public static final String INCOMING = "incoming";
    /** Microseconds added within one millisecond, so kinds of equal time apply in this order. */
    private static final int ADDED_OFFSET = 1;
    private static final int REMOVED_OFFSET = 2;
    private static final int BLOCKED_OFFSET = 3;
    private static final int UNBLOCKED_OFFSET = 4;

    private final PreparedStatement post;
    private final PreparedStatement postDeleted;
    private final PreparedStatement postByAuthor;
    private final PreparedStatement feedEntry;
    private final PreparedStatement feedRemoved;
    private final PreparedStatement outbox;
    private final PreparedStatement outboxRemoved;
    private final PreparedStatement outboxAuthor;
    private final PreparedStatement interaction;
    private final PreparedStatement interactionRemoved;
    private final PreparedStatement friend;
    private final PreparedStatement friendRemoved;
    private final PreparedStatement block;
    private final PreparedStatement blockRemoved;

    public MomentsWriter(CqlSession session, String keyspace) {
        String k = keyspace + ".";
        post = session.prepare("INSERT INTO " + k + "moments_posts (post_id, author_id, posted_at, text, media, visibility, audience)"
                + " VALUES (:post_id, :author_id, :posted_at, :text, :media, :visibility, :audience) USING TIMESTAMP :ts");
        postDeleted = session.prepare("DELETE FROM " + k + "moments_posts USING TIMESTAMP :ts WHERE post_id = :post_id");
        postByAuthor = session.prepare("INSERT INTO " + k + "moments_posts_by_author (author_id, posted_at, post_id)"
                + " VALUES (:author_id, :posted_at, :post_id) USING TIMESTAMP :ts");
        feedEntry = session.prepare("INSERT INTO " + k + "moments_feed_by_user (user_id, posted_at, post_id, author_id)"
                + " VALUES (:user_id, :posted_at, :post_id, :author_id) USING TIMESTAMP :ts");
        feedRemoved = session.prepare("DELETE FROM " + k + "moments_feed_by_user USING TIMESTAMP :ts"
                + " WHERE user_id = :user_id AND posted_at = :posted_at AND post_id = :post_id");
        outbox = session.prepare("INSERT INTO " + k + "moments_outbox_by_author (author_id, posted_at, post_id)"
                + " VALUES (:author_id, :posted_at, :post_id) USING TIMESTAMP :ts");
        outboxRemoved = session.prepare("DELETE FROM " + k + "moments_outbox_by_author USING TIMESTAMP :ts"
                + " WHERE author_id = :author_id AND posted_at = :posted_at AND post_id = :post_id");
        outboxAuthor = session.prepare("INSERT INTO " + k + "moments_outbox_authors (author_id) VALUES (:author_id)");
        interaction = session.prepare("INSERT INTO " + k + "moments_interactions_by_post (post_id, kind, id, actor_id, at, text,"
                + " reply_to_user_id) VALUES (:post_id, :kind, :id, :actor_id, :at, :text, :reply_to_user_id) USING TIMESTAMP :ts");
        interactionRemoved = session.prepare("DELETE FROM " + k + "moments_interactions_by_post USING TIMESTAMP :ts"
                + " WHERE post_id = :post_id AND kind = :kind AND id = :id");
        friend = session.prepare("INSERT INTO " + k + "moments_friends_by_user (user_id, other_user_id, state, since, message)"
                + " VALUES (:user_id, :other_user_id, :state, :since, :message) USING TIMESTAMP :ts");
        friendRemoved = session.prepare("DELETE FROM " + k + "moments_friends_by_user USING TIMESTAMP :ts"
                + " WHERE user_id = :user_id AND other_user_id = :other_user_id");
        block = session.prepare("INSERT INTO " + k + "moments_blocks_by_user (user_id, other_user_id, direction, at)"
                + " VALUES (:user_id, :other_user_id, :direction, :at) USING TIMESTAMP :ts");
        blockRemoved = session.prepare("DELETE FROM " + k + "moments_blocks_by_user USING TIMESTAMP :ts"
                + " WHERE user_id = :user_id AND other_user_id = :other_user_id AND direction = :direction");
    }

    /**
     * A {@code moments.events} record: a post (by id and in its author's timeline), its deletion
     * (the post row; timeline rows of deleted posts are skipped at read), a like or comment, an
     * unlike or comment deletion. {@code NotificationsSeen} writes nothing (the unread count is the
     * Moments app's, and reaches devices through the inbox).
     *
     * @throws IllegalArgumentException for an event kind this writer does not know
     */
    public List<BoundStatement> statementsFor(MomentEvent event) {
        long ts = micros(event.getAt());
        Object kind = event.getEvent();
        if (kind instanceof PostCreated created) {
            List<String> media = new ArrayList<>();
            for (Attachment a : created.getMedia()) {
                media.add(a.getUrl());
            }
            return List.of(
                    finish(post.boundStatementBuilder().setString("post_id", event.getPostId())
                            .setString("author_id", event.getAuthorId()).setInstant("posted_at", event.getAt())
                            .setString("text", created.getText()).setList("media", media, String.class)
                            .setString("visibility", created.getVisibility().name())
                            .setSet("audience", new java.util.TreeSet<>(created.getAudience()), String.class).setLong("ts", ts)),
                    finish(postByAuthor.boundStatementBuilder().setString("author_id", event.getAuthorId())
                            .setInstant("posted_at", event.getAt()).setString("post_id", event.getPostId()).setLong("ts", ts)));
        }
        if (kind instanceof PostDeleted) {
            return List.of(finish(postDeleted.boundStatementBuilder().setString("post_id", event.getPostId()).setLong("ts", ts)));
        }
        if (kind instanceof PostLiked) {
            return List.of(finish(interaction(event, LIKE, event.getActorId(), null, null, ts)));
        }
        if (kind instanceof PostUnliked) {
            return List.of(finish(interactionRemoved(event, LIKE, event.getActorId(), ts)));
        }
        if (kind instanceof CommentAdded comment) {
            return List.of(finish(interaction(event, COMMENT, comment.getCommentId(), comment.getText(),
                    comment.getReplyToUserId(), ts)));
        }
        if (kind instanceof CommentDeleted deleted) {
            return List.of(finish(interactionRemoved(event, COMMENT, deleted.getCommentId(), ts)));
        }
        if (kind instanceof NotificationsSeen) {
            return List.of();
        }
        throw new IllegalArgumentException("unknown moments.events event "
                + (kind == null ? "null" : kind.getClass().getName()) + " in " + event.getEventId());
    }

    /**
     * A {@code moments.feed} record: the entry in its viewer's feed, or its removal; on a
     * {@code pulled} entry (the author's own, for a post left in the outbox) the outbox row too.
     */
    public List<BoundStatement> statementsFor(FeedEntry entry) {
        long ts = micros(entry.getPostedAt());
        List<BoundStatement> out = new ArrayList<>();
        boolean outboxed = entry.getPulled() && entry.getViewerId().equals(entry.getAuthorId());
        if (entry.getRemoved()) {
            out.add(finish(feedRemoved.boundStatementBuilder().setString("user_id", entry.getViewerId())
                    .setInstant("posted_at", entry.getPostedAt()).setString("post_id", entry.getPostId()).setLong("ts", ts + 1)));
            if (outboxed) {
                out.add(finish(outboxRemoved.boundStatementBuilder().setString("author_id", entry.getAuthorId())
                        .setInstant("posted_at", entry.getPostedAt()).setString("post_id", entry.getPostId()).setLong("ts", ts + 1)));
            }
        } else {
            out.add(finish(feedEntry.boundStatementBuilder().setString("user_id", entry.getViewerId())
                    .setInstant("posted_at", entry.getPostedAt()).setString("post_id", entry.getPostId())
                    .setString("author_id", entry.getAuthorId()).setLong("ts", ts)));
            if (outboxed) {
                out.add(finish(outbox.boundStatementBuilder().setString("author_id", entry.getAuthorId())
                        .setInstant("posted_at", entry.getPostedAt()).setString("post_id", entry.getPostId()).setLong("ts", ts)));
                out.add(finish(outboxAuthor.boundStatementBuilder().setString("author_id", entry.getAuthorId())));
            }
        }
        return out;
    }

    /**
     * A {@code social.graph} record, on its user's side: a pending request, a friend, or the row
     * deleted (unfriended, declined or withdrawn); a block (the friend row deleted, the block row
     * written) or its lifting. An {@code INTENT} is not a fact yet: nothing (topology-moments writes
     * the checked change for both sides, which are stored).
     *
     * @throws IllegalArgumentException for an event kind this writer does not know
     */
    public List<BoundStatement> statementsFor(SocialGraphEvent event) {
        if (event.getOrigin() == GraphOrigin.INTENT) {
            return List.of();
        }
        long ts = micros(event.getAt());
        Object kind = event.getEvent();
        if (kind instanceof FriendBlocked blocked) {
            return List.of(finish(friendRemoved.boundStatementBuilder().setString("user_id", event.getUserId())
                            .setString("other_user_id", event.getOtherUserId()).setLong("ts", ts + BLOCKED_OFFSET)),
                    finish(block.boundStatementBuilder().setString("user_id", event.getUserId())
                            .setString("other_user_id", event.getOtherUserId())
                            .setString("direction", blocked.getOutgoing() ? OUTGOING : INCOMING)
                            .setInstant("at", event.getAt()).setLong("ts", ts + BLOCKED_OFFSET)));
        }
        if (kind instanceof FriendUnblocked unblocked) {
            return List.of(finish(blockRemoved.boundStatementBuilder().setString("user_id", event.getUserId())
                    .setString("other_user_id", event.getOtherUserId())
                    .setString("direction", unblocked.getOutgoing() ? OUTGOING : INCOMING).setLong("ts", ts + UNBLOCKED_OFFSET)));
        }
        if (kind instanceof FriendRequested requested) {
            return List.of(finish(friend(event, requested.getOutgoing() ? OUTGOING : INCOMING, requested.getMessage(), ts)));
        }
        if (kind instanceof FriendAdded) {
            return List.of(finish(friend(event, FRIEND, null, ts + ADDED_OFFSET)));
        }
        if (kind instanceof FriendRemoved) {
            return List.of(finish(friendRemoved.boundStatementBuilder().setString("user_id", event.getUserId())
                    .setString("other_user_id", event.getOtherUserId()).setLong("ts", ts + REMOVED_OFFSET)));
        }
        throw new IllegalArgumentException("unknown social.graph event "
                + (kind == null ? "null" : kind.getClass().getName()) + " of " + event.getUserId());
    }

    private BoundStatementBuilder interaction(MomentEvent event, String kind, String id, String text, String replyTo, long ts) {
        return interaction.boundStatementBuilder().setString("post_id", event.getPostId()).setString("kind", kind)
                .setString("id", id).setString("actor_id", event.getActorId()).setInstant("at", event.getAt())
                .setString("text", text).setString("reply_to_user_id", replyTo).setLong("ts", ts);
    }

    private BoundStatementBuilder interactionRemoved(MomentEvent event, String kind, String id, long ts) {
        return interactionRemoved.boundStatementBuilder().setString("post_id", event.getPostId()).setString("kind", kind)
                .setString("id", id).setLong("ts", ts);
    }

    private BoundStatementBuilder friend(SocialGraphEvent event, String state, String message, long ts) {
        return friend.boundStatementBuilder().setString("user_id", event.getUserId())
                .setString("other_user_id", event.getOtherUserId()).setString("state", state)
                .setInstant("since", event.getAt()).setString("message", message).setLong("ts", ts);
    }

    /** Microseconds, with room for the small offsets above within one millisecond. */
    static long micros(Instant at) {
        return at.toEpochMilli() * 1_000;
    }

    private static BoundStatement finish(BoundStatementBuilder b) {
        return b.setConsistencyLevel(ChatWriter.WRITE_CONSISTENCY).setIdempotence(true).build();
    }
}
