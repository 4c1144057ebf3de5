package dev.kchat.presence;

import dev.kchat.service.Settings;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Settings of the presence topology. Every key can be set as {@code -Dkey=value}, as the environment
 * variable {@code KCHAT_KEY} (dots as underscores) or in the properties file named by
 * {@code KCHAT_CONFIG}; {@link #help()} lists them with their defaults.
 *
 * @param bootstrapServers    Kafka bootstrap servers
 * @param applicationId       Kafka Streams application id: consumer group, prefix of internal topics
 * @param schemaRegistryUrl   Confluent-compatible schema registry ({@code http(s)://})
 * @param threads             stream threads of this instance
 * @param processingGuarantee {@code exactly_once_v2} or {@code at_least_once}
 * @param standbyReplicas     warm copies of each store on other instances, for fast failover
 * @param stateDir            where RocksDB stores live
 * @param adminHost           address of the admin server (health, metrics)
 * @param adminPort           port of the admin server; 0 picks a free one
 * @param queryHost           address the query server ({@code GET /presence}) binds to
 * @param queryPort           port of the query server; 0 picks a free one
 * @param advertisedHost      host other instances use to reach this one's query server; with the
 *                            bound query port it is Kafka Streams' {@code application.server}
 * @param queryTimeout        how long a query waits for another instance's answer
 * @param sessionTtl          a session not heard from (open, heartbeat, status) for longer expires
 * @param offlineGrace        OFFLINE is published this long after the last session went away, and
 *                            after any emitted change the next one waits this long (coalescing)
 * @param punctuateInterval   wall-clock period of the punctuator that expires sessions and
 *                            publishes held changes
 * @param startTimeout        how long {@link PresenceApp#start} waits for RUNNING
 * @param streamsOverrides    extra Kafka Streams / client properties ({@code presence.streams.*})
 */
public record PresenceConfig(
        String bootstrapServers,
        String applicationId,
        String schemaRegistryUrl,
        int threads,
        String processingGuarantee,
        int standbyReplicas,
        Path stateDir,
        String adminHost,
        int adminPort,
        String queryHost,
        int queryPort,
        String advertisedHost,
        Duration queryTimeout,
        Duration sessionTtl,
        Duration offlineGrace,
        Duration punctuateInterval,
        Duration startTimeout,
        Map<String, String> streamsOverrides) {

    public static final String BOOTSTRAP_SERVERS = "kafka.bootstrap.servers";
    public static final String SCHEMA_REGISTRY_URL = "schema.registry.url";
    public static final String APPLICATION_ID = "presence.application.id";
    public static final String THREADS = "presence.threads";
    public static final String PROCESSING_GUARANTEE = "presence.processing.guarantee";
    public static final String STANDBY_REPLICAS = "presence.standby.replicas";
    public static final String STATE_DIR = "presence.state.dir";
    public static final String ADMIN_HOST = "presence.admin.host";
    public static final String ADMIN_PORT = "presence.admin.port";
    public static final String QUERY_HOST = "presence.query.host";
    public static final String QUERY_PORT = "presence.query.port";
    public static final String QUERY_ADVERTISED_HOST = "presence.query.advertised.host";
    public static final String QUERY_TIMEOUT = "presence.query.timeout";
    public static final String SESSION_TTL = "presence.session.ttl";
    public static final String OFFLINE_GRACE = "presence.offline.grace";
    public static final String PUNCTUATE_INTERVAL = "presence.punctuate.interval";
    public static final String START_TIMEOUT = "presence.start.timeout";
    /** Prefix of pass-through Kafka Streams properties, e.g. {@code presence.streams.replication.factor=3}. */
    public static final String STREAMS_PREFIX = "presence.streams.";

    public static final String DEFAULT_BOOTSTRAP_SERVERS = "127.0.0.1:9092";
    public static final String DEFAULT_APPLICATION_ID = "kchat-presence";
    public static final String DEFAULT_SCHEMA_REGISTRY_URL = "http://127.0.0.1:8081";
    public static final String DEFAULT_PROCESSING_GUARANTEE = "exactly_once_v2";
    public static final String DEFAULT_STATE_DIR = Path.of(System.getProperty("java.io.tmpdir"), "kchat-streams").toString();
    public static final String DEFAULT_HOST = "127.0.0.1";
    public static final int DEFAULT_ADMIN_PORT = 9403;
    public static final int DEFAULT_QUERY_PORT = 9410;
    public static final Duration DEFAULT_QUERY_TIMEOUT = Duration.ofSeconds(2);
    public static final Duration DEFAULT_SESSION_TTL = Duration.ofSeconds(90);
    public static final Duration DEFAULT_OFFLINE_GRACE = Duration.ofSeconds(10);
    public static final Duration DEFAULT_PUNCTUATE_INTERVAL = Duration.ofSeconds(5);
    public static final Duration DEFAULT_START_TIMEOUT = Duration.ofSeconds(60);

    /** Documented settings: key, default, meaning. Printed by {@code --help}. */
    static final List<String[]> DOCUMENTED = List.of(
            new String[] {BOOTSTRAP_SERVERS, DEFAULT_BOOTSTRAP_SERVERS, "Kafka bootstrap servers"},
            new String[] {SCHEMA_REGISTRY_URL, DEFAULT_SCHEMA_REGISTRY_URL, "schema registry (Confluent REST API)"},
            new String[] {APPLICATION_ID, DEFAULT_APPLICATION_ID, "Kafka Streams application id (group, internal topic prefix)"},
            new String[] {THREADS, "1", "stream threads of this instance"},
            new String[] {PROCESSING_GUARANTEE, DEFAULT_PROCESSING_GUARANTEE, "exactly_once_v2 or at_least_once"},
            new String[] {STANDBY_REPLICAS, "0", "standby replicas of each store (use 1+ with several instances)"},
            new String[] {STATE_DIR, DEFAULT_STATE_DIR, "RocksDB state directory"},
            new String[] {ADMIN_HOST, DEFAULT_HOST, "admin server address (/health/live, /health/ready, /metrics)"},
            new String[] {ADMIN_PORT, String.valueOf(DEFAULT_ADMIN_PORT), "admin server port; 0 picks a free one"},
            new String[] {QUERY_HOST, DEFAULT_HOST, "query server bind address (GET /presence); 0.0.0.0 in containers"},
            new String[] {QUERY_PORT, String.valueOf(DEFAULT_QUERY_PORT), "query server port; 0 picks a free one"},
            new String[] {QUERY_ADVERTISED_HOST, "(" + QUERY_HOST + ")",
                    "host other instances reach this one's query server at (application.server); required with 0.0.0.0"},
            new String[] {QUERY_TIMEOUT, "2s", "how long a query waits for another instance"},
            new String[] {SESSION_TTL, "90s", "a session silent (no heartbeat) for longer expires"},
            new String[] {OFFLINE_GRACE, "10s", "OFFLINE waits this long for a reconnect; at most one change per user per grace window"},
            new String[] {PUNCTUATE_INTERVAL, "5s", "wall-clock period of the expiry / held-change punctuator"},
            new String[] {START_TIMEOUT, "60s", "how long start-up waits for the RUNNING state"},
            new String[] {STREAMS_PREFIX + "*", "", "any Kafka Streams property, e.g. presence.streams.replication.factor=3"});

    public PresenceConfig {
        Objects.requireNonNull(bootstrapServers, "bootstrapServers");
        Objects.requireNonNull(applicationId, "applicationId");
        Objects.requireNonNull(schemaRegistryUrl, "schemaRegistryUrl");
        Objects.requireNonNull(stateDir, "stateDir");
        Objects.requireNonNull(adminHost, "adminHost");
        Objects.requireNonNull(queryHost, "queryHost");
        if (threads < 1) {
            throw new Settings.ConfigException(THREADS, "must be >= 1, was " + threads);
        }
        if (!processingGuarantee.equals("exactly_once_v2") && !processingGuarantee.equals("at_least_once")) {
            throw new Settings.ConfigException(PROCESSING_GUARANTEE, "must be exactly_once_v2 or at_least_once, was " + processingGuarantee);
        }
        if (standbyReplicas < 0) {
            throw new Settings.ConfigException(STANDBY_REPLICAS, "must be >= 0, was " + standbyReplicas);
        }
        if (queryPort < 0 || queryPort > 65_535) {
            throw new Settings.ConfigException(QUERY_PORT, "must be 0..65535, was " + queryPort);
        }
        // Other instances forward queries to this host: a wildcard address would send them to themselves.
        if (advertisedHost == null || advertisedHost.isBlank() || advertisedHost.equals("0.0.0.0") || advertisedHost.equals("::")) {
            throw new Settings.ConfigException(QUERY_ADVERTISED_HOST, "must be a host other instances can reach, was " + advertisedHost);
        }
        requirePositive(QUERY_TIMEOUT, queryTimeout);
        requirePositive(SESSION_TTL, sessionTtl);
        requirePositive(PUNCTUATE_INTERVAL, punctuateInterval);
        requirePositive(START_TIMEOUT, startTimeout);
        if (offlineGrace == null || offlineGrace.isNegative()) {
            throw new Settings.ConfigException(OFFLINE_GRACE, "must be a duration >= 0, was " + offlineGrace);
        }
        streamsOverrides = Map.copyOf(streamsOverrides);
    }

    private static void requirePositive(String key, Duration value) {
        if (value == null || value.isNegative() || value.isZero()) {
            throw new Settings.ConfigException(key, "must be a positive duration, was " + value);
        }
    }

    /** Reads the settings, applying the documented defaults. */
    public static PresenceConfig from(Settings settings) {
        String queryHost = settings.string(QUERY_HOST, DEFAULT_HOST);
        return new PresenceConfig(
                settings.string(BOOTSTRAP_SERVERS, DEFAULT_BOOTSTRAP_SERVERS),
                settings.string(APPLICATION_ID, DEFAULT_APPLICATION_ID),
                settings.string(SCHEMA_REGISTRY_URL, DEFAULT_SCHEMA_REGISTRY_URL),
                settings.integer(THREADS, 1),
                settings.string(PROCESSING_GUARANTEE, DEFAULT_PROCESSING_GUARANTEE),
                settings.integer(STANDBY_REPLICAS, 0),
                Path.of(settings.string(STATE_DIR, DEFAULT_STATE_DIR)),
                settings.string(ADMIN_HOST, DEFAULT_HOST),
                settings.integer(ADMIN_PORT, DEFAULT_ADMIN_PORT),
                queryHost,
                settings.integer(QUERY_PORT, DEFAULT_QUERY_PORT),
                settings.string(QUERY_ADVERTISED_HOST, queryHost),
                settings.duration(QUERY_TIMEOUT, DEFAULT_QUERY_TIMEOUT),
                settings.duration(SESSION_TTL, DEFAULT_SESSION_TTL),
                settings.duration(OFFLINE_GRACE, DEFAULT_OFFLINE_GRACE),
                settings.duration(PUNCTUATE_INTERVAL, DEFAULT_PUNCTUATE_INTERVAL),
                settings.duration(START_TIMEOUT, DEFAULT_START_TIMEOUT),
                settings.withPrefix(STREAMS_PREFIX));
    }

    /** The {@code --help} text: every setting with its environment variable and default. */
    public static String help() {
        StringBuilder out = new StringBuilder("""
                kchat topology-presence: presence.sessions -> per-user presence -> presence.changes (coalesced); GET /presence.

                Usage: java dev.kchat.presence.PresenceApp [--help]

                Settings (as -Dkey=value, environment variable, or in the file named by KCHAT_CONFIG):
                """);
        for (String[] s : DOCUMENTED) {
            out.append(String.format("  %-32s %-40s default %-24s %s%n", s[0], Settings.envName(s[0]), s[1], s[2]));
        }
        return out.toString();
    }
}
