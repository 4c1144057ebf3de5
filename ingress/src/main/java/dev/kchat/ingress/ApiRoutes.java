package dev.kchat.ingress;

import com.datastax.oss.driver.api.core.DriverException;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kchat.events.chat.InboxEntry;
import dev.kchat.api.ApiException;
import dev.kchat.api.RequestIds;
import dev.kchat.api.EdgeDirectory;
import dev.kchat.api.TopicPublisher;
import dev.kchat.api.presence.PresenceClient;
import dev.kchat.api.presence.PresenceVisibility;
import dev.kchat.api.presence.UserPresence;
import java.util.List;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import dev.kchat.events.chat.Receipt;
import dev.kchat.store.read.MemberPage;
import dev.kchat.store.read.MessageReceipts;
import dev.kchat.api.ApiJson;
import dev.kchat.api.ReceiptFactory;
import dev.kchat.api.http.ApiAnswers;
import dev.kchat.api.http.EdgeAnswer;
import dev.kchat.api.http.Parameters;
import dev.kchat.api.CommandFactory;
import dev.kchat.api.Limits;
import dev.kchat.api.Requests;
import dev.kchat.api.auth.JwtAuthenticator;
import dev.kchat.api.auth.JwtAuthenticator.AuthenticationException;
import dev.kchat.api.auth.JwtAuthenticator.Caller;
import dev.kchat.api.limits.Limit;
import dev.kchat.api.limits.RateLimiter;
import dev.kchat.api.limits.WriteAdmission;
import dev.kchat.ingress.outcome.CommandAnswers;
import dev.kchat.schemas.json.EventJson;
import dev.kchat.schemas.topic.Topic;
import dev.kchat.store.read.ChatRepository;
import dev.kchat.store.read.ConversationSummary;
import dev.kchat.store.read.HistoryPage;
import dev.kchat.store.read.StoredEvent;
import dev.kchat.store.read.StoredInboxEntry;
import dev.kchat.store.read.SyncPage;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.undertow.Handlers;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.server.RequestTooBigException;
import io.undertow.server.RoutingHandler;
import io.undertow.util.Headers;
import io.undertow.util.SameThreadExecutor;
import java.nio.ByteBuffer;
import java.time.Clock;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.SerializationException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code /v1} HTTP API. I/O threads only read request bodies (non-blocking) and hand over:
 * authentication, validation, Kafka sends and store reads run on the worker executor, and a send
 * is answered from the producer's acknowledgement callback, so no thread waits for Kafka.
 */
public final class ApiRoutes {

    private static final Logger log = LoggerFactory.getLogger(ApiRoutes.class);
    static final String METRIC_REQUESTS = "kchat.ingress.requests";
    /**
     * Bytes of a chunked body past the limit that are read (and dropped) before the 413, so that a
     * client still sending reads the answer rather than a reset connection; beyond, the connection closes.
     */
    static final long DRAIN_MAX_BYTES = 1L << 20;
    private static final String MESSAGE_POSTED = "MessagePosted";

    private final JwtAuthenticator auth;
    private final CommandFactory validation;
    private final CommandAnswers answers;
    private final ChatRepository repository;
    private final Topic<String, InboxEntry> inbox;
    private final Limits limits;
    private final Executor workers;
    private final MeterRegistry metrics;
    private final Clock clock;
    private final EdgeDirectory edges;
    private final TopicPublisher<Receipt> receipts;
    private final PresenceClient presence;
    private final PresenceVisibility presenceVisibility;
    private final IngressConfig.Receipts receiptQueries;
    private final List<Doors.RouteGroup> groups;
    private final RateLimiter rateLimiter;

