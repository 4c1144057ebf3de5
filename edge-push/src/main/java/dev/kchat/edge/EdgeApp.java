package dev.kchat.edge;

import com.datastax.oss.driver.api.core.CqlSession;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kchat.api.ApiException;
import dev.kchat.api.ApiJson;
import dev.kchat.api.CommandFactory;
import dev.kchat.api.CommandPublisher;
import dev.kchat.api.EdgeDirectory;
import dev.kchat.api.Requests;
import dev.kchat.api.auth.JwtAuthenticator;
import dev.kchat.api.presence.PresenceClient;
import dev.kchat.api.auth.JwtAuthenticator.AuthenticationException;
import dev.kchat.api.auth.JwtAuthenticator.Caller;
import dev.kchat.events.chat.InboxEntry;
import dev.kchat.events.platform.ProcessingError;
import dev.kchat.events.presence.PresenceState;
import dev.kchat.schemas.json.EventJson;
import dev.kchat.schemas.registry.HttpSchemaRegistryClient;
import dev.kchat.schemas.topic.Topics;
import dev.kchat.service.AdminServer;
import dev.kchat.service.Health;
import dev.kchat.service.Metrics;
import dev.kchat.service.Settings;
import dev.kchat.store.cql.CqlConfig;
import dev.kchat.store.cql.CqlSessions;
import dev.kchat.store.read.ChatRepository;
import dev.kchat.store.read.ConversationSummary;
import dev.kchat.store.read.StoredInboxEntry;
import dev.kchat.store.read.SyncPage;
import io.micrometer.core.instrument.Counter;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.undertow.Handlers;
import io.undertow.Undertow;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.AttachmentKey;
import io.undertow.util.Headers;
import io.undertow.websockets.WebSocketConnectionCallback;
import io.undertow.websockets.core.AbstractReceiveListener;
import io.undertow.websockets.core.BufferedTextMessage;
import io.undertow.websockets.core.CloseMessage;
import io.undertow.websockets.core.WebSocketChannel;
import io.undertow.websockets.spi.WebSocketHttpExchange;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.ByteBuffer;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A WebSocket edge: the composition root of the edge and the protocol of docs/edge-protocol.md.
 *
 * <p>I/O threads parse frames and hand anything blocking (store reads, Kafka sends) to the worker
 * executor; the inbox and broadcast consumers each run on their own thread.
 */
public final class EdgeApp implements AutoCloseable, Session.SessionHost {

    private static final Logger log = LoggerFactory.getLogger(EdgeApp.class);
    /** Users one connection may watch the presence of (lazy presence: the ones on screen). */
    static final int MAX_PRESENCE_SUBSCRIPTIONS = 200;
    private static final AttachmentKey<Caller> CALLER = AttachmentKey.create(Caller.class);
    private static final int CATCH_UP_PAGE = 200;
    private static final Duration CATCH_UP_RETRY = Duration.ofMillis(100);
    /** Pause of a replay while its client reads what was written (see {@link Session#applyCatchUp}). */
    private static final Duration CATCH_UP_PAUSE = Duration.ofMillis(10);
    /**
     * How long clients of a partition this edge lost wait for the group to name its new owner before
     * they are told to reconnect without one. Cooperative rebalancing revokes a partition one round
     * before it assigns it elsewhere, so at revocation the new owner is not known yet.
     */
    private static final Duration NEW_OWNER_WAIT = Duration.ofSeconds(5);
    private static final Duration NEW_OWNER_POLL = Duration.ofMillis(200);
    /** How long a stopping edge waits for its clients to receive the close frame. */
    private static final Duration SHUTDOWN_GRACE = Duration.ofSeconds(3);

    private final EdgeConfig config;
    private final Topics topics;
    private final ChatRepository repository;
    private final JwtAuthenticator auth;
    private final CommandFactory commandFactory;
    private final CommandPublisher commands;
    private final KafkaProducer<String, ProcessingError> errorProducer;
    private final InboxDispatcher dispatcher;
    private final LiveHub live;
    private final PresenceLookup presence;
    private final ClientSignals signals;
    private final EdgeDirectory directory;
    private final Admin admin;
    private final ScheduledExecutorService workers;
    private final Set<Session> sessions = ConcurrentHashMap.newKeySet();
    private final Map<Session, Long> catchUpDeadlines = new ConcurrentHashMap<>();
    /** Sessions of lost partitions waiting to learn the new owner, with the deadline of that wait. */
    private final Map<Session, Long> relocating = new ConcurrentHashMap<>();
    private final AtomicBoolean relocationScheduled = new AtomicBoolean();
    private final AtomicBoolean stopping = new AtomicBoolean();
    private final PrometheusMeterRegistry metrics;
    private final Counter slowClosed;
    private final Counter framesIn;
    private final Counter busyRefused;
    private final Counter helloTimedOut;
    /** Sessions between the upgrade and their set-up (ready, redirect or close). */
    private final AtomicInteger settingUp = new AtomicInteger();
    private Undertow server;
    private AdminServer adminServer;
    private int port;
    private final String edgeUrl;

