package dev.kchat.edge.live;

import dev.kchat.api.presence.PresenceClient;
import dev.kchat.edge.protocol.Frames;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The current presence of users, for the first answer to {@code subscribe_presence} (changes
 * after that arrive from {@code presence.changes}). Backed by the presence app's query endpoint.
 */
public interface PresenceLookup {

    /** One {@code presence} frame per user; may block (called on a worker). */
    List<String> currentFrames(List<String> users);

    /** Current presence from the presence app; a failure leaves the subscriber to the change stream. */
    static PresenceLookup of(PresenceClient client) {
        Logger log = LoggerFactory.getLogger(PresenceLookup.class);
        return users -> {
            try {
                return client.query(users).values().stream().map(p -> Frames.presence(p.userId(), p.state().name(),
                        p.lastActiveAt() == null ? null : p.lastActiveAt().toString(), p.devicesOnline())).toList();
            } catch (RuntimeException e) {
                log.warn("presence of {} users not available: {}", users.size(), e.toString());
                return List.of();
            }
        };
    }
}