    /** @param presence the presence app's client, or null when presence is not deployed (503 then) */
    public ApiRoutes(JwtAuthenticator auth, Limits limits, CommandAnswers answers, TopicPublisher<Receipt> receipts,
            ChatRepository repository, Topic<String, InboxEntry> inbox, EdgeDirectory edges, PresenceClient presence,
            IngressConfig.Receipts receiptQueries, List<Doors.RouteGroup> groups, Executor workers, WriteAdmission admission,
            MeterRegistry metrics, Clock clock) {
        this.groups = List.copyOf(groups);
        this.presence = presence;
        this.presenceVisibility = new PresenceVisibility(repository::currentConversationKinds, repository::currentMemberships);
        this.receiptQueries = receiptQueries;
        this.edges = edges;
        this.receipts = receipts;
        this.auth = auth;
        this.validation = new CommandFactory(limits);
        this.limits = limits;
        this.answers = answers;
        this.repository = repository;
        this.inbox = inbox;
        this.workers = workers;
        this.metrics = metrics;
        this.clock = clock;
        this.rateLimiter = new RateLimiter(limits.rates(), "http", metrics, admission);
    }

    /** The rate limit each route takes a token of ({@code limits.rate.*}); routes not named here have none. */
    static final Map<String, Limit> ROUTE_LIMITS = Map.ofEntries(
            Map.entry("send_message", Limit.SEND),
            Map.entry("edit_message", Limit.SEND),
            Map.entry("remove_message", Limit.SEND),
            Map.entry("react", Limit.SEND),
            Map.entry("unreact", Limit.SEND),
            Map.entry("create_conversation", Limit.CREATE_CONVERSATION),
            Map.entry("add_members", Limit.MEMBER_CHANGE),
            Map.entry("remove_member", Limit.MEMBER_CHANGE),
            Map.entry("change_role", Limit.MEMBER_CHANGE),
            Map.entry("presence", Limit.PRESENCE_SUBSCRIBE),
            Map.entry("moments_create_post", Limit.SEND),
            Map.entry("moments_like", Limit.SEND),
            Map.entry("moments_comment", Limit.SEND),
            Map.entry("friend_request", Limit.MEMBER_CHANGE),
            Map.entry("server_create", Limit.CREATE_CONVERSATION),
            Map.entry("server_channel_create", Limit.CREATE_CONVERSATION),
            Map.entry("server_role_create", Limit.CREATE_CONVERSATION),
            Map.entry("server_invite_create", Limit.CREATE_CONVERSATION),
            Map.entry("server_join", Limit.MEMBER_CHANGE),
            Map.entry("server_kick", Limit.MEMBER_CHANGE),
            Map.entry("server_ban", Limit.MEMBER_CHANGE),
            Map.entry("server_unban", Limit.MEMBER_CHANGE),
            Map.entry("server_role_assign", Limit.MEMBER_CHANGE),
            Map.entry("server_role_unassign", Limit.MEMBER_CHANGE));

