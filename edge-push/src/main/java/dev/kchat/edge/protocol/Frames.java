package dev.kchat.edge.protocol;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kchat.api.ApiJson;
import dev.kchat.events.chat.BroadcastEntry;
import dev.kchat.events.chat.TypingEvent;
import dev.kchat.events.presence.PresenceChanged;
import dev.kchat.schemas.json.EventJson;

/**
 * The server's frames of the WebSocket protocol (docs/edge-protocol.md): JSON text, one object per
 * frame, its kind in {@code "type"}; and the close codes. Inbox entries are rendered by
 * {@link InboxEntryFrames}.
 */
public final class Frames {

    /** Close codes: 1001 the edge is shutting down; 4xxx are ours. */
    public static final int CLOSE_GOING_AWAY = 1001;
    /** The client sent a binary frame: the protocol is JSON text only (RFC 6455 "unsupported data"). */
    public static final int CLOSE_UNSUPPORTED_DATA = 1003;
    /** A frame above the size limit, refused by the transport before it is buffered (RFC 6455 "message too big"). */
    public static final int CLOSE_TOO_BIG = 1009;
    public static final int CLOSE_RECONNECT = 4001;
    public static final int CLOSE_WRONG_EDGE = 4002;
    public static final int CLOSE_PROTOCOL_ERROR = 4400;
    /** The session's token expired (or a refresh named another user). */
    public static final int CLOSE_UNAUTHORIZED = 4401;
    public static final int CLOSE_SLOW_CONSUMER = 4008;
    public static final int CLOSE_RESYNC = 4009;

    private Frames() {
    }

    public static String broadcast(BroadcastEntry entry) {
        ObjectNode frame = ApiJson.JSON.createObjectNode().put("type", "broadcast")
                .put("conversation_id", entry.getConversationId()).put("seq", entry.getSeq());
        frame.set("event", EventJson.toJson(entry.getEvent()));
        return text(frame);
    }

    public static String typing(TypingEvent event) {
        return text(ApiJson.JSON.createObjectNode().put("type", "typing").put("conversation_id", event.getConversationId())
                .put("user_id", event.getUserId()).put("typing", event.getTyping()));
    }

    public static String presence(PresenceChanged change) {
        return text(ApiJson.JSON.createObjectNode().put("type", "presence").put("user_id", change.getUserId())
                .put("state", change.getState().name()).put("last_active_at", change.getLastActiveAt().toString())
                .put("devices_online", change.getDevicesOnline()));
    }

    /** The current presence of a user, answered to {@code subscribe_presence}. */
    public static String presence(String userId, String state, String lastActiveAt, int devicesOnline) {
        ObjectNode frame = ApiJson.JSON.createObjectNode().put("type", "presence").put("user_id", userId).put("state", state);
        if (lastActiveAt != null) {
            frame.put("last_active_at", lastActiveAt);
        }
        return text(frame.put("devices_online", devicesOnline));
    }

    public static String ready(String userId, String deviceId, long inboxSeq) {
        return text(ApiJson.JSON.createObjectNode().put("type", "ready").put("user_id", userId)
                .put("device_id", deviceId).put("inbox_seq", inboxSeq));
    }

    public static String sent(String conversationId, String clientMsgId, String messageId) {
        return text(ApiJson.JSON.createObjectNode().put("type", "sent").put("conversation_id", conversationId)
                .put("client_msg_id", clientMsgId).put("message_id", messageId));
    }

    /** Answer to {@code refresh}: the session now runs until the new token's expiry. */
    public static String refreshed(java.time.Instant expiresAt) {
        return text(ApiJson.JSON.createObjectNode().put("type", "refreshed").put("expires_at", expiresAt.toString()));
    }

    public static String pong() {
        return "{\"type\":\"pong\"}";
    }

    public static String error(String code, String message, String ref) {
        ObjectNode frame = ApiJson.JSON.createObjectNode().put("type", "error").put("code", code).put("message", message);
        if (ref != null) {
            frame.put("ref", ref);
        }
        return text(frame);
    }

    /**
     * A frame refused for now, with {@code retry_after_ms}: {@code rate_limited} (a rate limit: which one
     * in the message; the wait until it takes that frame again) or {@code overloaded} (admission control:
     * the platform is behind; retry with the same {@code client_msg_id}).
     */
    public static String retryLater(String code, String message, long retryAfterMs, String ref) {
        ObjectNode frame = ApiJson.JSON.createObjectNode().put("type", "error").put("code", code)
                .put("message", message).put("retry_after_ms", retryAfterMs);
        if (ref != null) {
            frame.put("ref", ref);
        }
        return text(frame);
    }

    /**
     * An error that tells the device where the inbox really is: {@code inbox_seq} is the newest inbox
     * seq the edge knows for the user (e.g. {@code sync_key_ahead}: reconnect with that SyncKey).
     */
    public static String error(String code, String message, long inboxSeq) {
        return text(ApiJson.JSON.createObjectNode().put("type", "error").put("code", code).put("message", message)
                .put("inbox_seq", inboxSeq));
    }

    public static String redirect(String edgeUrl) {
        return text(ApiJson.JSON.createObjectNode().put("type", "redirect").put("edge", edgeUrl));
    }

    public static String reconnect(String reason, String edgeUrl) {
        ObjectNode frame = ApiJson.JSON.createObjectNode().put("type", "reconnect").put("reason", reason);
        if (edgeUrl != null) {
            frame.put("edge", edgeUrl);
        }
        return text(frame);
    }

    static String text(ObjectNode node) {
        try {
            return ApiJson.JSON.writeValueAsString(node);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write a frame", e);
        }
    }
}
