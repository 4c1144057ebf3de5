package dev.kchat.presence;

import dev.kchat.api.ApiException;
import dev.kchat.api.ApiJson;
import dev.kchat.api.http.ApiAnswers;
import dev.kchat.api.presence.UserPresence;
import dev.kchat.api.presence.PresenceClient;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kchat.schemas.Ids;
import io.undertow.Undertow;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.Headers;
import io.undertow.util.Methods;
import io.undertow.util.StatusCodes;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The presence app's query endpoint, {@code GET /presence?users=a,b,c}: answers
 * {@code {"users":[{"user_id","state","last_active_at","devices_online"}]}} in the order asked,
 * through {@link PresenceQueries}. Errors have the API's shape
 * {@code {"error":{"code","message"}}} ({@link ApiAnswers}): 400 for a bad request (nothing is looked up), 503 with
 * {@code Retry-After} when the answer is not available now.
 */
final class QueryServer implements AutoCloseable {

    /** Worker threads: a look-up blocks on other instances for up to the query timeout. */
    static final int WORKER_THREADS = 8;

    private static final Logger log = LoggerFactory.getLogger(QueryServer.class);

    private final Undertow server;
    private final int port;

    private QueryServer(Undertow server, int port) {
        this.server = server;
        this.port = port;
    }

    /** Binds and starts the server; port 0 picks a free one ({@link #port()} tells which). */
    static QueryServer start(String host, int port, PresenceQueries queries) {
        Undertow server = Undertow.builder()
                .addHttpListener(port, host)
                .setIoThreads(1)
                .setWorkerThreads(WORKER_THREADS)
                .setHandler(new QueryHandler(queries))
                .build();
        server.start();
        int bound = ((InetSocketAddress) server.getListenerInfo().get(0).getAddress()).getPort();
        log.info("presence query server on http://{}:{}{}", host, bound, PresenceClient.PATH);
        return new QueryServer(server, bound);
    }

    int port() {
        return port;
    }

    @Override
    public void close() {
        server.stop();
    }

    /** Answers {@code GET /presence}; dispatched to a worker thread. */
    private record QueryHandler(PresenceQueries queries) implements HttpHandler {

        @Override
        public void handleRequest(HttpServerExchange ex) {
            if (ex.isInIoThread()) {
                // Look-ups may wait on other instances: never on the I/O thread.
                ex.dispatch(this);
                return;
            }
            handle(ex, queries);
        }
    }

    private static void handle(HttpServerExchange ex, PresenceQueries queries) {
        if (!ex.getRequestPath().equals(PresenceClient.PATH)) {
            ApiAnswers.error(ex, StatusCodes.NOT_FOUND, "not_found", "no such resource: " + ex.getRequestPath());
            return;
        }
        if (!ex.getRequestMethod().equals(Methods.GET)) {
            ex.getResponseHeaders().put(Headers.ALLOW, "GET");
            ApiAnswers.error(ex, StatusCodes.METHOD_NOT_ALLOWED, "method_not_allowed", PresenceClient.PATH + " supports GET only");
            return;
        }
        List<String> users;
        boolean localOnly;
        try {
            users = parseUsers(ex.getQueryParameters().get(PresenceClient.USERS_PARAM));
            localOnly = parseScope(ex.getQueryParameters().get(PresenceClient.SCOPE_PARAM));
        } catch (ApiException e) {
            ApiAnswers.error(ex, e);
            return;
        }
        try {
            ApiAnswers.json(ex, StatusCodes.OK, body(queries.lookup(users, localOnly)));
        } catch (PresenceQueries.Unavailable e) {
            log.debug("presence look-up unavailable: {}", e.getMessage());
            ex.getResponseHeaders().put(Headers.RETRY_AFTER, "1");
            ApiAnswers.error(ex, StatusCodes.SERVICE_UNAVAILABLE, "unavailable", e.getMessage());
        } catch (RuntimeException e) {
            log.error("presence look-up of {} failed", users, e);
            ApiAnswers.error(ex, StatusCodes.INTERNAL_SERVER_ERROR, "internal_error", "presence look-up failed");
        }
    }

    /**
     * The {@code users} parameter(s): comma-separated user ids, each per {@link Ids#USER_ID},
     * duplicates once, at most {@link PresenceClient#MAX_USERS}.
     *
     * @throws ApiException 400 {@code missing_parameter}, {@code invalid_user_id} or {@code too_many_users}
     */
    static List<String> parseUsers(Deque<String> values) {
        if (values == null || values.stream().allMatch(String::isEmpty)) {
            throw ApiException.badRequest("missing_parameter", "users is required: a comma-separated list of user ids");
        }
        Set<String> users = new LinkedHashSet<>();
        for (String value : values) {
            for (String user : value.split(",", -1)) {
                if (!Ids.isUserId(user)) {
                    throw ApiException.badRequest("invalid_user_id", "'" + abbreviate(user)
                            + "' is not a user id (1-64 characters of A-Z, a-z, 0-9, '_', '.', '-')");
                }
                users.add(user);
            }
        }
        if (users.size() > PresenceClient.MAX_USERS) {
            throw ApiException.badRequest("too_many_users", "at most " + PresenceClient.MAX_USERS + " users per request, got " + users.size());
        }
        return new ArrayList<>(users);
    }

    /**
     * The {@code scope} parameter: absent (every instance is asked) or {@code local} (this instance's stores only).
     *
     * @throws ApiException 400 {@code invalid_parameter} for anything else
     */
    static boolean parseScope(Deque<String> values) {
        if (values == null || values.isEmpty()) {
            return false;
        }
        if (values.size() == 1 && values.getFirst().equals(PresenceClient.SCOPE_LOCAL)) {
            return true;
        }
        throw ApiException.badRequest("invalid_parameter", "scope must be '" + PresenceClient.SCOPE_LOCAL + "' if given");
    }

    static ObjectNode body(Map<String, UserPresence> found) {
        ObjectNode body = ApiJson.JSON.createObjectNode();
        ArrayNode list = body.putArray("users");
        for (UserPresence p : found.values()) {
            ObjectNode user = list.addObject()
                    .put("user_id", p.userId())
                    .put("state", p.state().name());
            if (p.lastActiveAt() == null) {
                user.putNull("last_active_at");
            } else {
                user.put("last_active_at", p.lastActiveAt().toString());
            }
            user.put("devices_online", p.devicesOnline());
        }
        return body;
    }

    private static String abbreviate(String s) {
        return s.length() <= 70 ? s : s.substring(0, 67) + "...";
    }
}
