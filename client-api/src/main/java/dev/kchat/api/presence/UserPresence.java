package dev.kchat.api.presence;

import dev.kchat.events.presence.PresenceState;
import java.time.Instant;
import java.util.Objects;

/**
 * One user's presence as {@code GET /presence} answers it.
 *
 * @param userId        the user
 * @param state         the published state: what {@code presence.changes} last said for the user
 *                      (OFFLINE for a user never seen), so a query agrees with the change stream
 * @param lastActiveAt  time of the user's latest session event; null for a user never seen
 * @param devicesOnline devices with a live session now (not coalesced)
 */
public record UserPresence(String userId, PresenceState state, Instant lastActiveAt, int devicesOnline) {

    public UserPresence {
        Objects.requireNonNull(userId, "userId");
        Objects.requireNonNull(state, "state");
    }

    /** A user the app has never seen: OFFLINE, never active. */
    public static UserPresence unknown(String userId) {
        return new UserPresence(userId, PresenceState.OFFLINE, null, 0);
    }
}
