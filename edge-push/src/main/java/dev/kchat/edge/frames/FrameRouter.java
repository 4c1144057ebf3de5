package dev.kchat.edge.frames;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kchat.api.ApiException;
import dev.kchat.api.ApiJson;
import dev.kchat.edge.protocol.Frames;
import dev.kchat.edge.session.Session;
import dev.kchat.edge.session.TokenExpiry;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The client's text frames (their size is limited before they are read, by {@code WebSocketDoor}): parses one, checks its envelope and hands it to the handler of its
 * {@code type}. A refused frame gets an {@code error} frame (with {@code ref}, its
 * {@code client_msg_id}, if any) and changes nothing; the connection stays open.
 */
public final class FrameRouter {

    private static final Logger log = LoggerFactory.getLogger(FrameRouter.class);

    private final Map<String, FrameHandler> handlers;
    private final TokenExpiry tokenExpiry;

    /**
     * @param handlers by frame type
     */
    public FrameRouter(Map<String, FrameHandler> handlers, TokenExpiry tokenExpiry) {
        this.handlers = Map.copyOf(handlers);
        this.tokenExpiry = tokenExpiry;
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
            handler.handle(session, fields);
        } catch (ApiException e) {
            session.send(Frames.error(e.code(), e.getMessage(), ref));
        } catch (RuntimeException e) {
            log.error("frame of {} failed", session, e);
            session.send(Frames.error("internal_error", "unexpected error; it has been logged", ref));
        }
    }
}
