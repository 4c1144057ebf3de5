package dev.kchat.edge;

import com.datastax.oss.driver.api.core.CqlSession;
import dev.kchat.api.CommandFactory;
import dev.kchat.api.CommandPublisher;
import dev.kchat.api.EdgeDirectory;
import dev.kchat.api.auth.JwtAuthenticator;
import dev.kchat.api.limits.PipelineBacklog;
import dev.kchat.api.limits.RateLimiter;
import dev.kchat.api.limits.WriteAdmission;
import dev.kchat.api.http.ApiAnswers;
import dev.kchat.api.presence.PresenceClient;
import dev.kchat.edge.frames.FrameHandler;
import dev.kchat.edge.frames.FrameRouter;
import dev.kchat.edge.frames.MemberListFrames;
import dev.kchat.edge.frames.PingFrames;
import dev.kchat.api.presence.PresenceVisibility;
import dev.kchat.edge.frames.PresenceFrames;
import dev.kchat.edge.frames.ReceiptFrames;
import dev.kchat.edge.frames.SendFrames;
import dev.kchat.edge.frames.SyncFrames;
import dev.kchat.edge.frames.TokenFrames;
import dev.kchat.edge.frames.TypingFrames;
import dev.kchat.edge.frames.ViewFrames;
import dev.kchat.edge.http.Admission;
import dev.kchat.edge.http.Authentication;
import dev.kchat.edge.http.WebClient;
import dev.kchat.edge.http.ConnectionLimits;
import dev.kchat.edge.http.Locate;
import dev.kchat.edge.http.LongPoll;
import dev.kchat.edge.http.WebSocketDoor;
import dev.kchat.edge.live.LiveHub;
import dev.kchat.edge.live.PresenceLookup;
import dev.kchat.edge.load.InboxDelay;
import dev.kchat.edge.load.LoadShedder;
import dev.kchat.edge.load.MachineLoad;
import dev.kchat.edge.members.MemberListFlusher;
import dev.kchat.edge.members.MemberListStore;
import dev.kchat.edge.members.MemberListSubscriptions;
import dev.kchat.edge.protocol.Frames;
import dev.kchat.edge.routing.Owners;
import dev.kchat.edge.routing.Relocation;
import dev.kchat.edge.servers.ChannelViews;
import dev.kchat.edge.servers.CqlServerStore;
import dev.kchat.edge.servers.ServerBroadcastReader;
import dev.kchat.edge.servers.ServerViews;
import dev.kchat.edge.session.ClientSignals;
import dev.kchat.edge.session.Session;
import dev.kchat.edge.session.Sessions;
import dev.kchat.edge.session.TokenExpiry;
import dev.kchat.edge.sync.CatchUpDriver;
import dev.kchat.edge.sync.InboxDispatcher;
import dev.kchat.edge.sync.StoredInbox;
import dev.kchat.events.platform.ProcessingError;
import dev.kchat.schemas.registry.HttpSchemaRegistryClient;
import dev.kchat.schemas.topic.Topics;
import dev.kchat.service.AdminServer;
import dev.kchat.service.Health;
import dev.kchat.service.Metrics;
import dev.kchat.service.Settings;
import dev.kchat.service.tracing.Tracing;
import dev.kchat.store.cql.CqlConfig;
import dev.kchat.store.cql.CqlSessions;
import dev.kchat.store.read.ChatRepository;
import dev.kchat.store.servers.ServerRepository;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.undertow.Handlers;
import io.undertow.Undertow;
import io.undertow.server.HttpHandler;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
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
 * A WebSocket edge, the protocol of docs/edge-protocol.md: the composition root. It wires the parts
 * (each in the package of its capability), starts them and stops them:
 * <ul>
 *   <li>{@code sync}: the inbox consumer ({@link InboxDispatcher}), each device's place in its inbox
 *       ({@code InboxCursor}) and the replays from the store ({@link CatchUpDriver});</li>
 *   <li>{@code live}: broadcasts, typing and presence to local subscribers ({@link LiveHub});</li>
 *   <li>{@code session}: the WebSocket sessions and what they tell the platform ({@link ClientSignals});</li>
 *   <li>{@code frames}: the client's frames, one handler per capability ({@link FrameRouter});</li>
 *   <li>{@code http}: the doors (authentication, admission, {@code /v1/ws}, {@code /v1/edge}, {@code /v1/poll});</li>
 *   <li>{@code routing}: which edge serves a user, and moving clients after a rebalance;</li>
 *   <li>{@code protocol}: the server's frames and close codes.</li>
 * </ul>
 *
 * <p>I/O threads parse frames and hand anything blocking (store reads, Kafka sends) to the worker
 * executor; the inbox and broadcast consumers each run on their own thread.
 */
