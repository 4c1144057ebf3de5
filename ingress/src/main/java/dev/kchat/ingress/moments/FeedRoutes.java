package dev.kchat.ingress.moments;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kchat.api.ApiException;
import dev.kchat.api.ApiJson;
import dev.kchat.api.auth.JwtAuthenticator.Caller;
import dev.kchat.api.http.ApiAnswers;
import dev.kchat.api.http.Parameters;
import dev.kchat.ingress.Doors;
import dev.kchat.moments.FeedCursor;
import dev.kchat.moments.MomentsConfig;
import dev.kchat.moments.Visibility;
import dev.kchat.schemas.Ids;
import dev.kchat.store.moments.MomentsRepository;
import dev.kchat.store.moments.MomentsRepository.Page;
import dev.kchat.store.moments.MomentsRepository.PostView;
import io.undertow.server.HttpServerExchange;
import io.undertow.server.RoutingHandler;
import java.util.Optional;

/**
 * What a user reads of Moments, from the store: their feed ({@code GET /v1/moments}: pushed entries and
 * the outboxes of friends who post by pull, merged newest first by {@code FeedMerge}), a user's
 * timeline ({@code GET /v1/users/{user}/moments}) and one post ({@code GET /v1/moments/{post_id}}).
 * Each post comes with the likes and comments the reader may see (the WeChat rule), and only if its
 * audience includes the reader. Pages are {@code limit} posts ({@code moments.feed.page.size} by
 * default, at most {@code moments.feed.page.size.max}) after the opaque cursor {@code after}, which
 * is the previous page's {@code next} ({@code null} on the last page).
 */
public final class FeedRoutes implements Doors.RouteGroup {

    private final MomentsRepository repository;
    private final MomentsConfig config;

    public FeedRoutes(MomentsRepository repository, MomentsConfig config) {
        this.repository = repository;
        this.config = config;
    }

    @Override
    public void register(RoutingHandler routes, Doors doors) {
        routes.get("/v1/moments", doors.withoutBody("moments_feed", this::feed))
                .get("/v1/moments/{post_id}", doors.withoutBody("moments_post", this::post))
                .get("/v1/users/{user}/moments", doors.withoutBody("moments_timeline", this::timeline));
    }

    private void feed(HttpServerExchange ex, Caller caller) {
        page(ex, caller, repository.feed(caller.userId(), after(ex), limit(ex)));
    }

    /** A user's own posts; {@code 403 not_friends} unless the reader is the user or a friend of theirs. */
    private void timeline(HttpServerExchange ex, Caller caller) {
        String user = Parameters.pathParam(ex, "user");
        if (!Ids.isUserId(user)) {
            throw ApiException.badRequest("invalid_user", "user must be a user id");
        }
        Optional<String> after = after(ex);
        int limit = limit(ex);
        if (!Visibility.canSeePost(repository.friendGraph(caller.userId()), user)) {
            throw new ApiException(403, "not_friends", "only " + user + " and their friends see their moments");
        }
        page(ex, caller, repository.timeline(user, caller.userId(), after, limit));
    }

    private void post(HttpServerExchange ex, Caller caller) {
        String postId = MomentsFactory.postId(Parameters.pathParam(ex, "post_id"));
        PostView post = repository.post(postId, caller.userId())
                .orElseThrow(() -> ApiException.notFound("post_not_found", "no post '" + postId + "' you can see"));
        ApiAnswers.json(ex, 200, json(post, caller));
    }

    private static void page(HttpServerExchange ex, Caller caller, Page page) {
        ObjectNode body = ApiJson.JSON.createObjectNode();
        ArrayNode posts = body.putArray("posts");
        page.posts().forEach(p -> posts.add(json(p, caller)));
        body.put("next", page.next().orElse(null));
        ApiAnswers.json(ex, 200, body);
    }

    /** A post as the caller sees it; its audience only for its author. */
    static ObjectNode json(PostView p, Caller caller) {
        ObjectNode post = ApiJson.JSON.createObjectNode().put("post_id", p.postId()).put("author_id", p.authorId())
                .put("posted_at", p.postedAt().toString()).put("text", p.text());
        ArrayNode media = post.putArray("media");
        p.media().forEach(media::add);
        if (p.forAuthor(caller.userId())) {
            post.put("visibility", p.audience().visibility().name());
            ArrayNode audience = post.putArray("audience");
            p.audience().listed().stream().sorted().forEach(audience::add);
        }
        ArrayNode likes = post.putArray("likes");
        p.likes().forEach(l -> likes.addObject().put("user_id", l.actorId()).put("at", l.at().toString()));
        ArrayNode comments = post.putArray("comments");
        p.comments().forEach(c -> comments.addObject().put("comment_id", c.commentId()).put("user_id", c.actorId())
                .put("at", c.at().toString()).put("text", c.text()).put("reply_to_user_id", c.replyToUserId()));
        return post;
    }

    private static Optional<String> after(HttpServerExchange ex) {
        String after = Parameters.stringParam(ex, "after", "");
        if (after.isEmpty()) {
            return Optional.empty();
        }
        try {
            FeedCursor.decode(after);
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest("invalid_cursor", "after must be the next of a previous page");
        }
        return Optional.of(after);
    }

    private int limit(HttpServerExchange ex) {
        long limit = Parameters.longParam(ex, "limit").orElse(config.feedPageSize());
        if (limit < 1 || limit > config.feedPageSizeMax()) {
            throw ApiException.badRequest("invalid_parameter", "limit must be 1.." + config.feedPageSizeMax());
        }
        return (int) limit;
    }
}
