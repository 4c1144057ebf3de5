package dev.kchat.presence;

import dev.kchat.events.presence.PresenceChanged;
import dev.kchat.events.presence.PresenceState;
import dev.kchat.events.presence.SessionClosed;
import dev.kchat.events.presence.SessionEvent;
import dev.kchat.events.presence.SessionHeartbeat;
import dev.kchat.events.presence.SessionOpened;
import dev.kchat.events.presence.StatusSet;
import dev.kchat.presence.state.LiveSession;
import dev.kchat.presence.state.UserState;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The presence rules as functions over one user's {@link UserState}: how a session event changes
 * it, when a silent session expires, what the visible state is and when a change is published.
 * No stores, no clock: the caller passes its wall-clock time, so tests call these directly.
 *
 * <p><b>Visible state</b>: OFFLINE if the user has no live session, else the status the client
 * chose (ONLINE by default, IDLE or DND).
 *
 * <p><b>Coalescing</b> (grace = {@code presence.offline.grace}), evaluated after every event of the
 * user and at the user's deadlines:
 * <ol>
 *   <li>If the visible state equals the published one, nothing is emitted and any pending OFFLINE
 *       is cancelled (a reconnect within the grace emits nothing at all).</li>
 *   <li>Going OFFLINE is published only once the user has had no live session for the grace
 *       period.</li>
 *   <li>After any emitted change, the next one waits until the grace has passed since it (the
 *       hold); then the state as it is at that moment is published, if it still differs.</li>
 *   <li>Otherwise (not OFFLINE, no hold) the change is published at once: coming online, or
 *       choosing IDLE / DND, is immediate.</li>
 * </ol>
 * So a user emits at most one change per grace window, always with the final state, and a
 * connection that flaps faster than the grace emits nothing after its first ONLINE.
 *
 * <p>Methods update the state in place: it is the caller's freshly decoded copy.
 */
final class PresenceRules {

    /**
     * Live sessions kept per user. A client that opens connections without closing them would
     * otherwise grow the record until the TTL; beyond this the least recently heard is dropped.
     */
    static final int MAX_SESSIONS_PER_USER = 32;

    private final long ttlMs;
    private final long graceMs;

    PresenceRules(Duration sessionTtl, Duration offlineGrace) {
        this.ttlMs = sessionTtl.toMillis();
        this.graceMs = offlineGrace.toMillis();
    }

    /** What one evaluation did: sessions expired by the TTL, and the change to publish (or null). */
    record Outcome(List<LiveSession> expired, PresenceChanged change) {
    }

    /** The state of a user never seen before: no sessions, ONLINE chosen, OFFLINE published. */
    static UserState newUser(String userId) {
        return UserState.newBuilder().setUserId(userId).setSessions(new ArrayList<>()).build();
    }

    /**
     * Applies one session event heard at wall-clock {@code nowMs}. An open or a heartbeat makes the
     * session live (a heartbeat of an unknown session re-creates it: its open was lost, or the TTL
     * expired it while the edge could not reach Kafka); a close removes it; a status applies to the
     * user. Every event is a sign of life: {@code last_active_at} moves to its time, never back.
     *
     * @return the sessions dropped because the user has {@link #MAX_SESSIONS_PER_USER}
     * @throws IllegalArgumentException for a status the client cannot choose (OFFLINE)
     */
    List<LiveSession> apply(UserState state, SessionEvent event, long nowMs) {
        Instant at = event.getAt();
        if (state.getLastActiveAt() == null || at.isAfter(state.getLastActiveAt())) {
            state.setLastActiveAt(at);
        }
        List<LiveSession> sessions = new ArrayList<>(state.getSessions());
        LiveSession known = find(sessions, event.getSessionId());
        List<LiveSession> dropped = List.of();
        Object kind = event.getEvent();
        if (kind instanceof SessionOpened opened) {
            LiveSession session = known != null ? known : newSession(event, nowMs);
            session.setPlatform(opened.getPlatform());
            touch(session, event, nowMs);
            dropped = addCapped(sessions, known, session);
        } else if (kind instanceof SessionHeartbeat) {
            LiveSession session = known != null ? known : newSession(event, nowMs);
            touch(session, event, nowMs);
            dropped = addCapped(sessions, known, session);
        } else if (kind instanceof SessionClosed) {
            sessions.remove(known);
        } else if (kind instanceof StatusSet status) {
            if (status.getStatus() == PresenceState.OFFLINE) {
                throw new IllegalArgumentException("status OFFLINE cannot be chosen (user " + event.getUserId()
                        + ", session " + event.getSessionId() + "): a client goes offline by closing its session");
            }
            state.setChosenStatus(status.getStatus().name());
            if (known != null) {
                touch(known, event, nowMs);
            }
        } else {
            throw new IllegalArgumentException("unknown session event " + (kind == null ? "null" : kind.getClass().getName()));
        }
        state.setSessions(sessions);
        return dropped;
    }

