package dev.kchat.local;

import com.datastax.oss.driver.api.core.CqlSession;
import dev.kchat.api.auth.TokenMinter;
import dev.kchat.edge.EdgeApp;
import dev.kchat.edge.EdgeConfig;
import dev.kchat.fanout.FanoutApp;
import dev.kchat.fanout.FanoutConfig;
import dev.kchat.moments.MomentsApp;
import dev.kchat.moments.MomentsAppConfig;
import dev.kchat.push.PushGateway;
import dev.kchat.push.decide.DeciderConfig;
import dev.kchat.push.deliver.DeliveryConfig;
import dev.kchat.ingress.IngressApp;
import dev.kchat.ingress.IngressConfig;
import dev.kchat.presence.PresenceApp;
import dev.kchat.presence.PresenceConfig;
import dev.kchat.localcql.LocalCqlConfig;
import dev.kchat.localcql.LocalCqlServer;
import dev.kchat.localkafka.KafkaBroker;
import dev.kchat.localkafka.RegistryHttpServer;
import dev.kchat.routing.RoutingApp;
import dev.kchat.routing.RoutingConfig;
import dev.kchat.schemas.registry.InMemorySchemaRegistry;
import dev.kchat.schemas.topic.Topic;
import dev.kchat.schemas.topic.TopicProvisioner;
import dev.kchat.schemas.topic.Topics;
import dev.kchat.service.AdminServer;
import dev.kchat.service.Metrics;
import dev.kchat.service.Settings;
import dev.kchat.store.cql.CqlConfig;
import dev.kchat.store.cql.CqlSessions;
import dev.kchat.store.cql.Replication;
import dev.kchat.store.schema.Migrations;
import dev.kchat.store.sink.SinkConfig;
import dev.kchat.store.sink.StoreSink;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.Map;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts the platform locally: a real Kafka broker and a CQL server (child JVMs), the schema
 * registry (in process, persisted in the data folder, served over the Confluent REST API), every
 * topic with its schema, the store and its sink, the Streams apps, ingress, one edge and the Flink
 * moderation job (a child JVM; {@code local.moderation=false} leaves it out). Stops
 * everything, in reverse order, on Ctrl-C.
 */