    private EdgeApp(EdgeConfig config, Topics topics, CqlSession session, String keyspace) {
        this.config = config;
        this.topics = topics;
        this.metrics = Metrics.newRegistry("edge-push");
        this.repository = new ChatRepository(session, keyspace);
        this.auth = new JwtAuthenticator(config.auth());
        this.commandFactory = new CommandFactory(config.limits());
        String clientId = EdgeDirectory.clientIdOf(config.advertisedHost(), config.port());
        this.edgeUrl = EdgeDirectory.urlOf(clientId).orElseThrow();
        this.commands = new CommandPublisher(config.bootstrapServers(), topics.commands(), clientId + "_commands");
        this.errorProducer = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, config.bootstrapServers(),
                ProducerConfig.ACKS_CONFIG, "all"), topics.errors().keySerde().serializer(), topics.errors().valueSerde().serializer());
        this.dispatcher = new InboxDispatcher(config.bootstrapServers(), config.groupId(), clientId, topics.inbox(),
                topics.errors(), errorProducer, metrics);
        this.live = new LiveHub(config.bootstrapServers(), clientId + "_live", topics, metrics);
        this.presence = config.presenceUrl().map(url -> presenceLookup(new PresenceClient(URI.create(url),
                Duration.ofSeconds(2)))).orElse(null);
        this.signals = new ClientSignals(config.bootstrapServers(), topics, clientId, metrics, Clock.systemUTC());
        this.admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, config.bootstrapServers(),
                AdminClientConfig.CLIENT_ID_CONFIG, clientId + "_directory"));
        this.directory = new EdgeDirectory(admin, config.groupId(), topics.inbox().name(), topics.inbox().partitions(), Clock.systemUTC());
        // The group's assignment just changed: answers cached from before it are not to be given out.
        dispatcher.onRebalance(directory::invalidate);
        AtomicInteger n = new AtomicInteger();
        this.workers = Executors.newScheduledThreadPool(config.workerThreads(), r -> new Thread(r, "edge-worker-" + n.incrementAndGet()));
        this.slowClosed = metrics.counter("kchat.edge.closed", "reason", "slow_consumer");
        this.framesIn = metrics.counter("kchat.edge.frames.in");
        metrics.gauge("kchat.edge.connections", sessions, Set::size);
        this.busyRefused = metrics.counter("kchat.edge.upgrades.refused", "reason", "edge_busy");
        this.helloTimedOut = metrics.counter("kchat.edge.closed", "reason", "hello_timeout");
        metrics.gauge("kchat.edge.sessions.setting.up", settingUp, AtomicInteger::get);
    }

    /**
     * Starts an edge: joins the edges' group, waits for its first assignment, then listens.
     * The CQL session is the caller's and is not closed by {@link #close()}.
     */
    public static EdgeApp start(EdgeConfig config, Topics topics, CqlSession session, String keyspace) {
        EdgeApp app = new EdgeApp(config, topics, session, keyspace);
        app.startAll();
        return app;
    }

    private void startAll() {
        commands.warmUp();
        Thread inbox = new Thread(dispatcher, "edge-inbox-consumer");
        inbox.start();
        Thread broadcast = new Thread(live, "edge-live-consumer");
        broadcast.start();
        try {
            if (!dispatcher.awaitAssignment(Duration.ofSeconds(60))) {
                throw new IllegalStateException("edge got no partition assignment from group " + config.groupId() + " within 60 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while joining the edges' group", e);
        }
        HttpHandler routes = Handlers.routing()
                .get("/v1/ws", authenticated(admitted(Handlers.websocket(this::onConnect))))
                .get("/v1/poll", authenticated(this::poll))
                .get("/v1/edge", authenticated(this::locate))
                .get("/", this::chatPage)
                .setFallbackHandler(ex -> error(ex, 404, "not_found", "no such endpoint: " + ex.getRequestPath()));
        server = Undertow.builder()
                .addHttpListener(config.port(), config.host())
                .setIoThreads(config.ioThreads())
                .setWorkerThreads(2)
                .setSocketOption(org.xnio.Options.BACKLOG, 4096)
                .setHandler(routes)
                .build();
        server.start();
        port = ((InetSocketAddress) server.getListenerInfo().get(0).getAddress()).getPort();
        Map<String, Health.Check> checks = new LinkedHashMap<>();
        checks.put("inbox-consumer", () -> dispatcher.isRunning()
                ? Health.up("owns partitions " + dispatcher.ownedPartitions()) : Health.down("inbox consumer stopped"));
        checks.put("connections", () -> Health.up(sessions.size() + " open"));
        adminServer = AdminServer.start(config.host(), config.adminPort(), metrics, checks);
        log.info("edge {} on ws://{}:{}/v1/ws owns inbox partitions {}", edgeUrl, config.advertisedHost(), port,
                dispatcher.ownedPartitions());
    }

    public int port() {
        return port;
    }

    public String url() {
        return edgeUrl;
    }

    public int adminPort() {
        return adminServer.port();
    }

    public Set<Integer> ownedPartitions() {
        return dispatcher.ownedPartitions();
    }

    public int connections() {
        return sessions.size();
    }

    // ---------------------------------------------------------------- HTTP side

    /** Authenticates a request by header or {@code access_token} query parameter (browsers' WebSockets cannot set headers). */
    private HttpHandler authenticated(HttpHandler next) {
        return ex -> {
            String header = ex.getRequestHeaders().getFirst(Headers.AUTHORIZATION);
            if (header == null) {
                Deque<String> token = ex.getQueryParameters().get("access_token");
                header = token == null || token.isEmpty() ? null : "Bearer " + token.getFirst();
            }
            try {
                ex.putAttachment(CALLER, auth.authenticate(header, ex.getRequestHeaders().getFirst("X-Device-Id")));
            } catch (AuthenticationException e) {
                ex.getResponseHeaders().put(Headers.WWW_AUTHENTICATE, "Bearer");
                error(ex, 401, e.code(), e.getMessage());
                return;
            }
            next.handleRequest(ex);
        };
    }

    /**
     * Admission: while {@code edge.max.session.setups} sessions are between their upgrade and their
     * {@code ready} (or redirect), new upgrades are refused with 503 {@code edge_busy} and a
     * Retry-After, before any WebSocket state exists. A mass reconnect (an edge restart moves its
     * clients at once) then backs off instead of queueing sessions that time out and come back. The
     * bound is approximate: upgrades checked at the same moment may pass together.
     */
    private HttpHandler admitted(HttpHandler next) {
        return ex -> {
            if (settingUp.get() >= config.maxSessionSetUps()) {
                busyRefused.increment();
                ex.getResponseHeaders().put(Headers.RETRY_AFTER, "1");
                error(ex, 503, "edge_busy", "this edge is setting up " + config.maxSessionSetUps()
                        + " sessions; retry after a short random pause");
                return;
            }
            next.handleRequest(ex);
        };
    }

    private static void error(HttpServerExchange ex, int status, String code, String message) {
        ObjectNode body = ApiJson.JSON.createObjectNode();
        body.putObject("error").put("code", code).put("message", message);
        json(ex, status, body);
    }

    private static void json(HttpServerExchange ex, int status, JsonNode body) {
        ex.setStatusCode(status);
        ex.getResponseHeaders().put(Headers.CONTENT_TYPE, "application/json; charset=utf-8");
        ex.getResponseSender().send(body.toString());
    }

    /**
     * {@code GET /v1/edge}. This edge answers for its own partitions from its assignment (the group's
     * description may lag a rebalance); for the others it asks the directory, off the I/O thread.
     */
    private void locate(HttpServerExchange ex) {
        Caller caller = ex.getAttachment(CALLER);
        int partition = EdgeDirectory.partitionOf(caller.userId(), topics.inbox().partitions());
        if (dispatcher.owns(caller.userId())) {
            answerLocation(ex, caller, partition, edgeUrl);
            return;
        }
        ex.dispatch(workers, () -> {
            try {
                String owner = ownerElsewhere(caller.userId());
                if (owner == null) {
                    error(ex, 503, "no_edge", "no edge serves partition " + partition + " right now; retry shortly");
                    return;
                }
                answerLocation(ex, caller, partition, owner);
            } catch (RuntimeException e) {
                log.warn("edge directory unavailable: {}", e.toString());
                error(ex, 503, "directory_unavailable", "the edge directory is unavailable; retry shortly");
            }
        });
    }

    private static void answerLocation(HttpServerExchange ex, Caller caller, int partition, String edge) {
        json(ex, 200, ApiJson.JSON.createObjectNode().put("user_id", caller.userId()).put("partition", partition).put("edge", edge));
    }

    /**
     * The edge serving a user that this edge does not serve, or null while no other edge does. A
     * cached answer naming this edge is stale (it lost the partition), so the group is read again.
     * Blocks on the Admin client: workers only.
     */
    private String ownerElsewhere(String userId) {
        String owner = directory.locate(userId).edgeUrl().orElse(null);
        if (edgeUrl.equals(owner)) {
            owner = directory.locateNow(userId).edgeUrl().orElse(null);
        }
        return edgeUrl.equals(owner) ? null : owner;
    }

    /** {@link #ownerElsewhere} for paths that can do without the answer (the client then asks GET /v1/edge). */
    private String ownerElsewhereIfKnown(String userId) {
        try {
            return ownerElsewhere(userId);
        } catch (RuntimeException e) {
            log.warn("edge directory unavailable, answering without the owner of {}: {}", userId, e.toString());
            return null;
        }
    }

    /** A minimal browser client of the protocol, for trying the platform locally. */
    private void chatPage(HttpServerExchange ex) throws java.io.IOException {
        try (java.io.InputStream in = EdgeApp.class.getResourceAsStream("chat.html")) {
            ex.getResponseHeaders().put(Headers.CONTENT_TYPE, "text/html; charset=utf-8");
            ex.getResponseSender().send(new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8));
        }
    }

    // ---------------------------------------------------------------- long poll

    /**
     * {@code GET /v1/poll?since=N&timeout_ms=T}: the entries after N, waiting up to T for the first
     * one. For clients that cannot keep a WebSocket open.
     */
    private void poll(HttpServerExchange ex) {
        Caller caller = ex.getAttachment(CALLER);
        long since;
        long timeoutMs;
        try {
            since = longParam(ex, "since", 0);
            timeoutMs = Math.min(longParam(ex, "timeout_ms", config.longPollMax().toMillis()), config.longPollMax().toMillis());
        } catch (ApiException e) {
            error(ex, e.status(), e.code(), e.getMessage());
            return;
        }
        if (!dispatcher.owns(caller.userId())) {
            ex.dispatch(workers, () -> wrongEdge(ex, caller));
            return;
        }
        ex.dispatch(workers, () -> {
            List<InboxEntry> ready = contiguousAfter(caller.userId(), since);
            if (!ready.isEmpty()) {
                answerPoll(ex, since, ready);
                return;
            }
            AtomicBoolean answered = new AtomicBoolean();
            InboxListener waiter = new InboxListener() {
                @Override
                public String userId() {
                    return caller.userId();
                }

                @Override
                public void onLive(InboxEntry entry) {
                    if (entry.getInboxSeq() > since && answered.compareAndSet(false, true)) {
                        dispatcher.unregister(this);
                        workers.execute(() -> answerPoll(ex, since, contiguousAfter(caller.userId(), since)));
                    }
                }

                @Override
                public void onPartitionLost() {
                    if (answered.compareAndSet(false, true)) {
                        dispatcher.unregister(this);
                        workers.execute(() -> wrongEdge(ex, caller));
                    }
                }
            };
            dispatcher.register(waiter);
            workers.schedule(() -> {
                if (answered.compareAndSet(false, true)) {
                    dispatcher.unregister(waiter);
                    answerPoll(ex, since, List.of());
                }
            }, timeoutMs, TimeUnit.MILLISECONDS);
        });
    }

    /** The user's entries after {@code since} with no gap: from the store, then from what this edge just consumed. */
    private List<InboxEntry> contiguousAfter(String userId, long since) {
        List<InboxEntry> out = new ArrayList<>();
        long last = since;
        SyncPage page = repository.sync(userId, since, CATCH_UP_PAGE);
        for (StoredInboxEntry stored : page.entries()) {
            InboxEntry e = decode(stored);
            if (e.getInboxSeq() == last + 1) {
                out.add(e);
                last = e.getInboxSeq();
            }
        }
        for (InboxEntry e : dispatcher.recentFor(userId)) {
            if (e.getInboxSeq() == last + 1) {
                out.add(e);
                last = e.getInboxSeq();
            }
        }
        return out;
    }

    private void answerPoll(HttpServerExchange ex, long since, List<InboxEntry> entries) {
        ObjectNode body = ApiJson.JSON.createObjectNode();
        ArrayNode array = body.putArray("entries");
        entries.forEach(e -> array.add(EventJson.toJson(e)));
        body.put("inbox_seq", entries.isEmpty() ? since : entries.get(entries.size() - 1).getInboxSeq());
        json(ex, 200, body);
    }

    private void wrongEdge(HttpServerExchange ex, Caller caller) {
        ObjectNode body = ApiJson.JSON.createObjectNode();
        ObjectNode err = body.putObject("error").put("code", "wrong_edge").put("message", "another edge serves you");
        String owner = ownerElsewhereIfKnown(caller.userId());
        if (owner != null) {
            err.put("edge", owner);
        }
        json(ex, 409, body);
    }

    private static long longParam(HttpServerExchange ex, String name, long defaultValue) {
        Deque<String> values = ex.getQueryParameters().get(name);
        if (values == null || values.isEmpty()) {
            return defaultValue;
        }
        try {
            long v = Long.parseLong(values.getFirst());
            if (v < 0) {
                throw new NumberFormatException();
            }
            return v;
        } catch (NumberFormatException e) {
            throw ApiException.badRequest("invalid_parameter", name + " must be a non-negative integer");
        }
    }

    // ---------------------------------------------------------------- WebSocket side

    private void onConnect(WebSocketHttpExchange exchange, WebSocketChannel channel) {
        Caller caller = exchange.getAttachment(CALLER);
        Session session = new Session(channel, caller, config.maxQueuedFrames(), this);
        settingUp.incrementAndGet();
        if (stopping.get()) {
            session.send(Frames.reconnect("edge_shutdown", null));
            session.close(Frames.CLOSE_GOING_AWAY, "edge shutting down");
            return;
        }
        sessions.add(session);
        channel.setIdleTimeout(config.idleTimeout().toMillis());
        channel.getReceiveSetter().set(new AbstractReceiveListener() {
            @Override
            protected void onFullTextMessage(WebSocketChannel ch, BufferedTextMessage message) {
                framesIn.increment();
                onFrame(session, message.getData());
            }

            @Override
            protected void onCloseMessage(CloseMessage cm, WebSocketChannel ch) {
                session.closedByPeer();
            }

            @Override
            protected void onError(WebSocketChannel ch, Throwable error) {
                log.debug("WebSocket of {} failed: {}", session, error.toString());
                session.closedByPeer();
                super.onError(ch, error);
            }
        });
        channel.addCloseTask(ch -> session.closedByPeer());
        channel.resumeReceives();
        workers.schedule(() -> {
            if (session.state() == Session.State.AWAITING_HELLO) {
                helloTimedOut.increment();
                session.send(Frames.error("hello_timeout", "send hello within " + config.helloTimeout().toSeconds()
                        + " s of connecting", null));
                session.close(Frames.CLOSE_PROTOCOL_ERROR, "hello_timeout");
            }
        }, config.helloTimeout().toMillis(), TimeUnit.MILLISECONDS);
    }

    private void onFrame(Session session, String text) {
        String ref = null;
        try {
            if (text.length() > config.limits().maxBodyBytes()) {
                throw ApiException.badRequest("frame_too_large", "frames are limited to " + config.limits().maxBodyBytes() + " bytes");
            }
            JsonNode frame = ApiJson.tree(text);
            if (!frame.isObject() || !frame.path("type").isTextual()) {
                throw ApiException.badRequest("invalid_frame", "a frame is a JSON object with a string \"type\"");
            }
            ObjectNode fields = ((ObjectNode) frame).deepCopy();
            String type = fields.remove("type").asText();
            ref = fields.path("client_msg_id").asText(null);
            switch (type) {
                case "hello" -> hello(session, fields);
                case "ack" -> ack(session, requireLong(fields, "inbox_seq"));
                case "ping" -> ping(session);
                case "send" -> send(session, fields);
                case "read" -> read(session, fields);
                case "typing" -> typing(session, fields);
                case "set_status" -> setStatus(session, fields);
                case "subscribe_presence" -> subscribePresence(session, fields, true);
                case "unsubscribe_presence" -> subscribePresence(session, fields, false);
                default -> throw ApiException.badRequest("unknown_frame", "unknown frame type '" + type + "'");
            }
        } catch (ApiException e) {
            session.send(Frames.error(e.code(), e.getMessage(), ref));
        } catch (RuntimeException e) {
            log.error("frame of {} failed", session, e);
            session.send(Frames.error("internal_error", "unexpected error; it has been logged", ref));
        }
    }

    private void hello(Session session, ObjectNode fields) {
        long since = fields.has("since_inbox_seq") ? requireLong(fields, "since_inbox_seq") : 0;
        String device = fields.path("device_id").asText(null);
        if (device != null && !dev.kchat.schemas.Ids.isUserId(device)) {
            throw ApiException.badRequest("invalid_device", "device_id must be 1-64 characters of [A-Za-z0-9_.-]");
        }
        if (session.state() != Session.State.AWAITING_HELLO) {
            throw ApiException.badRequest("duplicate_hello", "hello was already received on this connection");
        }
        if (!dispatcher.owns(session.userId())) {
            workers.execute(() -> {
                String owner = ownerElsewhereIfKnown(session.userId());
                session.send(owner == null ? Frames.reconnect("wrong_edge", null) : Frames.redirect(owner));
                session.close(Frames.CLOSE_WRONG_EDGE, "wrong_edge");
            });
            return;
        }
        dispatcher.register(session);
        if (!session.hello(device, since)) {
            throw ApiException.badRequest("duplicate_hello", "hello was already received on this connection");
        }
        String platform = fields.path("platform").asText(null);
        workers.execute(() -> {
            signals.opened(session, platform);
            try {
                subscribeConversations(session);
            } catch (RuntimeException e) {
                log.warn("{}: cannot load its conversations: {}", session, e.toString());
            }
        });
    }

    private void requireHello(Session session) {
        if (session.state() == Session.State.AWAITING_HELLO) {
            throw ApiException.badRequest("hello_first", "send hello before anything else");
        }
    }

    /** {@code ack}: report Delivered for the messages of others it newly covers. */
    private void ack(Session session, long inboxSeq) {
        requireHello(session);
        List<Session.Delivery> delivered = session.ack(inboxSeq);
        if (!delivered.isEmpty()) {
            workers.execute(() -> delivered.forEach(d -> signals.delivered(session, d)));
        }
    }

    private void ping(Session session) {
        session.send(Frames.pong());
        if (session.state() != Session.State.AWAITING_HELLO) {
            workers.execute(() -> signals.heartbeat(session));
        }
    }

    /** {@code read {conversation_id, seq}}: everything up to seq is read (on this and every device). */
    private void read(Session session, ObjectNode fields) {
        requireHello(session);
        String conversationId = requireConversation(fields);
        long seq = requireLong(fields, "seq");
        if (seq < 1) {
            throw ApiException.badRequest("invalid_field", "seq must be 1 or more");
        }
        workers.execute(() -> signals.read(session, conversationId, seq));
    }

    /** {@code typing {conversation_id, typing}}: ephemeral, to the other members' devices; throttled. */
    private void typing(Session session, ObjectNode fields) {
        requireHello(session);
        String conversationId = requireConversation(fields);
        JsonNode typing = fields.get("typing");
        if (typing == null || !typing.isBoolean()) {
            throw ApiException.badRequest("invalid_field", "typing must be true or false");
        }
        if (!live.isSubscribed(conversationId, session)) {
            throw ApiException.notFound("conversation_not_found", "you are not a member of '" + conversationId + "'");
        }
        workers.execute(() -> signals.typing(session, conversationId, typing.asBoolean()));
    }

    /** {@code set_status {status: online|idle|dnd}}: the status others see while this user is connected. */
    private void setStatus(Session session, ObjectNode fields) {
        requireHello(session);
        String status = fields.path("status").asText("");
        PresenceState state = switch (status) {
            case "online" -> PresenceState.ONLINE;
            case "idle" -> PresenceState.IDLE;
            case "dnd" -> PresenceState.DND;
            default -> throw ApiException.badRequest("invalid_field", "status must be online, idle or dnd");
        };
        workers.execute(() -> signals.status(session, state));
    }

    /** {@code subscribe_presence {users}}: lazy presence, capped per connection; answers current states first. */
    private void subscribePresence(Session session, ObjectNode fields, boolean subscribe) {
        requireHello(session);
        JsonNode users = fields.get("users");
        if (users == null || !users.isArray() || users.isEmpty()) {
            throw ApiException.badRequest("invalid_field", "users must be a non-empty array of user ids");
        }
        List<String> ids = new ArrayList<>();
        for (JsonNode u : users) {
            if (!u.isTextual() || !dev.kchat.schemas.Ids.isUserId(u.asText())) {
                throw ApiException.badRequest("invalid_user_id", "users contains " + u + ", which is not a user id");
            }
            ids.add(u.asText());
        }
        if (!subscribe) {
            ids.forEach(id -> session.unwatch(id, live));
            return;
        }
        if (!session.watch(ids, MAX_PRESENCE_SUBSCRIPTIONS, live)) {
            throw ApiException.badRequest("too_many_subscriptions", "at most " + MAX_PRESENCE_SUBSCRIPTIONS
                    + " presence subscriptions per connection");
        }
        if (presence != null) {
            workers.execute(() -> presence.currentFrames(ids).forEach(session::sendLive));
        }
    }

    /** Current presence from the presence app; a failure leaves the subscriber to the change stream. */
    private static PresenceLookup presenceLookup(PresenceClient client) {
        return users -> {
            try {
                return client.query(users).values().stream().map(p -> Frames.presence(p.userId(), p.state().name(),
                        p.lastActiveAt() == null ? null : p.lastActiveAt().toString(), p.devicesOnline())).toList();
            } catch (RuntimeException e) {
                log.warn("presence of {} users not available: {}", users.size(), e.toString());
                return List.of();
            }
        };
    }

    private static String requireConversation(ObjectNode fields) {
        JsonNode conversation = fields.get("conversation_id");
        if (conversation == null || !conversation.isTextual() || !dev.kchat.schemas.Ids.isConversationId(conversation.asText())) {
            throw ApiException.badRequest("missing_field", "conversation_id is required");
        }
        return conversation.asText();
    }

    private void send(Session session, ObjectNode fields) {
        if (session.state() == Session.State.AWAITING_HELLO) {
            throw ApiException.badRequest("hello_first", "send hello before anything else");
        }
        JsonNode conversation = fields.remove("conversation_id");
        if (conversation == null || !conversation.isTextual()) {
            throw ApiException.badRequest("missing_field", "conversation_id is required");
        }
        Requests.SendMessage request = ApiJson.convert(fields, Requests.SendMessage.class);
        CommandFactory.Accepted accepted = commandFactory.sendMessage(session.caller(), conversation.asText(), request,
                Clock.systemUTC().instant());
        workers.execute(() -> commands.publish(accepted.command()).whenComplete((metadata, failure) -> {
            if (failure != null) {
                log.warn("send of {} not accepted by Kafka: {}", session, failure.toString());
                session.send(Frames.error("kafka_unavailable", "not accepted; retry with the same client_msg_id",
                        request.clientMsgId()));
            } else {
                session.send(Frames.sent(accepted.conversationId(), request.clientMsgId(), accepted.messageId()));
            }
        }));
    }

    private static long requireLong(ObjectNode fields, String name) {
        JsonNode v = fields.get(name);
        if (v == null || !v.canConvertToLong() || !v.isIntegralNumber() || v.asLong() < 0) {
            throw ApiException.badRequest("invalid_field", name + " must be a non-negative integer");
        }
        return v.asLong();
    }

    // ---------------------------------------------------------------- SessionHost

    @Override
    public void scheduleCatchUp(Session session) {
        catchUpDeadlines.putIfAbsent(session, System.nanoTime() + config.catchUpTimeout().toNanos());
        workers.execute(() -> catchUp(session));
    }

    private void catchUp(Session session) {
        try {
            if (session.state() == Session.State.CLOSED) {
                catchUpDeadlines.remove(session);
                return;
            }
            SyncPage page = repository.sync(session.userId(), session.lastSent(), CATCH_UP_PAGE);
            List<InboxEntry> entries = new ArrayList<>(page.entries().size());
            page.entries().forEach(e -> entries.add(decode(e)));
            applyPage(session, entries, page.hasMore());
        } catch (RuntimeException e) {
            log.warn("{}: catch-up failed: {}", session, e.toString());
            catchUpDeadlines.remove(session);
            session.send(Frames.error("store_unavailable", "history is unavailable; reconnect shortly", null));
            session.close(Frames.CLOSE_RESYNC, "store_unavailable");
        }
    }

    /**
     * Writes a page of the replay and decides the next step. The deadline restarts whenever the
     * replay moves on; it ends a wait for the sink (4009) or for a client that stopped reading (4008).
     */
    private void applyPage(Session session, List<InboxEntry> entries, boolean storeHasMore) {
        long before = session.lastSent();
        Session.CatchUp next = session.applyCatchUp(entries, storeHasMore);
        if (session.lastSent() > before) {
            catchUpDeadlines.put(session, System.nanoTime() + config.catchUpTimeout().toNanos());
        }
        long now = System.nanoTime();
        boolean expired = now - catchUpDeadlines.computeIfAbsent(session, s -> now + config.catchUpTimeout().toNanos()) >= 0;
        switch (next) {
            case DONE -> catchUpDeadlines.remove(session);
            case NEXT_PAGE -> workers.execute(() -> catchUp(session));
            case PAUSED -> {
                if (expired) {
                    catchUpDeadlines.remove(session);
                    session.cutOffSlow();
                } else {
                    workers.schedule(() -> resumePage(session, entries, storeHasMore), CATCH_UP_PAUSE.toMillis(), TimeUnit.MILLISECONDS);
                }
            }
            case WAITING_FOR_STORE -> {
                if (expired) {
                    catchUpDeadlines.remove(session);
                    log.warn("{}: inbox gap after {} did not reach the store within {}", session, session.lastSent(),
                            config.catchUpTimeout());
                    session.send(Frames.error("resync", "history is behind; reconnect with inbox_seq " + session.lastSent(), null));
                    session.close(Frames.CLOSE_RESYNC, "resync");
                } else {
                    workers.schedule(() -> catchUp(session), CATCH_UP_RETRY.toMillis(), TimeUnit.MILLISECONDS);
                }
            }
        }
    }

    private void resumePage(Session session, List<InboxEntry> entries, boolean storeHasMore) {
        try {
            applyPage(session, entries, storeHasMore);
        } catch (RuntimeException e) {
            log.error("{}: replay failed", session, e);
            catchUpDeadlines.remove(session);
            session.send(Frames.error("internal_error", "replay failed; reconnect with your last inbox_seq", null));
            session.close(Frames.CLOSE_RESYNC, "internal_error");
        }
    }

    /** The session follows its user's conversations: broadcasts of large ones and typing of all. */
    private void subscribeConversations(Session session) {
        for (ConversationSummary c : repository.conversations(session.userId(), ChatRepository.MAX_CONVERSATIONS)) {
            if (c.active()) {
                live.subscribe(c.conversationId(), session);
            }
        }
    }

    private InboxEntry decode(StoredInboxEntry stored) {
        ByteBuffer copy = stored.entry().duplicate();
        byte[] bytes = new byte[copy.remaining()];
        copy.get(bytes);
        return topics.inbox().valueSerde().deserializer().deserialize(topics.inbox().name(), bytes);
    }

    @Override
    public void subscribeBroadcast(String conversationId, Session session, long joinedSeq) {
        live.subscribeJoined(conversationId, session, joinedSeq);
    }

    @Override
    public void unsubscribeBroadcast(String conversationId, Session session) {
        live.unsubscribe(conversationId, session);
    }

    @Override
    public void closed(Session session) {
        sessions.remove(session);
        dispatcher.unregister(session);
        live.unsubscribeAll(session);
        try {
            workers.execute(() -> signals.closed(session, session.closeReason()));
        } catch (java.util.concurrent.RejectedExecutionException stopping) {
            signals.closed(session, session.closeReason());
        }
        catchUpDeadlines.remove(session);
        relocating.remove(session);
    }

    @Override
    public void slowConsumer(Session session) {
        slowClosed.increment();
        log.info("{} does not read what it is sent (over {} frames queued): cut off with {}", session,
                config.maxQueuedFrames(), Frames.CLOSE_SLOW_CONSUMER);
    }

    @Override
    public void setUpDone(Session session) {
        settingUp.decrementAndGet();
    }

    @Override
    public void partitionLost(Session session) {
        if (stopping.get()) {
            return; // its client is being told that this edge stops
        }
        relocating.putIfAbsent(session, System.nanoTime() + NEW_OWNER_WAIT.toNanos());
        scheduleRelocation();
    }

    private void scheduleRelocation() {
        if (relocationScheduled.compareAndSet(false, true)) {
            workers.schedule(this::relocate, NEW_OWNER_POLL.toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    /**
     * One round of sending the clients of lost partitions to their new edge: reads the group once for
     * all of them; a client whose new owner is not known by its deadline is told to reconnect
     * without one (it asks GET /v1/edge).
     */
    private void relocate() {
        relocationScheduled.set(false);
        Map<Integer, String> owners;
        try {
            owners = directory.ownersNow();
        } catch (RuntimeException e) {
            log.warn("edge directory unavailable while relocating {} clients: {}", relocating.size(), e.toString());
            owners = Map.of();
        }
        long now = System.nanoTime();
        for (Map.Entry<Session, Long> waiting : relocating.entrySet()) {
            Session session = waiting.getKey();
            String owner = owners.get(EdgeDirectory.partitionOf(session.userId(), topics.inbox().partitions()));
            if (edgeUrl.equals(owner)) {
                owner = null; // the group still shows this edge: not the new owner
            }
            if (owner != null || now - waiting.getValue() >= 0) {
                relocating.remove(session);
                session.reconnectTo(owner);
            }
        }
        if (!relocating.isEmpty()) {
            scheduleRelocation();
        }
    }

    /**
     * Tells every client the edge is going away (1001; they reconnect elsewhere) and gives them a
     * moment to read it, then stops listening, leaves the group and stops. Idempotent.
     */
    @Override
    public void close() {
        if (!stopping.compareAndSet(false, true)) {
            return;
        }
        List<Session> open = List.copyOf(sessions);
        for (Session s : open) {
            s.send(Frames.reconnect("edge_shutdown", null));
            s.close(Frames.CLOSE_GOING_AWAY, "edge shutting down");
        }
        // Stopping the server drops every connection at once: first let the close frames go out.
        try {
            CompletableFuture.allOf(open.stream().map(Session::gone).toArray(CompletableFuture[]::new))
                    .get(SHUTDOWN_GRACE.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            log.info("edge {}: {} clients had not read their close frame after {}; dropping them", edgeUrl,
                    open.stream().filter(Session::isOpen).count(), SHUTDOWN_GRACE);
        } catch (ExecutionException e) {
            log.warn("edge {}: waiting for clients to close failed", edgeUrl, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (server != null) {
            server.stop();
        }
        dispatcher.close();
        live.close();
        workers.shutdown();
        try {
            workers.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        signals.close(); // after the workers: their last tasks announce the closed sessions
        commands.close();
        errorProducer.close();
        admin.close();
        if (adminServer != null) {
            adminServer.close();
        }
        log.info("edge {} stopped", edgeUrl);
    }

    public static void main(String[] args) throws InterruptedException {
        if (args.length > 0 && (args[0].equals("--help") || args[0].equals("-h"))) {
            System.out.print(EdgeConfig.help());
            return;
        }
        Settings settings = Settings.fromEnvironment();
        EdgeConfig config = EdgeConfig.from(settings);
        CqlConfig cql = CqlConfig.fromSettings(settings);
        CqlSession session = CqlSessions.connect(cql);
        EdgeApp app = start(config, Topics.create(new HttpSchemaRegistryClient(config.registryUrl())), session, cql.keyspace());
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            app.close();
            session.close();
        }, "edge-shutdown"));
        Thread.currentThread().join();
    }
}
