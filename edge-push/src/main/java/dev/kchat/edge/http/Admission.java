package dev.kchat.edge.http;

import dev.kchat.edge.session.Sessions;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import dev.kchat.api.http.ApiAnswers;
import io.undertow.server.HttpHandler;
import io.undertow.util.Headers;

/**
 * Admission: while {@code edge.max.session.setups} sessions are between their upgrade and their
 * {@code ready} (or redirect), new upgrades are refused with 503 {@code edge_busy} and a
 * Retry-After, before any WebSocket state exists. A mass reconnect (an edge restart moves its
 * clients at once) then backs off instead of queueing sessions that time out and come back. The
 * bound is approximate: upgrades checked at the same moment may pass together.
 */
public final class Admission {

    private final Sessions sessions;
    private final int maxSessionSetUps;
    private final Counter busyRefused;

    public Admission(Sessions sessions, int maxSessionSetUps, MeterRegistry metrics) {
        this.sessions = sessions;
        this.maxSessionSetUps = maxSessionSetUps;
        this.busyRefused = metrics.counter("kchat.edge.upgrades.refused", "reason", "edge_busy");
    }

    public HttpHandler admitted(HttpHandler next) {
        return ex -> {
            if (sessions.settingUp() >= maxSessionSetUps) {
                busyRefused.increment();
                ex.getResponseHeaders().put(Headers.RETRY_AFTER, "1");
                ApiAnswers.error(ex, 503, "edge_busy", "this edge is setting up " + maxSessionSetUps
                        + " sessions; retry after a short random pause");
                return;
            }
            next.handleRequest(ex);
        };
    }
}
