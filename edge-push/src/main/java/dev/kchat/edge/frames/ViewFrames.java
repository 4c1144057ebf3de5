package dev.kchat.edge.frames;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kchat.api.ApiException;
import dev.kchat.edge.protocol.ServerFrames;
import dev.kchat.edge.protocol.ServerFrames.EndReason;
import dev.kchat.edge.servers.ServerViews;
import dev.kchat.edge.session.Session;
import dev.kchat.schemas.Ids;
import java.util.Set;

/**
 * {@code view_channel {server_id, channel_id}} and {@code unview_channel {channel_id}}: which server
 * channels a connection is looking at (Discord's lazy guilds), so that the edge delivers their
 * events to it and reads only the partitions of {@code chat.server.broadcast} its connections need.
 * The permission check and the answer are {@link ServerViews}'.
 */
public final class ViewFrames {

    private static final Set<String> VIEW_FIELDS = Set.of("server_id", "channel_id", "client_msg_id");
    private static final Set<String> UNVIEW_FIELDS = Set.of("channel_id", "client_msg_id");

    private final ServerViews views;

    public ViewFrames(ServerViews views) {
        this.views = views;
    }

    public void view(Session session, ObjectNode fields) {
        FrameFields.requireHello(session);
        FrameFields.onlyFields(fields, VIEW_FIELDS);
        String serverId = text(fields, "server_id");
        String channelId = text(fields, "channel_id");
        if (!Ids.isServer(serverId)) {
            throw ApiException.badRequest("invalid_field", "server_id must be a server id (sv:<id>)");
        }
        if (!Ids.isServerChannel(channelId) || !serverId.equals(Ids.serverOf(channelId))) {
            throw ApiException.badRequest("invalid_field", "channel_id must be a channel of server '" + serverId + "'");
        }
        views.view(session, serverId, channelId, fields.path("client_msg_id").asText(null));
    }

    public void unview(Session session, ObjectNode fields) {
        FrameFields.requireHello(session);
        FrameFields.onlyFields(fields, UNVIEW_FIELDS);
        String channelId = text(fields, "channel_id");
        String serverId = views.unview(session, channelId);
        if (serverId == null) {
            throw ApiException.badRequest("not_viewing", "this connection does not view '" + channelId + "'");
        }
        session.sendLive(ServerFrames.unviewed(serverId, channelId, EndReason.UNVIEWED));
    }

    private static String text(ObjectNode fields, String name) {
        JsonNode v = fields.get(name);
        if (v == null || !v.isTextual() || v.asText().isEmpty()) {
            throw ApiException.badRequest("missing_field", name + " is required");
        }
        if (!Ids.isConversationId(v.asText())) {
            throw ApiException.badRequest("invalid_field", name + " is not a valid id");
        }
        return v.asText();
    }
}