    /** The routing handler of the API. */
    public HttpHandler handler() {
        RoutingHandler routes = Handlers.routing()
                .post("/v1/conversations", withBody("create_conversation", (ex, caller, body) ->
                        accept(ex, validation.createConversation(caller, ApiJson.read(body, Requests.CreateConversation.class), clock.instant()))))
                .post("/v1/conversations/{id}/members", withBody("add_members", (ex, caller, body) ->
                        accept(ex, validation.addMembers(caller, Parameters.pathParam(ex, "id"),
                                ApiJson.read(body, Requests.AddMembers.class), clock.instant()))))
                .delete("/v1/conversations/{id}/members/{user}", withoutBody("remove_member", (ex, caller) ->
                        accept(ex, validation.removeMember(caller, Parameters.pathParam(ex, "id"),
                                Parameters.pathParam(ex, "user"), clock.instant()))))
                .post("/v1/conversations/{id}/messages", withBody("send_message", (ex, caller, body) ->
                        accept(ex, validation.sendMessage(caller, Parameters.pathParam(ex, "id"),
                                ApiJson.read(body, Requests.SendMessage.class), clock.instant()))))
                .get("/v1/conversations/{id}/messages", withoutBody("history", this::history))
                .add("PATCH", "/v1/conversations/{id}/messages/{seq}", withBody("edit_message", (ex, caller, body) ->
                        accept(ex, validation.editMessage(caller, Parameters.pathParam(ex, "id"), seqParam(ex),
                                ApiJson.read(body, Requests.EditMessage.class), clock.instant()))))
                .delete("/v1/conversations/{id}/messages/{seq}", withoutBody("remove_message", (ex, caller) ->
                        accept(ex, validation.removeMessage(caller, Parameters.pathParam(ex, "id"), seqParam(ex),
                                Parameters.stringParam(ex, "mode", "delete"), clock.instant()))))
                .post("/v1/conversations/{id}/messages/{seq}/reactions", withBody("react", (ex, caller, body) ->
                        accept(ex, validation.react(caller, Parameters.pathParam(ex, "id"), seqParam(ex),
                                ApiJson.read(body, Requests.React.class).emoji(), true, clock.instant()))))
                .get("/v1/conversations/{id}/messages/{seq}/receipts", withoutBody("receipts", this::receipts))
                .delete("/v1/conversations/{id}/messages/{seq}/reactions/{emoji}", withoutBody("unreact", (ex, caller) ->
                        accept(ex, validation.react(caller, Parameters.pathParam(ex, "id"), seqParam(ex),
                                Parameters.pathParam(ex, "emoji"), false, clock.instant()))))
                .put("/v1/conversations/{id}/members/{user}/role", withBody("change_role", (ex, caller, body) ->
                        accept(ex, validation.changeRole(caller, Parameters.pathParam(ex, "id"), Parameters.pathParam(ex, "user"),
                                ApiJson.read(body, Requests.ChangeRole.class), clock.instant()))))
                .add("PATCH", "/v1/conversations/{id}", withBody("rename", (ex, caller, body) ->
                        accept(ex, validation.rename(caller, Parameters.pathParam(ex, "id"),
                                ApiJson.read(body, Requests.Rename.class), clock.instant()))))
                .get("/v1/conversations/{id}/members", withoutBody("members", this::members))
                .post("/v1/conversations/{id}/read", withBody("mark_read", this::markRead))
                .get("/v1/conversations", withoutBody("conversations", this::conversations))
                .get("/v1/sync", withoutBody("sync", this::sync))
                .get("/v1/edge", withoutBody("edge", this::edge))
                .get("/v1/presence", withoutBody("presence", this::presence));
        // The route groups in their own packages (the trust-and-safety API under /v1/moderation, Moments),
        // through the same doors as every route.
        Doors doors = new Doors() {
            @Override
            public HttpHandler withBody(String route, Doors.BodyAction action) {
                return ApiRoutes.this.withBody(route, action);
            }

            @Override
            public HttpHandler withoutBody(String route, Doors.Action action) {
                return ApiRoutes.this.withoutBody(route, action);
            }

            @Override
            public void fail(HttpServerExchange ex, String route, Throwable failure) {
                respondError(ex, route, failure);
            }
        };
        groups.forEach(group -> group.register(routes, doors));
        routes.setFallbackHandler(ex -> ApiAnswers.error(ex, 404, "not_found", "no such endpoint: "
                        + ex.getRequestMethod() + " " + ex.getRequestPath()))
                .setInvalidMethodHandler(ex -> ApiAnswers.error(ex, 405, "method_not_allowed",
                        ex.getRequestMethod() + " is not allowed on " + ex.getRequestPath()));
        return routes;
    }

