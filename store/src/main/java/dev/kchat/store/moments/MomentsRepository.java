package dev.kchat.store.moments;

import com.datastax.oss.driver.api.core.ConsistencyLevel;
import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.PreparedStatement;
import com.datastax.oss.driver.api.core.cql.Row;
import dev.kchat.events.social.CommentAdded;
import dev.kchat.events.social.FeedEntry;
import dev.kchat.events.social.MomentEvent;
import dev.kchat.events.social.PostLiked;
import dev.kchat.moments.FeedCursor;
import dev.kchat.moments.FeedMerge;
import dev.kchat.moments.FeedPage;
import dev.kchat.moments.FriendGraph;
import dev.kchat.moments.MomentsConfig;
import dev.kchat.moments.Post;
import dev.kchat.moments.PostAudience;
import dev.kchat.events.social.PostVisibility;
import dev.kchat.moments.Visibility;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * Reads Moments (migration V005) as a user sees them: the feed (pushed entries merged with the
 * outboxes of friends who post by pull, with {@link FeedMerge}), a timeline, one post with the likes
 * and comments the reader may see (the WeChat rule, {@link Visibility}), friends and pending
 * requests. Reads at {@code LOCAL_QUORUM}, like the sink's writes.
 */
public final class MomentsRepository {

    /** Authors per {@code IN} query when finding which friends have an outbox. */
    static final int IN_CHUNK = 100;

    /** A friend, and since when. */
    public record Friend(String userId, Instant since) {
    }

    /** A pending request: who, which way ({@link MomentsWriter#OUTGOING}/{@link MomentsWriter#INCOMING}), when, its message. */
    public record PendingRequest(String userId, String direction, Instant at, String message) {
    }

    /** A like on a post. */
    public record Like(String actorId, Instant at) {
    }

    /** A comment on a post; {@code replyToUserId} is null for a top-level comment. */
    public record Comment(String commentId, String actorId, Instant at, String text, String replyToUserId) {
    }

    /**
     * A post as one reader sees it: only the likes and comments that reader may see. {@code audience}
     * is who may see it; only its author is shown that ({@link #forAuthor}).
     */
    public record PostView(String postId, String authorId, Instant postedAt, String text, List<String> media,
                           PostAudience audience, List<Like> likes, List<Comment> comments) {

        /** True if {@code userId} wrote the post. */
        public boolean forAuthor(String userId) {
            return authorId.equals(userId);
        }
    }

    /** A page of posts; {@code next} is the opaque cursor of the next page, empty on the last. */
    public record Page(List<PostView> posts, Optional<String> next) {
    }

    private final CqlSession session;
    private final FeedMerge merge;
    private final PreparedStatement friends;
    private final PreparedStatement feedFirst;
    private final PreparedStatement feedAfter;
    private final PreparedStatement outboxFirst;
    private final PreparedStatement outboxAfter;
    private final PreparedStatement timelineFirst;
    private final PreparedStatement timelineAfter;
    private final PreparedStatement post;
    private final PreparedStatement interactions;
    private final PreparedStatement outboxAuthors;
    private final PreparedStatement blocks;

    public MomentsRepository(CqlSession session, String keyspace, MomentsConfig config) {
        this.session = session;
        this.merge = new FeedMerge(config);
        String k = keyspace + ".";
        friends = session.prepare("SELECT other_user_id, state, since, message FROM " + k + "moments_friends_by_user WHERE user_id = ?");
        feedFirst = session.prepare("SELECT posted_at, post_id, author_id FROM " + k + "moments_feed_by_user WHERE user_id = ? LIMIT ?");
        feedAfter = session.prepare("SELECT posted_at, post_id, author_id FROM " + k + "moments_feed_by_user WHERE user_id = ?"
                + " AND (posted_at, post_id) < (?, ?) LIMIT ?");
        outboxFirst = session.prepare("SELECT posted_at, post_id FROM " + k + "moments_outbox_by_author WHERE author_id = ? LIMIT ?");
        outboxAfter = session.prepare("SELECT posted_at, post_id FROM " + k + "moments_outbox_by_author WHERE author_id = ?"
                + " AND (posted_at, post_id) < (?, ?) LIMIT ?");
        timelineFirst = session.prepare("SELECT posted_at, post_id FROM " + k + "moments_posts_by_author WHERE author_id = ? LIMIT ?");
        timelineAfter = session.prepare("SELECT posted_at, post_id FROM " + k + "moments_posts_by_author WHERE author_id = ?"
                + " AND (posted_at, post_id) < (?, ?) LIMIT ?");
        post = session.prepare("SELECT author_id, posted_at, text, media, visibility, audience FROM " + k
                + "moments_posts WHERE post_id = ?");
        blocks = session.prepare("SELECT other_user_id, direction FROM " + k + "moments_blocks_by_user WHERE user_id = ?");
        interactions = session.prepare("SELECT kind, id, actor_id, at, text, reply_to_user_id FROM " + k
                + "moments_interactions_by_post WHERE post_id = ?");
        outboxAuthors = session.prepare("SELECT author_id FROM " + k + "moments_outbox_authors WHERE author_id IN ?");
    }

