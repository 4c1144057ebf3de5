package dev.kchat.ingress;

import dev.kchat.api.EdgeDirectory;
import dev.kchat.api.Limits;
import dev.kchat.api.TopicPublisher;
import dev.kchat.api.auth.JwtAuthenticator;
import dev.kchat.api.http.ApiAnswers;
import dev.kchat.api.limits.WriteAdmission;
import dev.kchat.api.presence.PresenceClient;
import dev.kchat.api.presence.PresenceVisibility;
import dev.kchat.events.chat.InboxEntry;
import dev.kchat.events.chat.Receipt;
import dev.kchat.ingress.outcome.CommandAnswers;
import dev.kchat.schemas.topic.Topic;
import dev.kchat.store.read.ChatRepository;
import io.micrometer.core.instrument.MeterRegistry;
import io.undertow.Handlers;
import io.undertow.server.HttpHandler;
import io.undertow.server.RoutingHandler;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executor;

/**
 * The {@code /v1} HTTP API: one routing handler over the route groups, each run through the same
 * doors ({@link ApiDoors}). I/O threads only read request bodies (non-blocking) and hand over:
 * authentication, validation, Kafka sends and store reads run on the worker executor, and a send
 * is answered from the producer's acknowledgement callback, so no thread waits for Kafka.
 *
 * <p>The groups here: {@link ConversationCommandRoutes} (conversation commands and the read marker),
 * {@link ConversationReadRoutes} (history, the conversation list, sync, members, receipts) and
 * {@link PresenceRoutes} (presence, the caller's edge); then the groups of their own packages
 * (moderation, Moments, media, push, servers) that the app passes in.
 */
public final class ApiRoutes {

    private final ApiDoors doors;
    private final List<Doors.RouteGroup> groups;

    /** @param presence the presence app's client, or null when presence is not deployed (503 then) */
    public ApiRoutes(JwtAuthenticator auth, Limits limits, CommandAnswers answers, TopicPublisher<Receipt> receipts,
            ChatRepository repository, Topic<String, InboxEntry> inbox, EdgeDirectory edges, PresenceClient presence,
            IngressConfig.Receipts receiptQueries, List<Doors.RouteGroup> groups, Executor workers, WriteAdmission admission,
            MeterRegistry metrics, Clock clock) {
        ConversationAccess access = new ConversationAccess(repository);
        PresenceVisibility visibility = new PresenceVisibility(repository::currentConversationKinds, repository::currentMemberships);
        this.doors = new ApiDoors(auth, limits, workers, admission, metrics);
        List<Doors.RouteGroup> all = new ArrayList<>();
        all.add(new ConversationCommandRoutes(limits, answers, receipts, access, doors, clock));
        all.add(new ConversationReadRoutes(repository, access, inbox, limits, receiptQueries));
        all.add(new PresenceRoutes(presence, visibility, edges));
        all.addAll(groups);
        this.groups = List.copyOf(all);
    }

    /** The routing handler of the API. */
    public HttpHandler handler() {
        RoutingHandler routes = Handlers.routing();
        // Every group, the ones in their own packages (the trust-and-safety API under /v1/moderation,
        // Moments, ...) included, through the same doors.
        groups.forEach(group -> group.register(routes, doors));
        routes.setFallbackHandler(ex -> ApiAnswers.error(ex, 404, "not_found", "no such endpoint: "
                        + ex.getRequestMethod() + " " + ex.getRequestPath()))
                .setInvalidMethodHandler(ex -> ApiAnswers.error(ex, 405, "method_not_allowed",
                        ex.getRequestMethod() + " is not allowed on " + ex.getRequestPath()));
        return routes;
    }
}
