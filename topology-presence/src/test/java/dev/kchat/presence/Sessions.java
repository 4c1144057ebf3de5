package dev.kchat.presence;

import dev.kchat.events.presence.PresenceState;
import dev.kchat.events.presence.SessionClosed;
import dev.kchat.events.presence.SessionEvent;
import dev.kchat.events.presence.SessionHeartbeat;
import dev.kchat.events.presence.SessionOpened;
import dev.kchat.events.presence.StatusSet;
import dev.kchat.schemas.Samples;
import java.time.Instant;

/** Builders of session events, as edges write them; the session id names the device. */
final class Sessions {

    static final Instant T0 = Samples.T0;
    static final String EDGE = "edge-1";

    private Sessions() {
    }

    /** {@code session} is "device/n", e.g. "phone/1": a device's n-th connection. */
    static SessionEvent event(String userId, String session, Instant at, Object kind) {
        return SessionEvent.newBuilder()
                .setUserId(userId)
                .setDeviceId(session.substring(0, session.indexOf('/')))
                .setSessionId(userId + ":" + session)
                .setEdgeId(EDGE)
                .setAt(at)
                .setEvent(kind)
                .build();
    }

    static SessionEvent opened(String userId, String session, Instant at) {
        return event(userId, session, at, SessionOpened.newBuilder().setPlatform("ios").build());
    }

    static SessionEvent heartbeat(String userId, String session, Instant at) {
        return event(userId, session, at, SessionHeartbeat.newBuilder().build());
    }

    static SessionEvent closed(String userId, String session, Instant at) {
        return event(userId, session, at, SessionClosed.newBuilder().setReason("client_close").build());
    }

    static SessionEvent status(String userId, String session, Instant at, PresenceState status) {
        return event(userId, session, at, StatusSet.newBuilder().setStatus(status).build());
    }
}