    /** The user's side of the friend graph as stored: friends, pending requests and blocks both ways. */
    public FriendGraph friendGraph(String userId) {
        Map<String, Instant> friendsSince = new HashMap<>();
        Map<String, FriendGraph.Direction> pending = new HashMap<>();
        for (Row r : session.execute(friends.bind(userId).setConsistencyLevel(ConsistencyLevel.LOCAL_QUORUM))) {
            String other = r.getString("other_user_id");
            switch (r.getString("state")) {
                case MomentsWriter.FRIEND -> friendsSince.put(other, r.getInstant("since"));
                case MomentsWriter.OUTGOING -> pending.put(other, FriendGraph.Direction.OUTGOING);
                case MomentsWriter.INCOMING -> pending.put(other, FriendGraph.Direction.INCOMING);
                default -> throw new IllegalStateException("unknown friend state " + r.getString("state") + " of " + userId);
            }
        }
        Set<String> blocked = new TreeSet<>();
        Set<String> blockedBy = new TreeSet<>();
        for (Row r : session.execute(blocks.bind(userId).setConsistencyLevel(ConsistencyLevel.LOCAL_QUORUM))) {
            (MomentsWriter.OUTGOING.equals(r.getString("direction")) ? blocked : blockedBy).add(r.getString("other_user_id"));
        }
        return FriendGraph.restore(userId, friendsSince, pending, Map.of(), blocked, blockedBy);
    }

    /** The users this user blocked, in id order. */
    public List<String> blocked(String userId) {
        return new ArrayList<>(friendGraph(userId).blocked());
    }

    /** The user's friends, in id order. */
    public List<Friend> friends(String userId) {
        List<Friend> out = new ArrayList<>();
        friendGraph(userId).friendsSince().forEach((id, since) -> out.add(new Friend(id, since)));
        return out;
    }

    /** The user's pending requests, both ways, in id order. */
    public List<PendingRequest> pendingRequests(String userId) {
        List<PendingRequest> out = new ArrayList<>();
        for (Row r : session.execute(friends.bind(userId).setConsistencyLevel(ConsistencyLevel.LOCAL_QUORUM))) {
            String state = r.getString("state");
            if (!MomentsWriter.FRIEND.equals(state)) {
                out.add(new PendingRequest(r.getString("other_user_id"), state, r.getInstant("since"), r.getString("message")));
            }
        }
        out.sort(java.util.Comparator.comparing(PendingRequest::userId));
        return out;
    }

    /**
     * One page of the reader's feed, newest first: their pushed entries merged with the outboxes of
     * the friends who post by pull, de-duplicated, only authors who are the reader or a current
     * friend ({@link FeedMerge}); each post with the interactions the reader may see.
     *
     * @param after the previous page's {@link Page#next()}, or empty for the first page
     * @throws IllegalArgumentException if the cursor is malformed or the limit out of range
     */
    public Page feed(String readerId, Optional<String> after, int limit) {
        Optional<FeedCursor> cursor = after.map(FeedCursor::decode);
        FriendGraph reader = friendGraph(readerId);
        List<FeedEntry> pushed = new ArrayList<>();
        for (Row r : range(feedFirst, feedAfter, readerId, cursor, limit + 1)) {
            pushed.add(FeedEntry.newBuilder().setViewerId(readerId).setPostId(r.getString("post_id"))
                    .setAuthorId(r.getString("author_id")).setPostedAt(r.getInstant("posted_at")).build());
        }
        Map<String, List<Post>> outboxes = new HashMap<>();
        for (String author : outboxAuthors(reader)) {
            List<Post> posts = new ArrayList<>();
            for (Row r : range(outboxFirst, outboxAfter, author, cursor, limit + 1)) {
                posts.add(new Post(r.getString("post_id"), author, r.getInstant("posted_at")));
            }
            outboxes.put(author, posts);
        }
        FeedPage page = merge.page(reader, pushed, outboxes, cursor, limit);
        List<PostView> views = new ArrayList<>();
        for (Post p : page.posts()) {
            load(p.postId(), reader).ifPresent(views::add);
        }
        return new Page(views, page.next().map(FeedCursor::encode));
    }

