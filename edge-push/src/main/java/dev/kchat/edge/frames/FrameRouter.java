package dev.kchat.edge.frames;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kchat.api.ApiException;
import dev.kchat.api.ApiJson;
import dev.kchat.api.limits.Limit;
import dev.kchat.api.limits.RateLimiter;
import dev.kchat.edge.protocol.Frames;
import dev.kchat.edge.session.Session;
import dev.kchat.edge.session.TokenExpiry;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The client's text frames (their size is limited before they are read, by {@code WebSocketDoor}): parses one, checks its envelope and hands it to the handler of its
 * {@code type}. A refused frame gets an {@code error} frame (with {@code ref}, its
 * {@code client_msg_id}, if any) and changes nothing; the connection stays open. Frames of a
 * rate-limited verb ({@link #VERB_LIMITS}) first take a token of their limit, per user and per
 * source address; without one the frame gets {@code rate_limited} with {@code retry_after_ms}.
 */
public final class FrameRouter {

    private static final Logger log = LoggerFactory.getLogger(FrameRouter.class);

    private final Map<String, FrameHandler> handlers;
    private final TokenExpiry tokenExpiry;
    private final RateLimiter limiter;

    /**
     * The rate limit each verb takes a token of ({@code limits.rate.*}); other verbs have none.
     * Viewing a channel and subscribing to a member list are subscriptions like watching presence, and
     * share its limit.
     */
    public static final Map<String, Limit> VERB_LIMITS = Map.of(
            "send", Limit.SEND,
            "typing", Limit.TYPING,
            "subscribe_presence", Limit.PRESENCE_SUBSCRIBE,
            "view_channel", Limit.PRESENCE_SUBSCRIBE,
            "subscribe_members", Limit.PRESENCE_SUBSCRIBE);

    /**
     * @param handlers by frame type
     * @param limiter  the WebSocket door's rate limits
     */
    public FrameRouter(Map<String, FrameHandler> handlers, TokenExpiry tokenExpiry, RateLimiter limiter) {
        this.handlers = Map.copyOf(handlers);
        this.tokenExpiry = tokenExpiry;
        this.limiter = limiter;
    }

    /** One text frame of a session; on an I/O thread. A session whose token expired is closed instead (4401). */
    public void onFrame(Session session, String text) {
        if (tokenExpiry.isExpired(session)) {
            tokenExpiry.expire(session);
            return;
        }
        String ref = null;
        try {
            JsonNode frame = ApiJson.tree(text);
            if (!frame.isObject() || !frame.path("type").isTextual()) {
                throw ApiException.badRequest("invalid_frame", "a frame is a JSON object with a string \"type\"");
            }
            ObjectNode fields = ((ObjectNode) frame).deepCopy();
            String type = fields.remove("type").asText();
            ref = fields.path("client_msg_id").asText(null);
            FrameHandler handler = handlers.get(type);
            if (handler == null) {
                throw ApiException.badRequest("unknown_frame", "unknown frame type '" + type + "'");
            }
            Limit limit = VERB_LIMITS.get(type);
            if (limit != null) {
                limiter.check(limit, session.userId(), session.sourceHost());
            }
            handler.handle(session, fields);
        } catch (ApiException e) {
            session.send(e.retryAfter().isPresent()
                    ? Frames.retryLater(e.code(), e.getMessage(), e.retryAfter().get().toMillis(), ref)
                    : Frames.error(e.code(), e.getMessage(), ref));
        } catch (RuntimeException e) {
            log.error("frame of {} failed", session, e);
            session.send(Frames.error("internal_error", "unexpected error; it has been logged", ref));
        }
    }
}
