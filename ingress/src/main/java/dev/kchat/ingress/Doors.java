package dev.kchat.ingress;

import dev.kchat.api.auth.JwtAuthenticator.Caller;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;

/**
 * How a route of the API is run ({@link ApiRoutes}): the body read on the I/O thread up to the limit
 * ({@code 413} past it), then, on a worker, the caller authenticated, the action run, every failure
 * answered in the API's error shape, and the request counted by route and status. Route groups that
 * live in their own package (the trust-and-safety API) register their routes through it.
 */
public interface Doors {

    /** A route whose body is read before {@code action} runs on a worker. */
    HttpHandler withBody(String route, BodyAction action);

    /** A route without a body; {@code action} runs on a worker. */
    HttpHandler withoutBody(String route, Action action);

    /** Answers a failure as every route does: an {@code ApiException} as itself, the others mapped or 500. */
    void fail(HttpServerExchange ex, String route, Throwable failure);

    /** A route's work, on a worker thread, for an authenticated caller with the request body. */
    @FunctionalInterface
    interface BodyAction {
        void handle(HttpServerExchange ex, Caller caller, byte[] body) throws Exception;
    }

    /** A route's work, on a worker thread, for an authenticated caller. */
    @FunctionalInterface
    interface Action {
        void handle(HttpServerExchange ex, Caller caller) throws Exception;
    }
}
