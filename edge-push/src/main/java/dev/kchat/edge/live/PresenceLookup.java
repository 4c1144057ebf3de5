package dev.kchat.edge.live;

import dev.kchat.api.presence.PresenceClient;
import dev.kchat.api.presence.UserPresence;
import dev.kchat.edge.protocol.Frames;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The current presence of users, for the first answer to {@code subscribe_presence} and to
 * {@code subscribe_members} (changes after that arrive from {@code presence.changes}). Backed by the
 * presence app's query endpoint.
 */
public interface PresenceLookup {

    /**
     * The current presence of the users the presence app answered for; may block (called on a
     * worker). A user left out is to be taken as unknown (the caller's default).
     */
    List<UserPresence> current(List<String> users);

    /** One {@code presence} frame per user answered; may block (called on a worker). */
    default List<String> currentFrames(List<String> users) {
        return current(users).stream().map(p -> Frames.presence(p.userId(), p.state().name(),
                p.lastActiveAt() == null ? null : p.lastActiveAt().toString(), p.devicesOnline())).toList();
    }

    /**
     * Current presence from the presence app, asked {@link PresenceClient#MAX_USERS} users at a time; a
     * failure leaves the subscriber to the change stream (the users of that batch are left out).
     */
    static PresenceLookup of(PresenceClient client) {
        Logger log = LoggerFactory.getLogger(PresenceLookup.class);
        return users -> {
            List<UserPresence> out = new ArrayList<>(users.size());
            for (int from = 0; from < users.size(); from += PresenceClient.MAX_USERS) {
                List<String> batch = users.subList(from, Math.min(users.size(), from + PresenceClient.MAX_USERS));
                try {
                    out.addAll(client.query(batch).values());
                } catch (RuntimeException e) {
                    log.warn("presence of {} users not available: {}", batch.size(), e.toString());
                }
            }
            return out;
        };
    }
}