    /**
     * Reads the body on the I/O thread, then runs the action on a worker. A body over the limit is
     * answered {@code 413 body_too_large}: at once when its declared length says so; a chunked body
     * (no declared length) is read to its end without keeping what passes the limit, then answered, so
     * the client, which is still sending, reads the answer on a connection that stays open. A chunked
     * body that goes on past the limit by {@link #DRAIN_MAX_BYTES} is answered at once and its connection
     * closed after the answer. Undertow's own entity limit, which cuts a connection without an answer,
     * is set further out in {@link IngressApp} as a backstop only.
     */
    private HttpHandler withBody(String route, Doors.BodyAction action) {
        return ex -> {
            long declared = ex.getRequestContentLength();
            if (declared > limits.maxBodyBytes()) {
                respondError(ex, route, new ApiException(413, "body_too_large",
                        "the body is " + declared + " bytes; the limit is " + limits.maxBodyBytes()));
                return;
            }
            BoundedBody body = new BoundedBody(limits.maxBodyBytes());
            ex.getRequestReceiver().receivePartialBytes((e, bytes, last) -> {
                body.add(bytes);
                if (e.isResponseStarted()) {
                    return;
                }
                if (body.overLimit()) {
                    boolean drainedEnough = body.received() - limits.maxBodyBytes() > DRAIN_MAX_BYTES;
                    if (drainedEnough) {
                        e.getRequestReceiver().pause();
                        e.setPersistent(false);
                    }
                    if (last || drainedEnough) {
                        respondError(e, route, new ApiException(413, "body_too_large",
                                "the body exceeds " + limits.maxBodyBytes() + " bytes"));
                    }
                } else if (last) {
                    byte[] bytesRead = body.bytes();
                    e.dispatch(workers, () -> run(e, route, caller -> action.handle(e, caller, bytesRead)));
                }
            }, (e, failure) -> {
                if (e.isResponseStarted()) {
                    log.debug("{}: body read failed after the answer: {}", route, failure.toString());
                } else if (causedBy(failure, RequestTooBigException.class)) {
                    respondError(e, route, new ApiException(413, "body_too_large",
                            "the body exceeds " + limits.maxBodyBytes() + " bytes"));
                } else {
                    log.debug("{}: body unreadable: {}", route, failure.toString());
                    respondError(e, route, new ApiException(400, "unreadable_body", "the body could not be read: " + failure.getMessage()));
                }
            });
        };
    }

    /** A request body kept up to a limit; past it, only counted. Used on one I/O thread. */
    private static final class BoundedBody {

        private final int limit;
        private final java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        private long received;

        BoundedBody(int limit) {
            this.limit = limit;
        }

        void add(byte[] part) {
            received += part.length;
            if (received <= limit) {
                bytes.write(part, 0, part.length);
            }
        }

        boolean overLimit() {
            return received > limit;
        }

        long received() {
            return received;
        }

        byte[] bytes() {
            return bytes.toByteArray();
        }
    }

