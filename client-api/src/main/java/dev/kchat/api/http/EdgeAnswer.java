package dev.kchat.api.http;

import dev.kchat.api.ApiJson;
import dev.kchat.api.EdgeDirectory;
import io.undertow.server.HttpServerExchange;

/**
 * The answer of {@code GET /v1/edge}, which the ingress and every edge serve: which edge serves the
 * caller, {@code 200 {"user_id":..,"partition":N,"edge":"ws://.../v1/ws"}}, or {@code 503 no_edge}
 * while no edge owns the caller's inbox partition (a rebalance), to be asked again shortly.
 */
public final class EdgeAnswer {

    private EdgeAnswer() {
    }

    /** Answers where {@code location} says its user is served ({@link ApiAnswers}' contract). */
    public static void send(HttpServerExchange ex, EdgeDirectory.Location location) {
        if (location.edgeUrl().isEmpty()) {
            ApiAnswers.error(ex, 503, "no_edge", "no edge serves partition " + location.partition() + " right now; retry shortly");
            return;
        }
        ApiAnswers.json(ex, 200, ApiJson.JSON.createObjectNode().put("user_id", location.userId())
                .put("partition", location.partition()).put("edge", location.edgeUrl().get()));
    }
}