public final class EdgeApp implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(EdgeApp.class);
    /** How long a stopping edge waits for its clients to receive the close frame. */
    private static final Duration SHUTDOWN_GRACE = Duration.ofSeconds(3);

    private final EdgeConfig config;
    private final String edgeUrl;
    private final PrometheusMeterRegistry metrics;
    private final ScheduledExecutorService workers;
    private final CommandPublisher commands;
    private final KafkaProducer<String, ProcessingError> errorProducer;
    private final InboxDispatcher dispatcher;
    private final LiveHub live;
    private final ClientSignals signals;
    private final LoadShedder shedder;
    private final Admin admin;
    private final PipelineBacklog backlog;
    private final Sessions sessions;
    private final ServerBroadcastReader serverReader;
    private final TokenExpiry tokenExpiry;
    private final MemberListFlusher memberUpdates;
    private final HttpHandler routes;
    private final Tracing tracing;
    private final AtomicBoolean stopping = new AtomicBoolean();
    private Undertow server;
    private AdminServer adminServer;
    private int port;

    private EdgeApp(EdgeConfig config, Topics topics, CqlSession session, String keyspace) {
        this.config = config;
        this.metrics = Metrics.newRegistry("edge-push");
        String clientId = EdgeDirectory.clientIdOf(config.advertisedHost(), config.port());
        this.edgeUrl = EdgeDirectory.urlOf(clientId).orElseThrow();
        AtomicInteger n = new AtomicInteger();
        this.workers = Executors.newScheduledThreadPool(config.workerThreads(), r -> new Thread(r, "edge-worker-" + n.incrementAndGet()));

        // Kafka and the store
        ChatRepository repository = new ChatRepository(session, keyspace);
        this.commands = new CommandPublisher(config.bootstrapServers(), topics.commands(), clientId + "_commands");
        this.errorProducer = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, config.bootstrapServers(),
                ProducerConfig.ACKS_CONFIG, "all"), topics.errors().keySerde().serializer(), topics.errors().valueSerde().serializer());
        InboxDelay inboxDelay = new InboxDelay();
        this.tracing = Tracing.start(config.tracing());
        this.shedder = new LoadShedder(config.shed(), () -> loadReading(inboxDelay), metrics);
        this.dispatcher = new InboxDispatcher(config.bootstrapServers(), config.groupId(), clientId, topics.inbox(),
                topics.errors(), errorProducer, inboxDelay, config.inboxSessionTimeout(), metrics, tracing);
        this.live = new LiveHub(config.bootstrapServers(), clientId + "_live", topics, shedder, metrics);
        this.signals = new ClientSignals(config.bootstrapServers(), topics, clientId, shedder, metrics, Clock.systemUTC());
        this.admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, config.bootstrapServers(),
                AdminClientConfig.CLIENT_ID_CONFIG, clientId + "_directory"));
        EdgeDirectory directory = new EdgeDirectory(admin, config.groupId(), topics.inbox().name(), topics.inbox().partitions(),
                Clock.systemUTC());
        // Admission control: send frames are refused (overloaded) while routing and fanout are too far behind.
        this.backlog = PipelineBacklog.start(admin, config.limits().admission(), metrics);
        // The group's assignment just changed: answers cached from before it are not to be given out.
        dispatcher.onRebalance(directory::invalidate);
        PresenceLookup presence = config.presenceUrl()
                .map(url -> PresenceLookup.of(new PresenceClient(URI.create(url), Duration.ofSeconds(2)))).orElse(null);

        // Sessions and their inbox
        StoredInbox store = new StoredInbox(repository, topics.inbox());
        Owners owners = new Owners(directory, edgeUrl, topics.inbox().partitions());
        Relocation relocation = new Relocation(directory, owners, workers, stopping::get);
        this.sessions = new Sessions(config.maxQueuedFrames(), new CatchUpDriver(store, workers, config.catchUpTimeout()),
                live, dispatcher, signals, relocation, workers, metrics);

        // Server channels: the connections' views decide which partitions of chat.server.broadcast this edge reads
        this.serverReader = new ServerBroadcastReader(config.bootstrapServers(), clientId + "_servers", topics.serverBroadcast(),
                topics.errors(), errorProducer, metrics);
        ChannelViews channelViews = new ChannelViews(topics.serverBroadcast().partitions(), config.maxViewedChannels(),
                serverReader::interestChanged);
        ServerViews serverViews = new ServerViews(channelViews, serverReader, new CqlServerStore(session, keyspace), workers, metrics);
        sessions.onClosed(serverViews::closed);
        // Typing in a server channel goes to the connections viewing it
        live.typingAlsoTo(channelViews::activeViewers);
        // Member lists: their servers' partitions are read too; presence of the users in their ranges, aggregated per interval
        MemberListSubscriptions memberLists = new MemberListSubscriptions(serverReader, topics.serverBroadcast().partitions(),
                serverReader::interestChanged, MemberListStore.of(new ServerRepository(session, keyspace)), presence, workers, metrics);
        sessions.onClosed(memberLists::closed);
        live.presenceAlsoTo(memberLists.presenceListener());
        this.memberUpdates = new MemberListFlusher(memberLists, shedder::shedsPresence, metrics);

        // The client's frames
        SyncFrames sync = new SyncFrames(dispatcher, owners, signals, live, repository, workers);
        SendFrames send = new SendFrames(new CommandFactory(config.limits()), commands, workers, tracing);
        ReceiptFrames receipts = new ReceiptFrames(signals, workers);
        TypingFrames typing = new TypingFrames(live, serverViews::isViewing, signals, workers);
        PresenceFrames presenceFrames = new PresenceFrames(live, presence, signals,
                new PresenceVisibility(repository::currentConversationKinds, repository::currentMemberships), workers);
        PingFrames ping = new PingFrames(signals, workers);
        Authentication auth = new Authentication(new JwtAuthenticator(config.auth()));
        TokenFrames tokens = new TokenFrames(auth);
        this.tokenExpiry = new TokenExpiry(sessions, config.auth().clockSkew(), Clock.systemUTC(), metrics);
        Map<String, FrameHandler> verbs = new LinkedHashMap<>();
        verbs.put("hello", sync::hello);
        verbs.put("ack", receipts::ack);
        verbs.put("ping", ping::ping);
        verbs.put("send", send::send);
        verbs.put("read", receipts::read);
        verbs.put("typing", typing::typing);
        verbs.put("set_status", presenceFrames::setStatus);
        verbs.put("subscribe_presence", presenceFrames::subscribe);
        verbs.put("unsubscribe_presence", presenceFrames::unsubscribe);
        verbs.put("refresh", tokens::refresh);
        ViewFrames views = new ViewFrames(serverViews);
        verbs.put("view_channel", views::view);
        verbs.put("unview_channel", views::unview);
        MemberListFrames members = new MemberListFrames(memberLists);
        verbs.put("subscribe_members", members::subscribe);
        verbs.put("unsubscribe_members", members::unsubscribe);
        // Rate limits: one limiter per door, so that the metric tells WebSocket frames from connection attempts
        FrameRouter router = new FrameRouter(verbs, tokenExpiry, new RateLimiter(config.limits().rates(), "websocket", metrics,
                WriteAdmission.at("websocket", config.limits().admission(), backlog, metrics)));
        ConnectionLimits connects = new ConnectionLimits(new RateLimiter(config.limits().rates(), "edge_http", metrics));

        // The HTTP doors
        Admission admission = new Admission(sessions, config.maxSessionSetUps(), metrics);
        WebSocketDoor door = new WebSocketDoor(sessions, router, workers, config.limits().maxBodyBytes(),
                config.idleTimeout(), config.helloTimeout(), stopping::get, metrics);
        WebClient web = new WebClient(config.webApiUrl());
        this.routes = Handlers.routing()
                .get("/v1/ws", connects.byAddress(auth.authenticated(connects.byUser(
                        admission.admitted(Handlers.websocket(door))))))
                .get("/v1/poll", connects.byAddress(auth.authenticated(connects.byUser(
                        new LongPoll(dispatcher, store, owners, workers, config.longPollMax(), config.catchUpTimeout())))))
                .get("/v1/edge", auth.authenticated(new Locate(dispatcher, owners, workers)))
                .get("/", web)
                .get("/web/{file}", web)
                .setFallbackHandler(ex -> ApiAnswers.error(ex, 404, "not_found", "no such endpoint: " + ex.getRequestPath()));
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
        tokenExpiry.start(workers);
        long every = config.shed().checkInterval().toMillis();
        workers.scheduleAtFixedRate(this::checkLoad, every, every, TimeUnit.MILLISECONDS);
        memberUpdates.start(workers, config.memberUpdateInterval());
        new Thread(dispatcher, "edge-inbox-consumer").start();
        new Thread(live, "edge-live-consumer").start();
        new Thread(serverReader, "edge-server-broadcast-consumer").start();
        try {
            if (!dispatcher.awaitAssignment(Duration.ofSeconds(60))) {
                throw new IllegalStateException("edge got no partition assignment from group " + config.groupId() + " within 60 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while joining the edges' group", e);
        }
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
        checks.put("connections", () -> Health.up(sessions.count() + " open"));
        adminServer = AdminServer.start(config.host(), config.adminPort(), metrics, checks);
        log.info("edge {} on ws://{}:{}/v1/ws owns inbox partitions {}", edgeUrl, config.advertisedHost(), port,
                dispatcher.ownedPartitions());
    }

    private LoadShedder.Reading loadReading(InboxDelay inboxDelay) {
        return new LoadShedder.Reading(inboxDelay.takeMeanMillis(), inboxDelay.lag(), sessions.queuedFrames(), MachineLoad.cpu());
    }

    /** One load shedding check, then the receipts it lets go; a failure is logged, the next check runs. */
    private void checkLoad() {
        try {
            shedder.check(System.currentTimeMillis());
            signals.flushReceipts(config.shed());
        } catch (RuntimeException e) {
            log.warn("load shedding check failed", e);
        }
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
        return sessions.count();
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
        List<Session> open = sessions.snapshot();
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
        memberUpdates.stop();
        serverReader.close();
        workers.shutdown();
        try {
            workers.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        signals.close(); // after the workers: their last tasks announce the closed sessions
        commands.close();
        errorProducer.close();
        tracing.close(); // after the dispatcher and the workers: their last spans are flushed
        backlog.close();
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
        EdgeApp app;
        try {
            app = start(config, Topics.create(new HttpSchemaRegistryClient(config.registryUrl())), session, cql.keyspace());
        } catch (RuntimeException e) {
            // Exit, so that whatever supervises the process starts it again (see IngressApp.main).
            log.error("edge failed to start", e);
            System.exit(1);
            return;
        }
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            app.close();
            session.close();
        }, "edge-shutdown"));
        Thread.currentThread().join();
    }
}
