package dev.kchat.ingress;

import dev.kchat.events.moderation.ModerationAction;
import dev.kchat.events.moderation.ModerationRule;
import dev.kchat.ingress.moderation.ModerationRoutes;
import dev.kchat.ingress.moments.FeedRoutes;
import dev.kchat.ingress.moments.FriendRoutes;
import dev.kchat.ingress.moments.PostRoutes;
import dev.kchat.ingress.push.PushRoutes;
import dev.kchat.ingress.servers.ServerReadRoutes;
import dev.kchat.ingress.servers.ServerRoutes;
import dev.kchat.events.social.MomentEvent;
import dev.kchat.events.social.SocialGraphEvent;
import dev.kchat.store.moments.MomentsRepository;
import java.util.List;
import dev.kchat.ingress.outcome.CommandAnswers;
import dev.kchat.ingress.outcome.CommandReplies;

import com.datastax.oss.driver.api.core.CqlSession;
import dev.kchat.api.CommandPublisher;
import dev.kchat.api.EdgeDirectory;
import dev.kchat.api.TopicPublisher;
import dev.kchat.api.limits.PipelineBacklog;
import dev.kchat.api.limits.WriteAdmission;
import dev.kchat.api.presence.PresenceClient;
import java.net.URI;
import java.time.Duration;
import dev.kchat.events.chat.Receipt;
import dev.kchat.api.auth.JwtAuthenticator;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import dev.kchat.schemas.registry.HttpSchemaRegistryClient;
import dev.kchat.schemas.registry.SchemaRegistryClient;
import dev.kchat.schemas.topic.Topics;
import dev.kchat.service.AdminServer;
import dev.kchat.service.Health;
import dev.kchat.service.Metrics;
import dev.kchat.service.Settings;
import dev.kchat.service.tracing.Tracing;
import dev.kchat.store.cql.CqlConfig;
import dev.kchat.store.cql.CqlSessions;
import dev.kchat.store.moderation.ModerationRepository;
import dev.kchat.store.servers.ServerRepository;
import dev.kchat.store.read.ChatRepository;
import io.micrometer.core.instrument.binder.kafka.KafkaClientMetrics;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.undertow.Undertow;
import io.undertow.UndertowOptions;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The ingress service: the composition root that wires the HTTP API to Kafka and the store, and
 * owns their lifecycle. {@link #start} returns once the API listens and Kafka metadata is loaded.
 */
public final class IngressApp implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(IngressApp.class);
    /** Bytes beyond {@code limits.max.body.bytes} at which Undertow itself ends a request (see ApiDoors.withBody). */
    static final long ENTITY_SIZE_BACKSTOP = 2 * ApiDoors.DRAIN_MAX_BYTES;

    private final Undertow server;
    private final AdminServer admin;
    private final CommandPublisher commands;
    private final CommandReplies replies;
    private final ExecutorService workers;
    private final KafkaClientMetrics producerMetrics;
    private final Admin kafkaAdmin;
    private final PipelineBacklog backlog;
    private final int port;

    private final TopicPublisher<Receipt> receipts;
    private final TopicPublisher<ModerationAction> moderationActions;
    private final TopicPublisher<ModerationRule> moderationRules;
    private final TopicPublisher<SocialGraphEvent> socialGraph;
    private final TopicPublisher<MomentEvent> momentEvents;
    /** The push API's routes and producer; set once by {@link #start}. */
    private PushRoutes push;
    /** The media API's routes (object store, producer); set once by {@link #start}. */
    private Doors.RouteGroup media;
    /** The commands' spans; set once by {@link #start}, flushed by {@link #close()}. */
    private Tracing tracing;

    private IngressApp(Undertow server, AdminServer admin, CommandPublisher commands, CommandReplies replies,
            TopicPublisher<Receipt> receipts, TopicPublisher<ModerationAction> moderationActions,
            TopicPublisher<ModerationRule> moderationRules, TopicPublisher<SocialGraphEvent> socialGraph,
            TopicPublisher<MomentEvent> momentEvents, ExecutorService workers, KafkaClientMetrics producerMetrics,
            Admin kafkaAdmin, PipelineBacklog backlog, int port) {
        this.socialGraph = socialGraph;
        this.momentEvents = momentEvents;
        this.moderationActions = moderationActions;
        this.moderationRules = moderationRules;
        this.replies = replies;
        this.receipts = receipts;
        this.kafkaAdmin = kafkaAdmin;
        this.backlog = backlog;
        this.server = server;
        this.admin = admin;
        this.commands = commands;
        this.workers = workers;
        this.producerMetrics = producerMetrics;
        this.port = port;
    }

    /**
     * Starts ingress against running Kafka and store. The CQL session is the caller's (shared with
     * other components in the local runner) and is not closed by {@link #close()}.
     */
    public static IngressApp start(IngressConfig config, Topics topics, CqlSession session, String keyspace) {
        PrometheusMeterRegistry metrics = Metrics.newRegistry("ingress");
        CommandPublisher commands = new CommandPublisher(config.bootstrapServers(), topics.commands(), "ingress");
        KafkaClientMetrics producerMetrics = new KafkaClientMetrics(commands.producer());
        producerMetrics.bindTo(metrics);
        commands.warmUp();
        ChatRepository repository = new ChatRepository(session, keyspace);
        ServerRepository servers = new ServerRepository(session, keyspace);
        AtomicInteger n = new AtomicInteger();
        ThreadPoolExecutor workers = new ThreadPoolExecutor(config.workerThreads(), config.workerThreads(),
                60, TimeUnit.SECONDS, new LinkedBlockingQueue<>(10_000),
                r -> new Thread(r, "ingress-worker-" + n.incrementAndGet()),
                new ThreadPoolExecutor.AbortPolicy());
        Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, config.bootstrapServers(),
                AdminClientConfig.CLIENT_ID_CONFIG, "ingress-edge-directory"));
        // Admission control: sends are refused (503 overloaded) while routing and fanout are too far behind.
        PipelineBacklog backlog = PipelineBacklog.start(admin, config.limits().admission(), metrics);
        WriteAdmission admission = WriteAdmission.at("http", config.limits().admission(), backlog, metrics);
        EdgeDirectory edges = new EdgeDirectory(admin, config.edgeDirectoryGroup(), topics.inbox().name(),
                topics.inbox().partitions(), Clock.systemUTC());
        TopicPublisher<Receipt> receipts = new TopicPublisher<>(config.bootstrapServers(), topics.receipts(), "ingress-receipts");
        CommandReplies replies = new CommandReplies(config.bootstrapServers(), config.outcomes().repliesGroup(),
                topics.commandReplies(), metrics);
        try {
            if (!replies.awaitReplyPartition(Duration.ofSeconds(15))) {
                log.warn("no partition of {} after 15 s: callers that send Prefer: wait get 202 until one is assigned",
                        topics.commandReplies().name());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            replies.close();
            commands.close();
            throw new IllegalStateException("interrupted while joining the reply group", e);
        }
        Tracing tracing = Tracing.start(config.tracing());
        CommandAnswers answers = new CommandAnswers(commands, replies, config.outcomes().maxWait(), metrics, tracing);
        TopicPublisher<ModerationAction> moderationActions = new TopicPublisher<>(config.bootstrapServers(),
                topics.moderationActions(), "ingress-moderation-actions");
        TopicPublisher<ModerationRule> moderationRules = new TopicPublisher<>(config.bootstrapServers(),
                topics.moderationRules(), "ingress-moderation-rules");
        ModerationRoutes moderation = new ModerationRoutes(moderationActions, moderationRules,
                new ModerationRepository(session, keyspace), repository, config.limits().maxPageSize(), Clock.systemUTC());
        TopicPublisher<SocialGraphEvent> socialGraph = new TopicPublisher<>(config.bootstrapServers(), topics.socialGraph(),
                "ingress-social-graph");
        TopicPublisher<MomentEvent> momentEvents = new TopicPublisher<>(config.bootstrapServers(), topics.momentsEvents(),
                "ingress-moments-events");
        MomentsRepository moments = new MomentsRepository(session, keyspace, config.moments());
        PushRoutes push = new PushRoutes(new TopicPublisher<>(config.bootstrapServers(), topics.pushSettings(), "ingress-push-settings"),
                Clock.systemUTC());
        Doors.RouteGroup media = dev.kchat.ingress.media.MediaRoutes.start(config.media(), config.bootstrapServers(), topics, session,
                keyspace, metrics);
        List<Doors.RouteGroup> groups = List.of(moderation::register, push, media,
                new dev.kchat.ingress.push.PushDeviceRoutes(new dev.kchat.store.push.PushDeviceRepository(session, keyspace)),
                new FriendRoutes(socialGraph, moments, Clock.systemUTC()),
                new PostRoutes(momentEvents, moments, Clock.systemUTC()),
                new FeedRoutes(moments, config.moments()),
                new ServerRoutes(answers, servers, Clock.systemUTC()), new ServerReadRoutes(servers, repository, receipts,
                        config.presenceUrl().map(url -> new PresenceClient(URI.create(url), Duration.ofSeconds(2))).orElse(null),
                        config.limits().maxPageSize(), Clock.systemUTC()));
        ApiRoutes routes = new ApiRoutes(new JwtAuthenticator(config.auth()), config.limits(), answers, receipts, repository,
                topics.inbox(), edges, config.presenceUrl().map(url -> new PresenceClient(URI.create(url), Duration.ofSeconds(2))).orElse(null),
                config.receipts(), groups, workers, admission, metrics, Clock.systemUTC());
        Undertow server = Undertow.builder()
                .addHttpListener(config.httpPort(), config.httpHost())
                .setIoThreads(config.ioThreads())
                .setWorkerThreads(1) // our own executor does the blocking work
                // A backstop only: Undertow cuts a connection past it without an answer; ApiDoors answers
                // 413 for bodies over the limit, reading at most DRAIN_MAX_BYTES past it.
                .setServerOption(UndertowOptions.MAX_ENTITY_SIZE, config.limits().maxBodyBytes() + ENTITY_SIZE_BACKSTOP)
                .setServerOption(UndertowOptions.NO_REQUEST_TIMEOUT, 60_000)
                .setHandler(new CrossOrigin(config.corsOrigins(), routes.handler()))
                .build();
        server.start();
        dev.kchat.ingress.media.MediaRoutes.listen(media); // after the API's port is bound
        int port = ((InetSocketAddress) server.getListenerInfo().get(0).getAddress()).getPort();
        Map<String, Health.Check> checks = new LinkedHashMap<>();
        checks.put("http", () -> Health.up("listening on " + port));
        checks.put("store", () -> session.isClosed() ? Health.down("CQL session closed") : Health.up("CQL session open"));
        checks.put("replies", () -> Health.up(replies.replyPartition().isPresent()
                ? "waits for decisions on " + topics.commandReplies().name() + " partition " + replies.replyPartition().getAsInt()
                : "no reply partition (more ingress instances than partitions, or joining): Prefer: wait is answered 202"));
        checks.put("workers", () -> workers.getQueue().remainingCapacity() > 0
                ? Health.up(workers.getQueue().size() + " queued") : Health.down("worker queue full"));
        AdminServer adminServer = AdminServer.start(config.httpHost(), config.adminPort(), metrics, checks);
        log.info("ingress API on http://{}:{}/v1 (admin on {})", config.httpHost(), port, adminServer.port());
        IngressApp app = new IngressApp(server, adminServer, commands, replies, receipts, moderationActions, moderationRules, socialGraph,
                momentEvents, workers, producerMetrics, admin, backlog, port);
        app.push = push;
        app.media = media;
        app.tracing = tracing;
        return app;
    }

    public int port() {
        return port;
    }

    public int adminPort() {
        return admin.port();
    }

    /** Stops taking requests, lets running ones finish (up to 10 s), flushes and closes the producer. */
    @Override
    public void close() {
        server.stop();
        workers.shutdown();
        try {
            if (!workers.awaitTermination(10, TimeUnit.SECONDS)) {
                log.warn("ingress workers still busy after 10 s; stopping them");
                workers.shutdownNow();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            workers.shutdownNow();
        }
        producerMetrics.close();
        commands.close();
        replies.close();
        receipts.close();
        moderationActions.close();
        moderationRules.close();
        socialGraph.close();
        momentEvents.close();
        push.close();
        dev.kchat.ingress.media.MediaRoutes.close(media);
        backlog.close();
        kafkaAdmin.close();
        admin.close();
        tracing.close();
        log.info("ingress stopped");
    }

    public static void main(String[] args) throws InterruptedException {
        if (args.length > 0 && (args[0].equals("--help") || args[0].equals("-h"))) {
            System.out.print(IngressConfig.help());
            return;
        }
        Settings settings = Settings.fromEnvironment();
        IngressConfig config = IngressConfig.from(settings);
        CqlConfig cql = CqlConfig.fromSettings(settings);
        SchemaRegistryClient registry = new HttpSchemaRegistryClient(config.registryUrl());
        CqlSession session = CqlSessions.connect(cql);
        IngressApp app;
        try {
            app = start(config, Topics.create(registry), session, cql.keyspace());
        } catch (RuntimeException e) {
            // Exit, so that whatever supervises the process starts it again: the clients' threads started
            // before the failure would otherwise keep a JVM alive that serves nothing and is never ready.
            log.error("ingress failed to start", e);
            System.exit(1);
            return;
        }
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            app.close();
            session.close();
        }, "ingress-shutdown"));
        Thread.currentThread().join();
    }
}
