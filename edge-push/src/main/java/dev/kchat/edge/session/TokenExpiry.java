package dev.kchat.edge.session;

import dev.kchat.edge.protocol.Frames;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A WebSocket session lives as long as its token: once the token's {@code exp} has passed (with the
 * clock skew the HTTP doors tolerate, {@code auth.jwt.clock.skew}), the session gets an {@code error}
 * frame {@code token_expired} and is closed with 4401, on its next frame or at the next sweep over
 * the open sessions (every {@link #SWEEP_EVERY}), whichever comes first. A {@code refresh} frame with
 * a newer token of the same user moves the expiry.
 *
 * <p>One periodic sweep rather than a timer per session: a timer would hold its session for the
 * token's whole lifetime (hours) after the session closed.
 */
public final class TokenExpiry {

    private static final Logger log = LoggerFactory.getLogger(TokenExpiry.class);
    static final Duration SWEEP_EVERY = Duration.ofSeconds(1);

    private final Sessions sessions;
    private final Duration clockSkew;
    private final Clock clock;
    private final Counter expired;

    public TokenExpiry(Sessions sessions, Duration clockSkew, Clock clock, MeterRegistry metrics) {
        this.sessions = sessions;
        this.clockSkew = clockSkew;
        this.clock = clock;
        this.expired = metrics.counter("kchat.edge.closed", "reason", "token_expired");
    }

    /** Starts the sweep on the workers (it stops with them). */
    public void start(ScheduledExecutorService workers) {
        workers.scheduleWithFixedDelay(this::sweep, SWEEP_EVERY.toMillis(), SWEEP_EVERY.toMillis(), TimeUnit.MILLISECONDS);
    }

    private void sweep() {
        try {
            sessions.forEachOpen(s -> {
                if (isExpired(s)) {
                    expire(s);
                }
            });
        } catch (RuntimeException e) {
            // Logged, not thrown: a periodic task that throws is never run again.
            log.error("token expiry sweep failed", e);
        }
    }

    /** Whether the session's token has expired, skew included. */
    public boolean isExpired(Session session) {
        return clock.instant().isAfter(session.tokenExpiresAt().plus(clockSkew));
    }

    /** Tells the client its token expired and closes with 4401. */
    public void expire(Session session) {
        if (session.isClosed()) {
            return;
        }
        expired.increment();
        session.send(Frames.error("token_expired", "the token expired at " + session.tokenExpiresAt()
                + "; connect again with a new token (send refresh before it expires to stay connected)", null));
        session.close(Frames.CLOSE_UNAUTHORIZED, "token_expired");
    }
}