    private static boolean causedBy(Throwable failure, Class<? extends Throwable> type) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (type.isInstance(t)) {
                return true;
            }
        }
        return false;
    }

    private HttpHandler withoutBody(String route, Doors.Action action) {
        return ex -> ex.dispatch(workers, () -> run(ex, route, caller -> action.handle(ex, caller)));
    }

    @FunctionalInterface
    private interface CallerAction {
        void handle(Caller caller) throws Exception;
    }

    /** Runs on a worker: authenticates, runs the action, maps every failure to its answer. */
    private void run(HttpServerExchange ex, String route, CallerAction action) {
        Timer.Sample sample = Timer.start(metrics);
        ex.addExchangeCompleteListener((done, next) -> {
            sample.stop(metrics.timer(METRIC_REQUESTS, "route", route, "status", String.valueOf(done.getStatusCode())));
            next.proceed();
        });
        try {
            Caller caller = auth.authenticate(ex.getRequestHeaders().getFirst(Headers.AUTHORIZATION),
                    ex.getRequestHeaders().getFirst("X-Device-Id"));
            Limit limit = ROUTE_LIMITS.get(route);
            if (limit != null) {
                // Before validation: a refused request is not read further and produces nothing (429).
                rateLimiter.check(limit, caller.userId(), ex.getSourceAddress().getHostString());
            }
            action.handle(caller);
        } catch (Exception e) {
            respondError(ex, route, e);
        }
    }

    private void respondError(HttpServerExchange ex, String route, Throwable failure) {
        Throwable e = failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
        if (e instanceof ApiException api) {
            ApiAnswers.error(ex, api);
        } else if (e instanceof AuthenticationException auth) {
            ApiAnswers.unauthorized(ex, auth);
        } else if (e instanceof IllegalArgumentException bad) {
            ApiAnswers.error(ex, 400, "invalid_request", bad.getMessage());
        } else if (e instanceof DriverException db) {
            log.warn("{}: store unavailable: {}", route, db.toString());
            ApiAnswers.error(ex, 503, "store_unavailable", "history is temporarily unavailable; retry later");
        } else if (e instanceof KafkaException kafka && !(e instanceof SerializationException)) {
            log.warn("{}: Kafka unavailable: {}", route, kafka.toString());
            ApiAnswers.error(ex, 503, "kafka_unavailable", "the message was not accepted; retry with the same client_msg_id");
        } else {
            log.error("{}: unexpected failure", route, e);
            ApiAnswers.error(ex, 500, "internal_error", "unexpected error; it has been logged");
        }
    }

    /**
     * Produces the command, identified by the caller's {@code Idempotency-Key} if it sent one, and
     * answers 202, or routing's decision if the caller asked to wait ({@link CommandAnswers}).
     */
    private void accept(HttpServerExchange ex, CommandFactory.Accepted accepted) {
        CommandFactory.Accepted identified = RequestIds.apply(accepted, ex.getRequestHeaders().getFirst(RequestIds.HEADER));
        answers.answer(ex, identified, failure -> respondError(ex, "publish", failure));
    }

    private void history(HttpServerExchange ex, Caller caller) {
        String conversationId = Parameters.pathParam(ex, "id");
        CommandFactory.requireConversation(conversationId);
        int limit = pageSize(ex);
        OptionalLong before = Parameters.longParam(ex, "before");
        OptionalLong after = Parameters.longParam(ex, "after");
        if (before.isPresent() && after.isPresent()) {
            throw ApiException.badRequest("invalid_parameter", "give before or after, not both");
        }
        ChatRepository.Order order = switch (Parameters.stringParam(ex, "order", "newest")) {
            case "newest" -> ChatRepository.Order.NEWEST_FIRST;
            case "oldest" -> ChatRepository.Order.OLDEST_FIRST;
            default -> throw ApiException.badRequest("invalid_parameter", "order must be newest or oldest");
        };
        ConversationSummary membership = membership(caller, conversationId);
        // A member who left sees history up to the seq they left at, nothing newer.
        long visibleUpTo = membership.active() ? Long.MAX_VALUE : membership.lastSeq();
        HistoryPage page;
        if (after.isPresent()) {
            page = repository.history(conversationId, ChatRepository.Direction.AFTER, after.getAsLong(), limit, order);
        } else {
            long from = Math.min(before.orElse(Long.MAX_VALUE), visibleUpTo == Long.MAX_VALUE ? Long.MAX_VALUE : visibleUpTo + 1);
            page = from == Long.MAX_VALUE
                    ? repository.latest(conversationId, limit, order)
                    : repository.history(conversationId, ChatRepository.Direction.BEFORE, from, limit, order);
        }
        ObjectNode body = ApiJson.JSON.createObjectNode().put("conversation_id", conversationId);
        ArrayNode events = body.putArray("events");
        boolean cut = false;
        for (StoredEvent e : page.events()) {
            if (e.seq() > visibleUpTo) {
                cut = true;
                continue;
            }
            events.add(eventJson(e));
        }
        body.put("has_more", page.hasMore() && !cut);
        ApiAnswers.json(ex, 200, body);
    }

    private void conversations(HttpServerExchange ex, Caller caller) {
        int limit = limit(ex, ChatRepository.MAX_CONVERSATIONS);
        ObjectNode body = ApiJson.JSON.createObjectNode();
        ArrayNode list = body.putArray("conversations");
        for (ConversationSummary c : repository.conversations(caller.userId(), limit)) {
            list.add(ApiJson.JSON.valueToTree(c));
        }
        ApiAnswers.json(ex, 200, body);
    }

    private void sync(HttpServerExchange ex, Caller caller) {
        long since = Parameters.longParam(ex, "since").orElse(0);
        SyncPage page = repository.sync(caller.userId(), since, pageSize(ex));
        ObjectNode body = ApiJson.JSON.createObjectNode();
        ArrayNode entries = body.putArray("entries");
        for (StoredInboxEntry e : page.entries()) {
            entries.add(EventJson.toJson(inbox.valueSerde().deserializer().deserialize(inbox.name(), bytes(e.entry()))));
        }
        body.put("latest_inbox_seq", page.latestInboxSeq()).put("has_more", page.hasMore());
        ApiAnswers.json(ex, 200, body);
    }

    /** {@code POST /v1/conversations/{id}/read}: a ReadUpTo receipt; fanout moves the read position. */
    private void markRead(HttpServerExchange ex, Caller caller, byte[] body) {
        String conversationId = Parameters.pathParam(ex, "id");
        CommandFactory.requireConversation(conversationId);
        Requests.MarkRead request = ApiJson.read(body, Requests.MarkRead.class);
        if (request.seq() == null || request.seq() < 1) {
            throw ApiException.badRequest("missing_field", "seq (1 or more) is required");
        }
        if (request.seq() > Parameters.MAX_INTEGER) {
            throw ApiException.badRequest("invalid_field", "seq must be at most " + Parameters.MAX_INTEGER);
        }
        currentMembership(caller, conversationId);
        Receipt receipt = ReceiptFactory.readUpTo(caller, conversationId, request.seq(), clock.instant());
        ex.dispatch(SameThreadExecutor.INSTANCE, () -> receipts.publish(conversationId, receipt).whenComplete((metadata, failure) -> {
            if (failure != null) {
                respondError(ex, "mark_read", failure);
            } else {
                ApiAnswers.json(ex, 202, ApiJson.JSON.createObjectNode().put("conversation_id", conversationId)
                        .put("read_seq", request.seq()));
            }
        }));
    }

    /**
     * {@code GET /v1/conversations/{id}/members?after=&limit=}: current members, paged by user id; for
     * current members only (who joins after one leaves is none of one's business).
     */
    private void members(HttpServerExchange ex, Caller caller) {
        String conversationId = Parameters.pathParam(ex, "id");
        CommandFactory.requireConversation(conversationId);
        String after = Parameters.stringParam(ex, "after", "");
        if (!after.isEmpty() && !dev.kchat.schemas.Ids.isUserId(after)) {
            throw ApiException.badRequest("invalid_parameter", "after must be a user id (the next_after of the previous page)");
        }
        int limit = pageSize(ex);
        currentMembership(caller, conversationId);
        MemberPage page = repository.members(conversationId, after, limit);
        ObjectNode body = ApiJson.JSON.createObjectNode().put("conversation_id", conversationId);
        ArrayNode members = body.putArray("members");
        page.members().forEach(m -> members.addObject().put("user_id", m.userId()).put("role", m.role())
                .put("joined_seq", m.joinedSeq()));
        body.put("next_after", page.nextAfter());
        ApiAnswers.json(ex, 200, body);
    }

    /**
     * {@code GET /v1/conversations/{id}/messages/{seq}/receipts}: who read and who received one's own
     * message ("Message info"), from the positions the store keeps. Current members only, and only the
     * message's author: who read a message is the author's to know.
     */
    private void receipts(HttpServerExchange ex, Caller caller) {
        String conversationId = Parameters.pathParam(ex, "id");
        CommandFactory.requireConversation(conversationId);
        long seq = seqParam(ex);
        ConversationSummary membership = currentMembership(caller, conversationId);
        StoredEvent message = repository.event(conversationId, seq)
                .filter(e -> MESSAGE_POSTED.equals(e.eventType()))
                .orElseThrow(() -> ApiException.notFound("message_not_found",
                        "no message at seq " + seq + " in '" + conversationId + "'"));
        if (!caller.userId().equals(message.actorId())) {
            throw new ApiException(403, "not_author", "only the author of a message sees who read it");
        }
        MessageReceipts found;
        try {
            found = repository.receipts(conversationId, seq, caller.userId(), receiptQueries.maxMembers(),
                    receiptQueries.parallelism());
        } catch (ChatRepository.TooManyMembersException e) {
            throw new ApiException(422, "conversation_too_large", "receipts are answered for conversations of up to "
                    + e.limit() + " members; use the counts in MessageStatusChanged");
        }
        // Delivered positions are stored only where fanout sends per-recipient statuses.
        boolean deliveredPerMember = "DIRECT".equals(membership.kind()) || found.currentMembers() <= receiptQueries.perRecipientMax();
        int known = found.read().size() + found.delivered().size();
        ObjectNode body = ApiJson.JSON.createObjectNode().put("conversation_id", conversationId).put("seq", seq);
        userList(body.putArray("read"), found.read());
        userList(body.putArray("delivered"), found.delivered());
        userList(body.putArray("pending"), found.pending());
        body.put("delivered_per_member", deliveredPerMember)
                .put("read_count", found.read().size())
                .put("delivered_count", deliveredPerMember || found.countsDelivered() == null
                        ? known : Math.max(known, found.countsDelivered()));
        ApiAnswers.json(ex, 200, body);
    }

    private static void userList(ArrayNode into, List<String> userIds) {
        userIds.forEach(u -> into.addObject().put("user_id", u));
    }

    private static long seqParam(HttpServerExchange ex) {
        return Parameters.seqPathParam(ex, "seq");
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

    private ConversationSummary membership(Caller caller, String conversationId) {
        Optional<ConversationSummary> found = repository.membership(caller.userId(), conversationId);
        // Not a member (or unknown): 404 either way, so ids cannot be probed.
        return found.orElseThrow(() -> ApiException.notFound("conversation_not_found",
                "no conversation '" + conversationId + "' that you are a member of"));
    }

    /**
     * The caller's line for a conversation they are a member of now; {@code 403 not_a_member} if they
     * left or were removed (they know the conversation, so 403 tells them nothing new), 404 as above.
     */
    private ConversationSummary currentMembership(Caller caller, String conversationId) {
        ConversationSummary membership = membership(caller, conversationId);
        if (!membership.active()) {
            throw new ApiException(403, "not_a_member", "you are no longer a member of '" + conversationId + "'");
        }
        return membership;
    }

    private int pageSize(HttpServerExchange ex) {
        return limit(ex, limits.maxPageSize());
    }

    /** The {@code limit} parameter (50 when absent), at least 1, capped at {@code max}. */
    private static int limit(HttpServerExchange ex, int max) {
        long limit = Parameters.longParam(ex, "limit").orElse(50);
        if (limit < 1) {
            throw ApiException.badRequest("invalid_parameter", "limit must be at least 1");
        }
        return (int) Math.min(limit, max);
    }

    private static ObjectNode eventJson(StoredEvent e) {
        ObjectNode node = ApiJson.JSON.valueToTree(e);
        node.remove("event");
        return node;
    }

    private static byte[] bytes(ByteBuffer buffer) {
        ByteBuffer copy = buffer.duplicate();
        byte[] out = new byte[copy.remaining()];
        copy.get(out);
        return out;
    }
}
