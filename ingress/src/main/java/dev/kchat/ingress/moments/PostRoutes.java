package dev.kchat.ingress.moments;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kchat.api.ApiException;
import dev.kchat.api.ApiJson;
import dev.kchat.api.RequestIds;
import dev.kchat.api.TopicPublisher;
import dev.kchat.api.auth.JwtAuthenticator.Caller;
import dev.kchat.api.http.Parameters;
import dev.kchat.events.social.CommentAdded;
import dev.kchat.events.social.CommentDeleted;
import dev.kchat.events.social.MomentEvent;
import dev.kchat.events.social.PostDeleted;
import dev.kchat.events.social.PostLiked;
import dev.kchat.events.social.PostUnliked;
import dev.kchat.ingress.Doors;
import dev.kchat.store.moments.MomentsRepository;
import dev.kchat.store.moments.MomentsRepository.Comment;
import dev.kchat.store.moments.MomentsRepository.PostView;
import io.undertow.server.HttpServerExchange;
import io.undertow.server.RoutingHandler;
import java.time.Clock;
import java.time.Instant;

/**
 * Posts and what people do on them, under {@code /v1/moments}: create and delete a post, like and
 * unlike, comment, reply to a comment, delete one's own comment; and mark one's Moments
 * notifications read. Each is one record on {@code moments.events}, keyed by the post's author (the
 * caller for the read mark), answered {@code 202} once Kafka has it.
 *
 * <p>Every action on an existing post first reads it as the caller sees it (the store's
 * {@link MomentsRepository#post}): a post the caller may not see (a stranger's, one whose audience
 * leaves them out, one behind a block, a deleted one) is {@code 404 post_not_found}, so nobody learns
 * of a post by acting on it, and nothing is produced.
 */
public final class PostRoutes implements Doors.RouteGroup {

    private final TopicPublisher<MomentEvent> events;
    private final MomentsRepository repository;
    private final Clock clock;

    public PostRoutes(TopicPublisher<MomentEvent> events, MomentsRepository repository, Clock clock) {
        this.events = events;
        this.repository = repository;
        this.clock = clock;
    }

    @Override
    public void register(RoutingHandler routes, Doors doors) {
        routes.post("/v1/moments", doors.withBody("moments_create_post", (ex, caller, body) -> create(ex, doors, caller, body)))
                .delete("/v1/moments/{post_id}", doors.withoutBody("moments_delete_post", (ex, caller) -> delete(ex, doors, caller)))
                .put("/v1/moments/{post_id}/like", doors.withoutBody("moments_like", (ex, caller) -> like(ex, doors, caller, true)))
                .delete("/v1/moments/{post_id}/like", doors.withoutBody("moments_unlike", (ex, caller) -> like(ex, doors, caller, false)))
                .post("/v1/moments/{post_id}/comments", doors.withBody("moments_comment", (ex, caller, body) -> comment(ex, doors, caller, body)))
                .delete("/v1/moments/{post_id}/comments/{comment_id}", doors.withoutBody("moments_delete_comment",
                        (ex, caller) -> deleteComment(ex, doors, caller)))
                .post("/v1/moments/notifications/read", doors.withBody("moments_notifications_read",
                        (ex, caller, body) -> notificationsRead(ex, doors, caller, body)));
    }

    /** {@code POST /v1/moments}: a new post; {@code 202} with its id and time. */
    private void create(HttpServerExchange ex, Doors doors, Caller caller, byte[] body) {
        MomentEvent post = MomentsFactory.post(caller, ApiJson.read(body, MomentsRequests.CreatePost.class), clock.instant(),
                ex.getRequestHeaders().getFirst(RequestIds.HEADER));
        send(ex, doors, "moments_create_post", post, answer(post));
    }

    /** {@code DELETE /v1/moments/{post_id}}: the author deletes their post; {@code 403 not_the_author} for anyone else who sees it. */
    private void delete(HttpServerExchange ex, Doors doors, Caller caller) {
        PostView post = visiblePost(ex, caller);
        if (!post.forAuthor(caller.userId())) {
            throw new ApiException(403, "not_the_author", "only the author deletes a post");
        }
        MomentEvent deleted = MomentsFactory.interaction(caller, post.postId(), post.authorId(), clock.instant(), new PostDeleted());
        send(ex, doors, "moments_delete_post", deleted, answer(deleted).put("deleted", true));
    }

