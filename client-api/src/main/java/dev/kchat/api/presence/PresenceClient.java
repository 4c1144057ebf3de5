package dev.kchat.api.presence;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kchat.events.presence.PresenceState;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/**
 * Client of the presence app's query endpoint, {@code GET /presence?users=a,b,c}. Any instance
 * answers for every user (it asks the instance holding a user's key), so one base URL, or a load
 * balancer in front of all instances, is enough. Thread-safe.
 *
 * <pre>{@code
 * PresenceClient presence = new PresenceClient(URI.create("http://presence:9410"), Duration.ofSeconds(3));
 * Map<String, UserPresence> now = presence.query(List.of("alice", "bob"));
 * }</pre>
 */
public final class PresenceClient {

    /** Users per request; the server refuses more with 400 {@code too_many_users}. */
    public static final int MAX_USERS = 200;

    public static final String PATH = "/presence";
    public static final String USERS_PARAM = "users";
    /** Internal: the receiving instance answers from its own stores only (no second hop). */
    public static final String SCOPE_PARAM = "scope";
    public static final String SCOPE_LOCAL = "local";

    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpClient http;
    private final URI baseUri;
    private final Duration timeout;

    /** A client with its own {@link HttpClient}; {@code timeout} bounds each request. */
    public PresenceClient(URI baseUri, Duration timeout) {
        this(HttpClient.newBuilder().connectTimeout(timeout).build(), baseUri, timeout);
    }

    /** A client sharing an {@link HttpClient}; {@code timeout} bounds each request. */
    public PresenceClient(HttpClient http, URI baseUri, Duration timeout) {
        this.http = Objects.requireNonNull(http, "http");
        this.baseUri = Objects.requireNonNull(baseUri, "baseUri");
        this.timeout = Objects.requireNonNull(timeout, "timeout");
    }

    /**
     * The presence of each user, in the order asked (duplicates once). Users the app never saw are
     * OFFLINE with no {@code lastActiveAt}. Blocks up to the timeout; no side effects.
     *
     * @throws IllegalArgumentException if no users or more than {@link #MAX_USERS} are asked for
     * @throws QueryException           if the server refuses (4xx: a bad user id) or cannot answer
     *                                  now (503: starting, rebalancing, another instance down;
     *                                  worth a retry)
     * @throws UncheckedIOException     if the server cannot be reached or does not answer in time
     */
    public Map<String, UserPresence> query(List<String> users) {
        if (users.isEmpty() || users.size() > MAX_USERS) {
            throw new IllegalArgumentException("query 1 to " + MAX_USERS + " users, not " + users.size());
        }
        try {
            return queryAsync(users, false).get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while querying presence", e);
        } catch (ExecutionException e) {
            throw unwrap(e.getCause());
        }
    }

    /** The request, without blocking; {@code localOnly} asks the instance not to forward. */
    public CompletableFuture<Map<String, UserPresence>> queryAsync(List<String> users, boolean localOnly) {
        String query = USERS_PARAM + "=" + URLEncoder.encode(String.join(",", users), StandardCharsets.UTF_8)
                + (localOnly ? "&" + SCOPE_PARAM + "=" + SCOPE_LOCAL : "");
        HttpRequest request = HttpRequest.newBuilder(baseUri.resolve(PATH + "?" + query))
                .timeout(timeout)
                .header("Accept", "application/json")
                .GET()
                .build();
        return http.sendAsync(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8))
                .thenApply(response -> parse(request.uri(), response));
    }

    private static Map<String, UserPresence> parse(URI uri, HttpResponse<String> response) {
        JsonNode body;
        try {
            body = JSON.readTree(response.body());
        } catch (JsonProcessingException e) {
            throw new QueryException(response.statusCode(), "invalid_response", "not JSON from " + uri + ": " + e.getOriginalMessage());
        }
        if (response.statusCode() != 200) {
            JsonNode error = body.path("error");
            throw new QueryException(response.statusCode(), error.path("code").asText("http_" + response.statusCode()),
                    error.path("message").asText("HTTP " + response.statusCode() + " from " + uri));
        }
        Map<String, UserPresence> out = new LinkedHashMap<>();
        for (JsonNode user : body.path("users")) {
            JsonNode lastActive = user.path("last_active_at");
            UserPresence presence = new UserPresence(
                    user.path("user_id").asText(),
                    PresenceState.valueOf(user.path("state").asText()),
                    lastActive.isTextual() ? Instant.parse(lastActive.asText()) : null,
                    user.path("devices_online").asInt());
            out.put(presence.userId(), presence);
        }
        return out;
    }

    private static RuntimeException unwrap(Throwable cause) {
        Throwable c = cause instanceof CompletionException && cause.getCause() != null ? cause.getCause() : cause;
        if (c instanceof RuntimeException r) {
            return r;
        }
        if (c instanceof IOException io) {
            return new UncheckedIOException("presence query failed: " + io, io);
        }
        return new IllegalStateException("presence query failed", c);
    }

    /** The server answered with an error: its HTTP status and machine-readable code. */
    public static final class QueryException extends RuntimeException {

        private final int status;
        private final String code;

        public QueryException(int status, String code, String message) {
            super(status + " " + code + ": " + message);
            this.status = status;
            this.code = code;
        }

        /** HTTP status: 400 for a bad request, 503 when worth retrying. */
        public int status() {
            return status;
        }

        /** Machine-readable code, e.g. {@code invalid_user_id}, {@code too_many_users}, {@code unavailable}. */
        public String code() {
            return code;
        }
    }
}