public final class LocalPlatform implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(LocalPlatform.class);
    /** The demo users the runner prints tokens for. */
    static final String[] DEMO_USERS = {"alice", "bob"};
    /** The demo moderator the runner prints a token for. */
    static final String MODERATOR = "tess";
    static final String KEYSPACE = "kchat";

    private final LocalConfig config;
    private final Settings overrides;
    private final Deque<AutoCloseable> running = new ArrayDeque<>();
    private volatile boolean discardData;
    private KafkaBroker broker;
    private RegistryHttpServer registryServer;
    private LocalCqlServer cql;
    private CqlSession session;
    private Topics topics;
    private Map<String, Integer> schemaIds;
    private RoutingApp routing;
    private FanoutApp fanout;
    private PresenceApp presence;
    private MomentsApp moments;
    private PushGateway push;
    private IngressApp ingress;
    private EdgeApp edge;
    private ModerationJobProcess moderation;
    private String jwtSecret;

    private LocalPlatform(LocalConfig config, Settings overrides) {
        this.config = config;
        this.overrides = overrides;
    }

    /** Starts every component; on failure stops what already started and rethrows. */
    public static LocalPlatform start(LocalConfig config) {
        return start(config, Settings.of(Map.of()));
    }

    /**
     * Starts every component with extra settings for the apps (e.g. {@code routing.processing.guarantee}).
     * On failure stops what already started and rethrows.
     */
    public static LocalPlatform start(LocalConfig config, Settings appSettings) {
        LocalPlatform platform = new LocalPlatform(config, appSettings);
        try {
            platform.startAll();
            return platform;
        } catch (RuntimeException e) {
            platform.close();
            throw e;
        }
    }

    /**
     * Starts only what the apps run on: the registry, the broker with every topic and schema, the CQL
     * server with the migrations applied. {@link LocalCluster} runs the apps as processes of their own
     * over it, with {@link #appSettings()}.
     */
    static LocalPlatform startInfrastructure(LocalConfig config, Settings appSettings) {
        LocalPlatform platform = new LocalPlatform(config, appSettings);
        try {
            platform.startInfrastructure();
            return platform;
        } catch (RuntimeException e) {
            platform.close();
            throw e;
        }
    }

    private void startAll() {
        long t0 = System.nanoTime();
        startInfrastructure();
        startApps();
        log.info("local platform up in {} s", Duration.ofNanos(System.nanoTime() - t0).toSeconds());
    }

    private void startInfrastructure() {
        InMemorySchemaRegistry registry = InMemorySchemaRegistry.persistentAt(config.dataDir().resolve("schema-registry.json"));
        registryServer = RegistryHttpServer.start(registry, config.host(), config.registryPort());
        running.push(registryServer);

        // Cassandra takes the longest to come up: it starts while the broker does.
        try (ConcurrentStarts starts = new ConcurrentStarts()) {
            CompletableFuture<LocalCqlServer> cqlStart = starts.begin(
                    () -> LocalCqlServer.start(LocalCqlConfig.defaults().withDataDir(config.dataDir().resolve("cql"))));
            try {
                broker = KafkaBroker.start(KafkaBroker.Settings.defaults(config.dataDir().resolve("kafka")).withPort(config.kafkaPort()));
                running.push(broker);
                // The platform's own shutdown hook closes the apps first, then the broker and the CQL server.
                broker.closeOnExitAfterOwner(Duration.ofSeconds(45));
                topics = Topics.create(registry);
                broker.createTopics(topics);
                schemaIds = TopicProvisioner.registerSchemas(registry, topics);
            } catch (RuntimeException e) {
                starts.closeStarted(e);
                throw e;
            }
            starts.awaitAll();
            cql = ConcurrentStarts.result(cqlStart);
        }
        running.push(cql);
        cql.closeOnExitAfterOwner(Duration.ofSeconds(45));
        // The store's session settings (no schema-refresh debounce: the migrations take seconds, not 25 s).
        session = CqlSessions.connect(CqlConfig.local(cql.contactPoint(), cql.localDatacenter(), KEYSPACE));
        running.push(session);
        Migrations.apply(session, KEYSPACE, Replication.simple(1));
    }

    private void startApps() {
        Settings apps = appSettings();
        startSink(apps);
        // The Streams apps start together: each mostly waits for its group's first rebalance. Their
        // shared state folder exists first: Kafka Streams creates it if missing, and two apps doing so
        // at once fail ("doesn't exist and couldn't be created": mkdirs lost the race).
        try {
            Files.createDirectories(config.dataDir().resolve("streams"));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the Streams state folder in " + config.dataDir(), e);
        }
        try (ConcurrentStarts starts = new ConcurrentStarts()) {
            Settings streams = apps;
            CompletableFuture<RoutingApp> routingStart = starts.begin(() -> RoutingApp.start(RoutingConfig.from(streams), topics));
            CompletableFuture<FanoutApp> fanoutStart = starts.begin(() -> FanoutApp.start(FanoutConfig.from(streams), topics));
            CompletableFuture<PresenceApp> presenceStart = starts.begin(() -> PresenceApp.start(PresenceConfig.from(streams), topics));
            CompletableFuture<MomentsApp> momentsStart = starts.begin(() -> MomentsApp.start(MomentsAppConfig.from(streams), topics));
            // Offline push: decides and delivers; no provider unless configured (push.webhook.url, push.apns.*, push.fcm.*).
            CompletableFuture<PushGateway> pushStart = starts.begin(
                    () -> PushGateway.start(DeciderConfig.from(streams), DeliveryConfig.from(streams), topics));
            starts.awaitAll();
            routing = ConcurrentStarts.result(routingStart);
            running.push(routing);
            fanout = ConcurrentStarts.result(fanoutStart);
            running.push(fanout);
            presence = ConcurrentStarts.result(presenceStart);
            running.push(presence);
            moments = ConcurrentStarts.result(momentsStart);
            running.push(moments);
            push = ConcurrentStarts.result(pushStart);
            running.push(push);
        }
        apps = appSettings(); // now with the presence app's query URL
        ingress = IngressApp.start(IngressConfig.from(apps), topics, session, KEYSPACE);
        running.push(ingress);
        edge = EdgeApp.start(EdgeConfig.from(apps), topics, session, KEYSPACE);
        running.push(edge);
        if (config.moderation()) {
            startModeration(apps);
        }
    }

    /**
     * The settings every app reads: where Kafka, the registry and the store are, ports, state folders
     * (tests start more edges from them).
     */
    Settings appSettings() {
        jwtSecret = PlatformSettings.localSecret(config.dataDir());
        return PlatformSettings.of(config, broker.bootstrapServers(), registryServer.port(), cql.host() + ":" + cql.port(),
                jwtSecret, presence == null ? OptionalInt.empty() : OptionalInt.of(presence.queryPort()), overrides);
    }

    /**
     * What an extra edge needs to join this platform as another process: where Kafka, the registry,
     * the store and the presence app are, the token secret, limits and the edge settings, without
     * the edge's ports (each edge sets its own {@code edge.port} and {@code edge.admin.port}).
     */
    public Map<String, String> edgeSettings() {
        return PlatformSettings.sharedWithEdges(appSettings());
    }

    private void startSink(Settings apps) {
        PrometheusMeterRegistry metrics = Metrics.newRegistry("store-sink");
        StoreSink sink = StoreSink.create(SinkConfig.fromSettings(apps), topics, session, KEYSPACE, metrics);
        Thread thread = new Thread(sink::run, "store-sink");
        thread.start();
        AdminServer admin = AdminServer.start(config.host(), config.adminPort(4), metrics, Map.of("sink", sink::health));
        running.push(() -> {
            admin.close();
            sink.close();
            thread.join(30_000);
        });
    }

    /**
     * The Flink moderation job in its child JVM (ModerationJobProcess), with the platform's Kafka and
     * registry and every {@code moderation.*} setting the operator gave.
     */
    void startModeration(Settings apps) {
        Map<String, String> job = new HashMap<>();
        apps.withPrefix("").forEach((k, v) -> {
            if (k.startsWith("moderation.") || k.equals("kafka.bootstrap.servers") || k.equals("schema.registry.url")) {
                job.put(k, v);
            }
        });
        int adminPort = config.adminPort(7) == 0 ? freePort() : config.adminPort(7);
        moderation = ModerationJobProcess.start(config.dataDir().resolve("moderation"), job, config.host(), adminPort);
        running.push(moderation);
    }

    private static int freePort() {
        try (java.net.ServerSocket socket = new java.net.ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("no free port for the moderation job", e);
        }
    }

    /** A token for a user, signed with this platform's local secret. */
    public String token(String userId, Duration ttl) {
        return new TokenMinter(jwtSecret, null).mint(userId, ttl);
    }

    /** A token for a user with roles (e.g. {@code moderator} for the trust-and-safety API). */
    public String token(String userId, Duration ttl, String... roles) {
        return new TokenMinter(jwtSecret, null).mint(userId, ttl, roles);
    }

    public String ingressUrl() {
        return "http://" + config.host() + ":" + ingress.port();
    }

    /** The edge's health and metrics port. */
    public int edgeAdminPort() {
        return edge.adminPort();
    }

    public String edgeUrl() {
        return "ws://" + config.host() + ":" + edge.port() + "/v1/ws";
    }

    public Topics topics() {
        return topics;
    }

    public String bootstrapServers() {
        return broker.bootstrapServers();
    }

    public CqlSession session() {
        return session;
    }

    /** WebSockets and long-polls the platform's edge holds now. */
    public int edgeConnections() {
        return edge.connections();
    }

    /** The platform's edge (tests: which partitions it owns, its URL, its connections). */
    EdgeApp edge() {
        return edge;
    }

    RoutingApp routing() {
        return routing;
    }

    /** Stops the routing topology and starts a new instance over the same state (tests: a restart loses nothing). */
    void restartRouting() {
        stopRouting();
        startRouting();
    }

    /** Stops the routing topology (tests: commands queue up behind it). */
    void stopRouting() {
        running.remove(routing);
        routing.close();
    }

    /** Starts routing again over its state, after {@link #stopRouting()}. */
    void startRouting() {
        routing = RoutingApp.start(RoutingConfig.from(appSettings()), topics);
        running.push(routing);
    }

    /** Stops the fanout topology and starts a new instance over the same state. */
    void restartFanout() {
        running.remove(fanout);
        fanout.close();
        fanout = FanoutApp.start(FanoutConfig.from(appSettings()), topics);
        running.push(fanout);
    }

    /** Stops the edge and starts a new one on the same port. */
    void restartEdge() {
        running.remove(edge);
        edge.close();
        edge = EdgeApp.start(EdgeConfig.from(appSettings()), topics, session, KEYSPACE);
        running.push(edge);
    }

    /** What runs where, for the console. */
    public String summary() {
        StringBuilder out = new StringBuilder();
        out.append("\n  kchat is running locally (Ctrl-C stops everything)\n\n");
        out.append(String.format("  HTTP API          %s/v1   (OpenAPI: docs/api/openapi.yaml)%n", ingressUrl()));
        out.append(String.format("  WebSocket edge    %s   (protocol: docs/edge-protocol.md)%n", edgeUrl()));
        out.append(String.format("  Chat page         http://%s:%d/   (open in two tabs, paste a token in each)%n", config.host(), edge.port()));
        out.append(String.format("  Kafka broker      %s   (pid %d, log %s)%n", broker.bootstrapServers(), broker.pid(),
                broker.dataDir().resolve("broker.log")));
        out.append(String.format("  Schema registry   http://%s:%d   (Confluent REST API; try /subjects)%n", config.host(), registryServer.port()));
        out.append(String.format("  CQL (Cassandra)   %s:%d   keyspace %s (data %s)%n", cql.host(), cql.port(), KEYSPACE, cql.directory()));
        if (moderation != null) {
            out.append(String.format("  Moderation job    Flink MiniCluster (pid %d, log %s; docs/moderation.md)%n", moderation.pid(),
                    moderation.logFile()));
        }
        out.append(String.format("  Admin (health, /metrics): ingress %d, edge %d%n%n", ingress.adminPort(), edge.adminPort()));
        out.append("  Tokens (valid 24 h):\n");
        for (String user : DEMO_USERS) {
            out.append(String.format("    %-6s %s%n", user, token(user, Duration.ofHours(24))));
        }
        out.append(String.format("    %-6s %s   (moderator: /v1/moderation, docs/moderation.md)%n", MODERATOR,
                token(MODERATOR, Duration.ofHours(24), "moderator")));
        out.append("\n  Try:  TOKEN=<alice's token>\n");
        out.append("        curl -s -XPOST " + ingressUrl() + "/v1/conversations -H \"Authorization: Bearer $TOKEN\" \\\n");
        out.append("             -d '{\"kind\":\"direct\",\"members\":[\"bob\"]}'\n");
        out.append("        curl -s -XPOST " + ingressUrl() + "/v1/conversations/dm:alice:bob/messages -H \"Authorization: Bearer $TOKEN\" \\\n");
        out.append("             -d '{\"client_msg_id\":\"m1\",\"body\":\"hello bob\"}'\n");
        out.append("        curl -s " + ingressUrl() + "/v1/sync -H \"Authorization: Bearer $TOKEN\"\n\n");
        out.append("  Moments: alice asks bob to be friends, bob (BOB_TOKEN=<bob's token>) accepts, alice posts, bob reads his feed\n");
        out.append("        curl -s -XPOST " + ingressUrl() + "/v1/friends/requests -H \"Authorization: Bearer $TOKEN\" -d '{\"user_id\":\"bob\"}'\n");
        out.append("        curl -s -XPOST " + ingressUrl() + "/v1/friends/requests/alice/accept -H \"Authorization: Bearer $BOB_TOKEN\"\n");
        out.append("        curl -s -XPOST " + ingressUrl() + "/v1/moments -H \"Authorization: Bearer $TOKEN\" -d '{\"text\":\"hello\"}'\n");
        out.append("        curl -s " + ingressUrl() + "/v1/moments -H \"Authorization: Bearer $BOB_TOKEN\"   (bob's feed)\n\n");
        out.append("  Topics (partitions, schema id):\n");
        for (Topic<?, ?> t : topics.all()) {
            out.append(String.format("    %-24s %3d   id %-3s key: %s%n", t.name(), t.partitions(),
                    schemaIds.get(t.valueSubject()), t.keyDescription()));
        }
        return out.toString();
    }

    /**
     * The caller deletes the data folder after {@link #close()} (tests): the CQL server is then killed
     * at once instead of draining and flushing what nobody will read.
     */
    LocalPlatform discardDataOnClose() {
        discardData = true;
        return this;
    }

    @Override
    public void close() {
        if (discardData && cql != null) {
            cql.discardDataOnClose();
        }
        while (!running.isEmpty()) {
            AutoCloseable c = running.pop();
            try {
                c.close();
            } catch (Exception e) {
                log.error("failed to stop {}", c.getClass().getSimpleName(), e);
            }
        }
    }
}