    /**
     * {@code PUT|DELETE /v1/moments/{post_id}/like}: {@code 409 already_liked} on a second like (it would
     * tell the author again), {@code 404 not_liked} on an unlike of no like.
     */
    private void like(HttpServerExchange ex, Doors doors, Caller caller, boolean like) {
        PostView post = visiblePost(ex, caller);
        boolean liked = post.likes().stream().anyMatch(l -> l.actorId().equals(caller.userId()));
        if (like && liked) {
            throw new ApiException(409, "already_liked", "you like this post already");
        }
        if (!like && !liked) {
            throw ApiException.notFound("not_liked", "you do not like this post");
        }
        MomentEvent event = MomentsFactory.interaction(caller, post.postId(), post.authorId(), clock.instant(),
                like ? new PostLiked() : new PostUnliked());
        send(ex, doors, like ? "moments_like" : "moments_unlike", event, answer(event).put("liked", like));
    }

    /**
     * {@code POST /v1/moments/{post_id}/comments}: a comment, or a reply to a comment the caller sees
     * ({@code reply_to_comment_id}; {@code 404 comment_not_found} otherwise), which also tells the
     * comment's author.
     */
    private void comment(HttpServerExchange ex, Doors doors, Caller caller, byte[] body) {
        MomentsRequests.Comment request = ApiJson.read(body, MomentsRequests.Comment.class);
        PostView post = visiblePost(ex, caller);
        String replyTo = null;
        if (request.replyToCommentId() != null) {
            replyTo = visibleComment(post, request.replyToCommentId()).actorId();
        }
        MomentEvent event = MomentsFactory.comment(caller, post.postId(), post.authorId(), request.text(), replyTo, clock.instant(),
                ex.getRequestHeaders().getFirst(RequestIds.HEADER));
        CommentAdded added = (CommentAdded) event.getEvent();
        send(ex, doors, "moments_comment", event, answer(event).put("comment_id", added.getCommentId())
                .put("reply_to_user_id", added.getReplyToUserId()));
    }

    /** {@code DELETE /v1/moments/{post_id}/comments/{comment_id}}: one's own comment; {@code 403 not_your_comment} otherwise. */
    private void deleteComment(HttpServerExchange ex, Doors doors, Caller caller) {
        PostView post = visiblePost(ex, caller);
        Comment comment = visibleComment(post, Parameters.pathParam(ex, "comment_id"));
        if (!comment.actorId().equals(caller.userId())) {
            throw new ApiException(403, "not_your_comment", "only its author deletes a comment");
        }
        MomentEvent event = MomentsFactory.interaction(caller, post.postId(), post.authorId(), clock.instant(),
                new CommentDeleted(comment.commentId()));
        send(ex, doors, "moments_delete_comment", event, answer(event).put("comment_id", comment.commentId()).put("deleted", true));
    }

    /**
     * {@code POST /v1/moments/notifications/read}: the caller read their Moments notifications; the
     * Moments app resets their unread count and tells each of their devices (a {@code SEEN} entry
     * with unread 0). No body or {@code {}}; anything else is refused as the API refuses bodies.
     */
    private void notificationsRead(HttpServerExchange ex, Doors doors, Caller caller, byte[] body) {
        if (body.length > 0) {
            ApiJson.read(body, MomentsRequests.NotificationsRead.class);
        }
        MomentEvent seen = MomentsFactory.notificationsSeen(caller, clock.instant());
        send(ex, doors, "moments_notifications_read", seen, ApiJson.JSON.createObjectNode()
                .put("user_id", caller.userId()).put("unread", 0).put("at", seen.getAt().toString()));
    }

    private PostView visiblePost(HttpServerExchange ex, Caller caller) {
        String postId = MomentsFactory.postId(Parameters.pathParam(ex, "post_id"));
        return repository.post(postId, caller.userId())
                .orElseThrow(() -> ApiException.notFound("post_not_found", "no post '" + postId + "' you can see"));
    }

    private static Comment visibleComment(PostView post, String commentId) {
        return post.comments().stream().filter(c -> c.commentId().equals(commentId)).findFirst()
                .orElseThrow(() -> ApiException.notFound("comment_not_found", "no comment '" + commentId + "' you can see on this post"));
    }

    private void send(HttpServerExchange ex, Doors doors, String route, MomentEvent event, ObjectNode answer) {
        doors.publish(ex, route, () -> events.publish(event.getAuthorId(), event), () -> answer);
    }

    private static ObjectNode answer(MomentEvent event) {
        Instant at = event.getAt();
        return ApiJson.JSON.createObjectNode().put("post_id", event.getPostId()).put("author_id", event.getAuthorId())
                .put("at", at.toString());
    }
}
