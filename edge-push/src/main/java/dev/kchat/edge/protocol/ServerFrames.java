package dev.kchat.edge.protocol;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kchat.api.ApiJson;
import dev.kchat.events.chat.ServerBroadcast;
import dev.kchat.schemas.json.EventJson;

/**
 * The server's frames about server channels (docs/edge-protocol.md, "Servers and channels"): the
 * answers to {@code view_channel} and {@code unview_channel}, the end of a view, and the events of
 * the viewed channels and their server.
 */
public final class ServerFrames {

    /** Why a view ended ({@code unviewed}'s {@code reason}). */
    public enum EndReason {
        /** The client sent {@code unview_channel}. */
        UNVIEWED("unviewed"),
        /** The user lost VIEW_CHANNEL in the channel (a role, an overwrite or a role's bits changed). */
        FORBIDDEN("forbidden"),
        /** The user is no longer a member of the server (left, kicked or banned). */
        NOT_A_MEMBER("not_a_member"),
        /** The channel was deleted. */
        CHANNEL_DELETED("channel_deleted");

        private final String code;

        EndReason(String code) {
            this.code = code;
        }

        public String code() {
            return code;
        }
    }

    private ServerFrames() {
    }

    /**
     * An event of a viewed channel ({@code conversation_id} = the channel, {@code seq} its channel
     * seq) or of its server ({@code conversation_id} = the server id, {@code seq} the server seq):
     * the same {@code broadcast} frame as large groups', with the server's id.
     */
    public static String broadcast(ServerBroadcast b) {
        ObjectNode frame = ApiJson.JSON.createObjectNode().put("type", "broadcast").put("server_id", b.getServerId())
                .put("conversation_id", b.getConversationId()).put("seq", b.getSeq());
        frame.set("event", EventJson.toJson(b.getEvent()));
        return Frames.text(frame);
    }

    /**
     * The connection views the channel: every broadcast of the channel written from now on reaches
     * it. Sent again with new {@code permissions} when a change on the server changed them and the
     * user still sees the channel.
     */
    public static String viewing(String serverId, String channelId, long permissions) {
        return Frames.text(ApiJson.JSON.createObjectNode().put("type", "viewing").put("server_id", serverId)
                .put("channel_id", channelId).put("permissions", permissions));
    }

    /** The connection no longer gets the channel's broadcasts, and why. */
    public static String unviewed(String serverId, String channelId, EndReason reason) {
        return Frames.text(ApiJson.JSON.createObjectNode().put("type", "unviewed").put("server_id", serverId)
                .put("channel_id", channelId).put("reason", reason.code()));
    }

    /** A refused {@code view_channel}: an {@code error} frame naming the channel; {@code ref} as the frame sent it, or null. */
    public static String viewRefused(String code, String message, String serverId, String channelId, String ref) {
        ObjectNode frame = ApiJson.JSON.createObjectNode().put("type", "error").put("code", code).put("message", message)
                .put("server_id", serverId).put("channel_id", channelId);
        if (ref != null) {
            frame.put("ref", ref);
        }
        return Frames.text(frame);
    }
}