    /**
     * Expires the sessions silent for longer than the TTL, then applies the coalescing rules (see
     * the class comment) at wall-clock {@code nowMs}.
     */
    Outcome evaluate(UserState state, long nowMs) {
        List<LiveSession> live = new ArrayList<>();
        List<LiveSession> expired = new ArrayList<>();
        for (LiveSession s : state.getSessions()) {
            (s.getHeardMs() + ttlMs <= nowMs ? expired : live).add(s);
        }
        state.setSessions(live);

        PresenceState visible = visible(state);
        PresenceState published = PresenceState.valueOf(state.getPublishedState());
        if (visible == published) {
            state.setOfflineSinceMs(null);
            return new Outcome(expired, null);
        }
        if (visible == PresenceState.OFFLINE) {
            if (state.getOfflineSinceMs() == null) {
                state.setOfflineSinceMs(nowMs);
            }
        } else {
            state.setOfflineSinceMs(null);
        }
        if (nowMs < publishDue(state, visible)) {
            return new Outcome(expired, null);
        }
        state.setPublishedState(visible.name());
        state.setHoldUntilMs(nowMs + graceMs);
        state.setOfflineSinceMs(null);
        if (visible == PresenceState.OFFLINE && PresenceState.IDLE.name().equals(state.getChosenStatus())) {
            // IDLE describes the devices that were open; a user coming back later is active again.
            // DND is a deliberate choice and stays until the client changes it.
            state.setChosenStatus(PresenceState.ONLINE.name());
        }
        PresenceChanged change = PresenceChanged.newBuilder()
                .setUserId(state.getUserId())
                .setState(visible)
                // Set by every event, and a change needs a session, hence an event, first.
                .setLastActiveAt(state.getLastActiveAt() != null ? state.getLastActiveAt() : Instant.ofEpochMilli(nowMs))
                .setDevicesOnline(devicesOnline(state))
                .setChangedAt(Instant.ofEpochMilli(nowMs))
                .build();
        return new Outcome(expired, change);
    }

    /**
     * The earliest wall-clock time at which {@link #evaluate} has something to do for this user (a
     * session's TTL, a held or pending change), or null if nothing will happen without a new event.
     */
    Long nextDeadline(UserState state) {
        Long next = null;
        for (LiveSession s : state.getSessions()) {
            next = min(next, s.getHeardMs() + ttlMs);
        }
        PresenceState visible = visible(state);
        if (visible != PresenceState.valueOf(state.getPublishedState())) {
            next = min(next, publishDue(state, visible));
        }
        return next;
    }

    /** OFFLINE with no live session, else the status the client chose. Before coalescing. */
    static PresenceState visible(UserState state) {
        return state.getSessions().isEmpty() ? PresenceState.OFFLINE : PresenceState.valueOf(state.getChosenStatus());
    }

    /** Distinct devices with a live session (a device reconnecting may briefly hold two). */
    static int devicesOnline(UserState state) {
        Set<String> devices = new HashSet<>();
        state.getSessions().forEach(s -> devices.add(s.getDeviceId()));
        return devices.size();
    }

    /** When a change to {@code visible} may be published: after the hold, and OFFLINE after the grace. */
    private long publishDue(UserState state, PresenceState visible) {
        long due = state.getHoldUntilMs() == null ? Long.MIN_VALUE : state.getHoldUntilMs();
        if (visible == PresenceState.OFFLINE) {
            due = Math.max(due, state.getOfflineSinceMs() + graceMs);
        }
        return due;
    }

    private static LiveSession newSession(SessionEvent event, long nowMs) {
        return LiveSession.newBuilder()
                .setSessionId(event.getSessionId())
                .setDeviceId(event.getDeviceId())
                .setEdgeId(event.getEdgeId())
                .setPlatform(null)
                .setOpenedAt(event.getAt())
                .setLastSeenAt(event.getAt())
                .setHeardMs(nowMs)
                .build();
    }

    private static void touch(LiveSession session, SessionEvent event, long nowMs) {
        // The TTL counts from when this app heard the session, not from the edge's clock: after a
        // restart the backlog is replayed quickly, and counting from event times would expire
        // (and publish OFFLINE for) sessions whose later heartbeats are still in the backlog.
        session.setHeardMs(Math.max(session.getHeardMs(), nowMs));
        if (event.getAt().isAfter(session.getLastSeenAt())) {
            session.setLastSeenAt(event.getAt());
        }
        session.setDeviceId(event.getDeviceId());
        session.setEdgeId(event.getEdgeId());
    }

    /** Adds a new session, dropping the least recently heard ones above the cap. */
    private static List<LiveSession> addCapped(List<LiveSession> sessions, LiveSession known, LiveSession session) {
        if (known != null) {
            return List.of();
        }
        sessions.add(session);
        List<LiveSession> dropped = new ArrayList<>();
        while (sessions.size() > MAX_SESSIONS_PER_USER) {
            LiveSession oldest = sessions.stream().filter(s -> s != session)
                    .min(Comparator.comparingLong(LiveSession::getHeardMs)).orElseThrow();
            sessions.remove(oldest);
            dropped.add(oldest);
        }
        return dropped;
    }

    private static LiveSession find(List<LiveSession> sessions, String sessionId) {
        for (LiveSession s : sessions) {
            if (s.getSessionId().equals(sessionId)) {
                return s;
            }
        }
        return null;
    }

    private static Long min(Long a, long b) {
        return a == null ? b : Math.min(a, b);
    }
}
