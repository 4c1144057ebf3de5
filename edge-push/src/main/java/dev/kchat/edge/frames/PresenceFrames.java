package dev.kchat.edge.frames;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kchat.api.ApiException;
import dev.kchat.api.presence.PresenceVisibility;
import dev.kchat.edge.live.LiveHub;
import dev.kchat.edge.live.PresenceLookup;
import dev.kchat.edge.protocol.Frames;
import dev.kchat.edge.session.ClientSignals;
import dev.kchat.edge.session.Session;
import dev.kchat.events.presence.PresenceState;
import dev.kchat.schemas.Ids;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Executor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Presence: {@code set_status} (what others see of this user) and {@code subscribe_presence} /
 * {@code unsubscribe_presence} (lazy presence: the users a client is looking at).
 */
public final class PresenceFrames {

    /** Users one connection may watch the presence of (lazy presence: the ones on screen). */
    public static final int MAX_PRESENCE_SUBSCRIPTIONS = 200;

    private static final Logger log = LoggerFactory.getLogger(PresenceFrames.class);

    private final LiveHub live;
    /** Null when the edge has no presence app to ask: subscribers then get changes only. */
    private final PresenceLookup presence;
    private final ClientSignals signals;
    private final Executor workers;
    private final PresenceVisibility visibility;

    public PresenceFrames(LiveHub live, PresenceLookup presence, ClientSignals signals, PresenceVisibility visibility,
            Executor workers) {
        this.visibility = visibility;
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
        // The policy reads the store: on a worker, never on the I/O thread.
        workers.execute(() -> watchVisible(session, ids));
    }

    /**
     * Watches the users whose presence the session's user may see ({@link PresenceVisibility}) and
     * answers their current state; every other user is answered as a user never seen (OFFLINE, no
     * last activity, no device) and not watched, exactly as the HTTP API answers them, so a
     * subscription cannot tell a hidden user from an absent one. A subscription lasts for the
     * connection: a user who stops sharing a conversation with the watcher is hidden from the next
     * subscription on (the policy's answers live at most 30 s).
     */
    private void watchVisible(Session session, List<String> ids) {
        Set<String> visible;
        try {
            visible = visibility.visibleTo(session.userId(), ids);
        } catch (RuntimeException e) {
            log.warn("presence visibility for {} not available: {}", session.userId(), e.toString());
            session.sendLive(Frames.error("store_unavailable", "presence is temporarily unavailable; subscribe again later", null));
            return;
        }
        List<String> shown = List.copyOf(visible);
        if (!session.watch(shown, MAX_PRESENCE_SUBSCRIPTIONS, live)) {
            session.sendLive(Frames.error("too_many_subscriptions", "at most " + MAX_PRESENCE_SUBSCRIPTIONS
                    + " presence subscriptions per connection", null));
            return;
        }
        ids.stream().filter(id -> !visible.contains(id)).distinct()
                .forEach(id -> session.sendLive(Frames.presence(id, PresenceState.OFFLINE.name(), null, 0)));
        if (presence != null && !shown.isEmpty()) {
            presence.currentFrames(shown).forEach(session::sendLive);
        }
    }
}
