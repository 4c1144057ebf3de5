package dev.kchat.ingress.moments;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kchat.api.ApiException;
import dev.kchat.api.ApiJson;
import dev.kchat.api.TopicPublisher;
import dev.kchat.api.auth.JwtAuthenticator.Caller;
import dev.kchat.api.http.ApiAnswers;
import dev.kchat.api.http.Parameters;
import dev.kchat.events.social.FriendAdded;
import dev.kchat.events.social.FriendBlocked;
import dev.kchat.events.social.FriendRemoved;
import dev.kchat.events.social.FriendRequested;
import dev.kchat.events.social.FriendUnblocked;
import dev.kchat.events.social.SocialGraphEvent;
import dev.kchat.ingress.Doors;
import dev.kchat.moments.FriendGraph;
import dev.kchat.moments.FriendIntents;
import dev.kchat.store.moments.MomentsRepository;
import io.undertow.server.HttpServerExchange;
import io.undertow.server.RoutingHandler;
import java.time.Clock;
import java.time.Instant;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The friend graph under {@code /v1/friends}: requests, accepting, declining, unfriending, blocking
 * and unblocking, and the lists of friends, pending requests and blocks.
 *
 * <p>Every change is one {@code INTENT} record on {@code social.graph}, keyed by the caller, checked
 * first by {@link FriendIntents#check} on the caller's side of the graph as the store has it (so a
 * request that cannot hold is refused with its code and nothing is produced), and answered {@code 202}
 * once Kafka has it. topology-moments checks it again on its own, exact state and writes both sides
 * (docs/topologies.md); the store shows the change once the sink has written them.
 */
public final class FriendRoutes implements Doors.RouteGroup {

    private static final Logger log = LoggerFactory.getLogger(FriendRoutes.class);

    private final TopicPublisher<SocialGraphEvent> graph;
    private final MomentsRepository repository;
    private final Clock clock;

    public FriendRoutes(TopicPublisher<SocialGraphEvent> graph, MomentsRepository repository, Clock clock) {
        this.graph = graph;
        this.repository = repository;
        this.clock = clock;
    }

    @Override
    public void register(RoutingHandler routes, Doors doors) {
        routes.get("/v1/friends", doors.withoutBody("friends", this::friends))
                .get("/v1/friends/requests", doors.withoutBody("friend_requests", this::requests))
                .get("/v1/friends/blocks", doors.withoutBody("friend_blocks", this::blocks))
                .post("/v1/friends/requests", doors.withBody("friend_request", (ex, caller, body) -> {
                    MomentsRequests.FriendRequest request = ApiJson.read(body, MomentsRequests.FriendRequest.class);
                    String other = MomentsFactory.otherUser(caller, request.userId(), "user_id");
                    change(ex, doors, "friend_request", caller, other, "requested",
                            new FriendRequested(true, MomentsFactory.requestMessage(request.message())), ANY);
                }))
                .post("/v1/friends/requests/{user}/accept", doors.withoutBody("friend_accept", (ex, caller) ->
                        change(ex, doors, "friend_accept", caller, pathUser(ex, caller), "friends", new FriendAdded(), ANY)))
                .post("/v1/friends/requests/{user}/decline", doors.withoutBody("friend_decline", (ex, caller) ->
                        change(ex, doors, "friend_decline", caller, pathUser(ex, caller), "declined", new FriendRemoved(),
                                FriendRoutes::requestToDecline)))
                .delete("/v1/friends/{user}", doors.withoutBody("friend_remove", (ex, caller) ->
                        change(ex, doors, "friend_remove", caller, pathUser(ex, caller), "removed", new FriendRemoved(),
                                FriendRoutes::friendOrOwnRequest)))
                .post("/v1/friends/blocks", doors.withBody("friend_block", (ex, caller, body) -> {
                    String other = MomentsFactory.otherUser(caller, ApiJson.read(body, MomentsRequests.Block.class).userId(), "user_id");
                    change(ex, doors, "friend_block", caller, other, "blocked", new FriendBlocked(true), ANY);
                }))
                .delete("/v1/friends/blocks/{user}", doors.withoutBody("friend_unblock", (ex, caller) ->
                        change(ex, doors, "friend_unblock", caller, pathUser(ex, caller), "unblocked", new FriendUnblocked(true), ANY)));
    }

