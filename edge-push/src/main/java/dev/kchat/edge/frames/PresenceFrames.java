package dev.kchat.edge.frames;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kchat.api.ApiException;
import dev.kchat.edge.live.LiveHub;
import dev.kchat.edge.live.PresenceLookup;
import dev.kchat.edge.session.ClientSignals;
import dev.kchat.edge.session.Session;
import dev.kchat.events.presence.PresenceState;
import dev.kchat.schemas.Ids;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executor;

/**
 * Presence: {@code set_status} (what others see of this user) and {@code subscribe_presence} /
 * {@code unsubscribe_presence} (lazy presence: the users a client is looking at).
 */
public final class PresenceFrames {

    /** Users one connection may watch the presence of (lazy presence: the ones on screen). */
    public static final int MAX_PRESENCE_SUBSCRIPTIONS = 200;

    private final LiveHub live;
    /** Null when the edge has no presence app to ask: subscribers then get changes only. */
    private final PresenceLookup presence;
    private final ClientSignals signals;
    private final Executor workers;

    public PresenceFrames(LiveHub live, PresenceLookup presence, ClientSignals signals, Executor workers) {
        this.live = live;
        this.presence = presence;
        this.signals = signals;
        this.workers = workers;
    }

    /** {@code set_status {status: online|idle|dnd}}: the status others see while this user is connected. */
    public void setStatus(Session session, ObjectNode fields) {
        FrameFields.requireHello(session);
        String status = fields.path("status").asText("");
        PresenceState state = switch (status) {
            case "online" -> PresenceState.ONLINE;
            case "idle" -> PresenceState.IDLE;
            case "dnd" -> PresenceState.DND;
            default -> throw ApiException.badRequest("invalid_field", "status must be online, idle or dnd");
        };
        workers.execute(() -> signals.status(session, state));
    }

    public void subscribe(Session session, ObjectNode fields) {
        subscribePresence(session, fields, true);
    }

    public void unsubscribe(Session session, ObjectNode fields) {
        subscribePresence(session, fields, false);
    }

    /** {@code subscribe_presence {users}}: lazy presence, capped per connection; answers current states first. */
    private void subscribePresence(Session session, ObjectNode fields, boolean subscribe) {
        FrameFields.requireHello(session);
        JsonNode users = fields.get("users");
        if (users == null || !users.isArray() || users.isEmpty()) {
            throw ApiException.badRequest("invalid_field", "users must be a non-empty array of user ids");
        }
        List<String> ids = new ArrayList<>();
        for (JsonNode u : users) {
            if (!u.isTextual() || !Ids.isUserId(u.asText())) {
                throw ApiException.badRequest("invalid_user_id", "users contains " + u + ", which is not a user id");
            }
            ids.add(u.asText());
        }
        if (!subscribe) {
            ids.forEach(id -> session.unwatch(id, live));
            return;
        }
        if (!session.watch(ids, MAX_PRESENCE_SUBSCRIPTIONS, live)) {
            throw ApiException.badRequest("too_many_subscriptions", "at most " + MAX_PRESENCE_SUBSCRIPTIONS
                    + " presence subscriptions per connection");
        }
        if (presence != null) {
            workers.execute(() -> presence.currentFrames(ids).forEach(session::sendLive));
        }
    }
}
