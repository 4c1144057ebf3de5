package dev.kchat.ingress;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kchat.api.ApiException;
import dev.kchat.api.ApiJson;
import dev.kchat.api.EdgeDirectory;
import dev.kchat.api.auth.JwtAuthenticator.Caller;
import dev.kchat.api.http.ApiAnswers;
import dev.kchat.api.http.EdgeAnswer;
import dev.kchat.api.http.Parameters;
import dev.kchat.api.presence.PresenceClient;
import dev.kchat.api.presence.PresenceVisibility;
import dev.kchat.api.presence.UserPresence;
import io.undertow.server.HttpServerExchange;
import io.undertow.server.RoutingHandler;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code GET /v1/presence}: the presence of users the caller may see, from the presence app; and
 * {@code GET /v1/edge}: which edge serves the caller.
 */
final class PresenceRoutes implements Doors.RouteGroup {

    private final PresenceClient presence;
    private final PresenceVisibility presenceVisibility;
    private final EdgeDirectory edges;

    /** @param presence the presence app's client, or null when presence is not deployed (503 then) */
    PresenceRoutes(PresenceClient presence, PresenceVisibility presenceVisibility, EdgeDirectory edges) {
        this.presence = presence;
        this.presenceVisibility = presenceVisibility;
        this.edges = edges;
    }

    @Override
    public void register(RoutingHandler routes, Doors doors) {
        routes.get("/v1/edge", doors.withoutBody("edge", this::edge))
                .get("/v1/presence", doors.withoutBody("presence", this::presence));
    }

    /**
     * {@code GET /v1/presence?users=a,b}: current presence from the presence app (any instance answers
     * for all), of the users the caller may see ({@link PresenceVisibility}). The others are answered as
     * users never seen (OFFLINE, no last activity, no devices) and are not looked up: the answer tells
     * nothing of them, not even that they are hidden.
     */
    private void presence(HttpServerExchange ex, Caller caller) {
        if (presence == null) {
            throw new ApiException(503, "presence_unavailable", "presence is not configured on this ingress");
        }
        String users = Parameters.stringParam(ex, "users", "");
        List<String> ids = users.isBlank() ? List.of() : List.of(users.split(","));
        if (ids.isEmpty() || ids.size() > PresenceClient.MAX_USERS) {
            throw ApiException.badRequest("invalid_parameter", "users must name 1 to " + PresenceClient.MAX_USERS + " users");
        }
        for (String id : ids) {
            if (!dev.kchat.schemas.Ids.isUserId(id)) {
                throw ApiException.badRequest("invalid_user_id", "'" + id + "' is not a user id");
            }
        }
        Set<String> visible = presenceVisibility.visibleTo(caller.userId(), ids);
        Map<String, UserPresence> found;
        try {
            found = visible.isEmpty() ? Map.of() : presence.query(List.copyOf(visible));
        } catch (PresenceClient.QueryException e) {
            throw new ApiException(e.status() >= 500 ? 503 : e.status(), e.code(), e.getMessage());
        } catch (java.io.UncheckedIOException e) {
            throw new ApiException(503, "presence_unavailable", "presence is temporarily unavailable; retry shortly");
        }
        ObjectNode body = ApiJson.JSON.createObjectNode();
        ArrayNode list = body.putArray("users");
        for (String id : new LinkedHashSet<>(ids)) {
            UserPresence p = visible.contains(id) ? found.getOrDefault(id, UserPresence.unknown(id)) : UserPresence.unknown(id);
            ObjectNode u = list.addObject().put("user_id", p.userId()).put("state", p.state().name())
                    .put("devices_online", p.devicesOnline());
            u.put("last_active_at", p.lastActiveAt() == null ? null : p.lastActiveAt().toString());
        }
        ApiAnswers.json(ex, 200, body);
    }

    /** Which edge serves the caller; 503 while no edge owns the caller's partition. */
    private void edge(HttpServerExchange ex, Caller caller) {
        EdgeAnswer.send(ex, edges.locate(caller.userId()));
    }
}
