package dev.kchat.ingress;

import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.HttpString;
import io.undertow.util.Methods;
import java.util.List;
import java.util.Set;

/**
 * Lets browser pages of other origins call the API (CORS), for the web client the edge serves on
 * another port. Only the origins listed in {@code ingress.cors.origins} (or any, with {@code *}) are
 * let in; by default none is. The API authenticates with a bearer token the page holds, never with
 * cookies, so a page of a listed origin can do only what its own token allows.
 *
 * <p>A preflight ({@code OPTIONS} with {@code Access-Control-Request-Method}) from a listed origin is
 * answered here with {@code 204}; every other request goes on to the API, with the headers that let
 * the page read its answer (and the headers a client needs: {@code Retry-After},
 * {@code Preference-Applied}).
 */
public final class CrossOrigin implements HttpHandler {

    /** How long a browser may reuse a preflight's answer. */
    static final int PREFLIGHT_MAX_AGE_SECONDS = 600;
    static final String METHODS = "GET, POST, PUT, PATCH, DELETE";
    static final String REQUEST_HEADERS = "Authorization, Content-Type, Idempotency-Key, Prefer";
    static final String EXPOSED_HEADERS = "Retry-After, Preference-Applied, Location";

    private static final HttpString ORIGIN = new HttpString("Origin");
    private static final HttpString ALLOW_ORIGIN = new HttpString("Access-Control-Allow-Origin");
    private static final HttpString ALLOW_METHODS = new HttpString("Access-Control-Allow-Methods");
    private static final HttpString ALLOW_HEADERS = new HttpString("Access-Control-Allow-Headers");
    private static final HttpString EXPOSE_HEADERS = new HttpString("Access-Control-Expose-Headers");
    private static final HttpString MAX_AGE = new HttpString("Access-Control-Max-Age");
    private static final HttpString REQUEST_METHOD = new HttpString("Access-Control-Request-Method");
    private static final HttpString VARY = new HttpString("Vary");

    private final Set<String> origins;
    private final boolean anyOrigin;
    private final HttpHandler next;

    /** @param origins the origins let in ({@code scheme://host:port}, or {@code *} for any); empty lets none in */
    public CrossOrigin(List<String> origins, HttpHandler next) {
        this.origins = Set.copyOf(origins);
        this.anyOrigin = origins.contains("*");
        this.next = next;
    }

    @Override
    public void handleRequest(HttpServerExchange ex) throws Exception {
        String origin = ex.getRequestHeaders().getFirst(ORIGIN);
        if (origin == null || !(anyOrigin || origins.contains(origin))) {
            next.handleRequest(ex);
            return;
        }
        ex.getResponseHeaders().put(ALLOW_ORIGIN, origin).add(VARY, "Origin");
        if (ex.getRequestMethod().equals(Methods.OPTIONS) && ex.getRequestHeaders().contains(REQUEST_METHOD)) {
            ex.getResponseHeaders().put(ALLOW_METHODS, METHODS).put(ALLOW_HEADERS, REQUEST_HEADERS)
                    .put(MAX_AGE, String.valueOf(PREFLIGHT_MAX_AGE_SECONDS));
            ex.setStatusCode(204).endExchange();
            return;
        }
        ex.getResponseHeaders().put(EXPOSE_HEADERS, EXPOSED_HEADERS);
        next.handleRequest(ex);
    }
}