    /**
     * One page of the author's own posts, newest first, as the reader sees them; empty when the
     * reader is neither the author nor a friend of theirs. Deleted posts are skipped.
     */
    public Page timeline(String authorId, String readerId, Optional<String> after, int limit) {
        if (limit < 1) {
            throw new IllegalArgumentException("page size must be >= 1, was " + limit);
        }
        FriendGraph reader = friendGraph(readerId);
        if (!Visibility.canSeePost(reader, authorId)) {
            return new Page(List.of(), Optional.empty());
        }
        Optional<FeedCursor> cursor = after.map(FeedCursor::decode);
        List<PostView> views = new ArrayList<>();
        // Deleted posts leave their timeline row; read on until the page is full or the timeline ends.
        while (true) {
            List<Row> rows = range(timelineFirst, timelineAfter, authorId, cursor, limit + 1);
            for (Row r : rows) {
                Post p = new Post(r.getString("post_id"), authorId, r.getInstant("posted_at"));
                if (views.size() == limit) {
                    return new Page(views, Optional.of(FeedCursor.after(last(views)).encode()));
                }
                load(p.postId(), reader).ifPresent(views::add);
                cursor = Optional.of(FeedCursor.after(p));
            }
            if (rows.size() <= limit) {
                return new Page(views, Optional.empty());
            }
        }
    }

    /**
     * One post as the reader sees it: empty if it does not exist, was deleted, or the reader may not
     * see it (not the author nor a friend of theirs the post's audience allows). Likes and comments are filtered by {@link Visibility}: the author
     * sees all, anyone else only those by themselves or their friends.
     */
    public Optional<PostView> post(String postId, String readerId) {
        return load(postId, friendGraph(readerId));
    }

    private Optional<PostView> load(String postId, FriendGraph reader) {
        Row p = session.execute(post.bind(postId).setConsistencyLevel(ConsistencyLevel.LOCAL_QUORUM)).one();
        if (p == null) {
            return Optional.empty();
        }
        String authorId = p.getString("author_id");
        String visibility = p.getString("visibility");
        PostAudience audience = visibility == null ? PostAudience.FRIENDS
                : new PostAudience(PostVisibility.valueOf(visibility), p.getSet("audience", String.class));
        if (!Visibility.canSeePost(reader, authorId, audience)) {
            return Optional.empty();
        }
        List<Like> likes = new ArrayList<>();
        List<Comment> comments = new ArrayList<>();
        for (Row r : session.execute(interactions.bind(postId).setConsistencyLevel(ConsistencyLevel.LOCAL_QUORUM))) {
            String actor = r.getString("actor_id");
            Instant at = r.getInstant("at");
            boolean like = MomentsWriter.LIKE.equals(r.getString("kind"));
            MomentEvent asEvent = MomentEvent.newBuilder().setEventId(r.getString("id")).setPostId(postId).setAuthorId(authorId)
                    .setActorId(actor).setAt(at)
                    .setEvent(like ? new PostLiked() : CommentAdded.newBuilder().setCommentId(r.getString("id"))
                            .setText(r.getString("text")).setReplyToUserId(r.getString("reply_to_user_id")).build())
                    .build();
            if (!Visibility.canSeeInteraction(reader, asEvent)) {
                continue;
            }
            if (like) {
                likes.add(new Like(actor, at));
            } else {
                comments.add(new Comment(r.getString("id"), actor, at, r.getString("text"), r.getString("reply_to_user_id")));
            }
        }
        likes.sort(java.util.Comparator.comparing(Like::at).thenComparing(Like::actorId));
        comments.sort(java.util.Comparator.comparing(Comment::at).thenComparing(Comment::commentId));
        return Optional.of(new PostView(postId, authorId, p.getInstant("posted_at"), p.getString("text"),
                p.getList("media", String.class), audience, likes, comments));
    }

    /** The reader's friends who have an outbox (authors who post by pull). */
    private List<String> outboxAuthors(FriendGraph reader) {
        List<String> friendIds = new ArrayList<>(reader.friends());
        List<String> out = new ArrayList<>();
        for (int i = 0; i < friendIds.size(); i += IN_CHUNK) {
            List<String> chunk = friendIds.subList(i, Math.min(friendIds.size(), i + IN_CHUNK));
            for (Row r : session.execute(outboxAuthors.bind(chunk).setConsistencyLevel(ConsistencyLevel.LOCAL_QUORUM))) {
                out.add(r.getString("author_id"));
            }
        }
        return out;
    }

    private List<Row> range(PreparedStatement first, PreparedStatement after, String key, Optional<FeedCursor> cursor, int limit) {
        var bound = cursor.isPresent()
                ? after.bind(key, cursor.get().postedAt(), cursor.get().postId(), limit)
                : first.bind(key, limit);
        return session.execute(bound.setConsistencyLevel(ConsistencyLevel.LOCAL_QUORUM)).all();
    }

    private static Post last(List<PostView> views) {
        PostView v = views.get(views.size() - 1);
        return new Post(v.postId(), v.authorId(), v.postedAt());
    }
}