    /** What a route asks of the caller's graph beyond {@link FriendIntents#check}; throws the refusal. */
    @FunctionalInterface
    private interface Precondition {
        void require(FriendGraph mine, String other);
    }

    private static final Precondition ANY = (mine, other) -> { };

    /** A decline needs a request from the other user (the generic rule also admits a withdrawal). */
    private static void requestToDecline(FriendGraph mine, String other) {
        if (mine.pendingRequests().get(other) != FriendGraph.Direction.INCOMING) {
            throw ApiException.notFound(FriendIntents.NO_PENDING_REQUEST, "no friend request from " + other + " to decline");
        }
    }

    /** An unfriending needs a friendship, or withdraws the caller's own request; not a decline of theirs. */
    private static void friendOrOwnRequest(FriendGraph mine, String other) {
        if (!mine.isFriend(other) && mine.pendingRequests().get(other) != FriendGraph.Direction.OUTGOING) {
            throw ApiException.notFound(FriendIntents.NOT_FRIENDS, mine.userId() + " and " + other + " are not friends");
        }
    }

    /**
     * Checks the caller's intent on the store's copy of their graph (the route's precondition, then
     * {@link FriendIntents#check}) and produces it.
     */
    private void change(HttpServerExchange ex, Doors doors, String route, Caller caller, String other, String status, Object kind,
            Precondition precondition) {
        FriendGraph mine = repository.friendGraph(caller.userId());
        precondition.require(mine, other);
        Instant at = clock.instant();
        SocialGraphEvent intent = FriendIntents.intent(caller.userId(), other, at, kind);
        FriendIntents.check(mine, intent).ifPresent(refusal -> {
            throw MomentsFactory.refused(refusal);
        });
        log.debug("{}: {} about {}", route, caller.userId(), other);
        doors.publish(ex, route, () -> graph.publish(caller.userId(), intent), () -> ApiJson.JSON.createObjectNode()
                .put("user_id", other).put("status", status).put("at", at.toString()));
    }

    /** {@code GET /v1/friends}: the caller's friends, in id order, with since when. */
    private void friends(HttpServerExchange ex, Caller caller) {
        ObjectNode body = ApiJson.JSON.createObjectNode();
        ArrayNode list = body.putArray("friends");
        repository.friends(caller.userId()).forEach(f -> list.addObject().put("user_id", f.userId()).put("since", f.since().toString()));
        ApiAnswers.json(ex, 200, body);
    }

    /** {@code GET /v1/friends/requests}: pending requests both ways ({@code direction} incoming or outgoing). */
    private void requests(HttpServerExchange ex, Caller caller) {
        ObjectNode body = ApiJson.JSON.createObjectNode();
        ArrayNode list = body.putArray("requests");
        repository.pendingRequests(caller.userId()).forEach(r -> list.addObject().put("user_id", r.userId())
                .put("direction", r.direction()).put("at", r.at() == null ? null : r.at().toString()).put("message", r.message()));
        ApiAnswers.json(ex, 200, body);
    }

    /** {@code GET /v1/friends/blocks}: the users the caller blocked, in id order. */
    private void blocks(HttpServerExchange ex, Caller caller) {
        ObjectNode body = ApiJson.JSON.createObjectNode();
        ArrayNode list = body.putArray("blocked");
        repository.blocked(caller.userId()).forEach(list::add);
        ApiAnswers.json(ex, 200, body);
    }

    private static String pathUser(HttpServerExchange ex, Caller caller) {
        return MomentsFactory.otherUser(caller, Parameters.pathParam(ex, "user"), "user");
    }
}
