package dev.kchat.edge.http;

import dev.kchat.api.ApiException;
import dev.kchat.api.http.ApiAnswers;
import dev.kchat.api.limits.Limit;
import dev.kchat.api.limits.RateLimiter;
import io.undertow.server.HttpHandler;

/**
 * Connection attempts (WebSocket upgrades and long-polls) take a {@link Limit#CONNECT} token: per
 * source address before authentication (so a flood of bad tokens does not cost a signature check
 * each), per user after it. Over either, the answer is 429 {@code rate_limited} with
 * {@code Retry-After}, before any WebSocket state exists.
 */
public final class ConnectionLimits {

    private final RateLimiter limiter;

    public ConnectionLimits(RateLimiter limiter) {
        this.limiter = limiter;
    }

    /** Runs {@code next} if the source address has a connect token. */
    public HttpHandler byAddress(HttpHandler next) {
        return ex -> {
            try {
                limiter.checkAddress(Limit.CONNECT, ex.getSourceAddress().getHostString());
            } catch (ApiException refused) {
                ApiAnswers.error(ex, refused);
                return;
            }
            next.handleRequest(ex);
        };
    }

    /** Runs {@code next} if the authenticated caller ({@link Authentication#CALLER}) has a connect token. */
    public HttpHandler byUser(HttpHandler next) {
        return ex -> {
            try {
                limiter.checkUser(Limit.CONNECT, ex.getAttachment(Authentication.CALLER).userId());
            } catch (ApiException refused) {
                ApiAnswers.error(ex, refused);
                return;
            }
            next.handleRequest(ex);
        };
    }
}
