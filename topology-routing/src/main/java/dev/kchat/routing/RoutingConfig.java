package dev.kchat.routing;

import dev.kchat.service.Settings;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Settings of the routing topology. Every key can be set as {@code -Dkey=value}, as the environment
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
 * @param dedupeWindow        how long a sent client_msg_id is remembered
 * @param editWindow          how long after posting the author may edit a message
 * @param recallWindow        how long after posting the author may recall a message
 * @param messageRetention    how long a message's author and time are kept for edit, recall,
 *                            delete and reactions; older targets are {@code target_not_found}
 * @param cleanupInterval     wall-clock period of the punctuator that prunes the bounded stores
 * @param startTimeout        how long {@link RoutingApp#start} waits for RUNNING
 * @param streamsOverrides    extra Kafka Streams / client properties ({@code routing.streams.*})
 */
public record RoutingConfig(
        String bootstrapServers,
        String applicationId,
        String schemaRegistryUrl,
        int threads,
        String processingGuarantee,
        int standbyReplicas,
        Path stateDir,
        String adminHost,
        int adminPort,
        Duration dedupeWindow,
        Duration editWindow,
        Duration recallWindow,
        Duration messageRetention,
        Duration cleanupInterval,
        Duration startTimeout,
        Map<String, String> streamsOverrides) {

    public static final String BOOTSTRAP_SERVERS = "kafka.bootstrap.servers";
    public static final String SCHEMA_REGISTRY_URL = "schema.registry.url";
    public static final String APPLICATION_ID = "routing.application.id";
    public static final String THREADS = "routing.threads";
    public static final String PROCESSING_GUARANTEE = "routing.processing.guarantee";
    public static final String STANDBY_REPLICAS = "routing.standby.replicas";
    public static final String STATE_DIR = "routing.state.dir";
    public static final String ADMIN_HOST = "routing.admin.host";
    public static final String ADMIN_PORT = "routing.admin.port";
    public static final String DEDUPE_WINDOW = "routing.dedupe.window";
    public static final String EDIT_WINDOW = "routing.edit.window";
    public static final String RECALL_WINDOW = "routing.recall.window";
    public static final String MESSAGE_RETENTION = "routing.message.retention";
    public static final String CLEANUP_INTERVAL = "routing.cleanup.interval";
    public static final String START_TIMEOUT = "routing.start.timeout";
    /** Prefix of pass-through Kafka Streams properties, e.g. {@code routing.streams.replication.factor=3}. */
    public static final String STREAMS_PREFIX = "routing.streams.";

    public static final String DEFAULT_BOOTSTRAP_SERVERS = "127.0.0.1:9092";
    public static final String DEFAULT_APPLICATION_ID = "kchat-routing";
    public static final String DEFAULT_SCHEMA_REGISTRY_URL = "http://127.0.0.1:8081";
    public static final String DEFAULT_PROCESSING_GUARANTEE = "exactly_once_v2";
    public static final String DEFAULT_STATE_DIR = Path.of(System.getProperty("java.io.tmpdir"), "kchat-streams").toString();
    public static final int DEFAULT_ADMIN_PORT = 9401;
    public static final Duration DEFAULT_DEDUPE_WINDOW = Duration.ofHours(24);
    public static final Duration DEFAULT_EDIT_WINDOW = Duration.ofMinutes(15);
    public static final Duration DEFAULT_RECALL_WINDOW = Duration.ofMinutes(2);
    public static final Duration DEFAULT_MESSAGE_RETENTION = Duration.ofDays(30);
    public static final Duration DEFAULT_CLEANUP_INTERVAL = Duration.ofMinutes(1);
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
            new String[] {ADMIN_HOST, "127.0.0.1", "admin server address (/health/live, /health/ready, /metrics)"},
            new String[] {ADMIN_PORT, String.valueOf(DEFAULT_ADMIN_PORT), "admin server port; 0 picks a free one"},
            new String[] {DEDUPE_WINDOW, "24h", "how long a client_msg_id is remembered for de-duplication"},
            new String[] {EDIT_WINDOW, "15m", "edit window after posting"},
            new String[] {RECALL_WINDOW, "2m", "recall window after posting"},
            new String[] {MESSAGE_RETENTION, "30d", "how long message authors are kept for edit/recall/delete/reactions"},
            new String[] {CLEANUP_INTERVAL, "1m", "wall-clock period of the store cleanup"},
            new String[] {START_TIMEOUT, "60s", "how long start-up waits for the RUNNING state"},
            new String[] {STREAMS_PREFIX + "*", "", "any Kafka Streams property, e.g. routing.streams.replication.factor=3"});

    public RoutingConfig {
        Objects.requireNonNull(bootstrapServers, "bootstrapServers");
        Objects.requireNonNull(applicationId, "applicationId");
        Objects.requireNonNull(schemaRegistryUrl, "schemaRegistryUrl");
        Objects.requireNonNull(stateDir, "stateDir");
        if (threads < 1) {
            throw new Settings.ConfigException(THREADS, "must be >= 1, was " + threads);
        }
        if (!processingGuarantee.equals("exactly_once_v2") && !processingGuarantee.equals("at_least_once")) {
            throw new Settings.ConfigException(PROCESSING_GUARANTEE, "must be exactly_once_v2 or at_least_once, was " + processingGuarantee);
        }
        if (standbyReplicas < 0) {
            throw new Settings.ConfigException(STANDBY_REPLICAS, "must be >= 0, was " + standbyReplicas);
        }
        requirePositive(DEDUPE_WINDOW, dedupeWindow);
        requirePositive(EDIT_WINDOW, editWindow);
        requirePositive(RECALL_WINDOW, recallWindow);
        requirePositive(CLEANUP_INTERVAL, cleanupInterval);
        requirePositive(START_TIMEOUT, startTimeout);
        // A target pruned before its window ends would turn a valid edit into target_not_found.
        if (messageRetention.compareTo(editWindow) < 0 || messageRetention.compareTo(recallWindow) < 0) {
            throw new Settings.ConfigException(MESSAGE_RETENTION, "must be at least the edit and recall windows, was " + messageRetention);
        }
        streamsOverrides = Map.copyOf(streamsOverrides);
    }

    /** Reads the settings, applying the documented defaults. */
    public static RoutingConfig from(Settings settings) {
        return new RoutingConfig(
                settings.string(BOOTSTRAP_SERVERS, DEFAULT_BOOTSTRAP_SERVERS),
                settings.string(APPLICATION_ID, DEFAULT_APPLICATION_ID),
                settings.string(SCHEMA_REGISTRY_URL, DEFAULT_SCHEMA_REGISTRY_URL),
                settings.integer(THREADS, 1),
                settings.string(PROCESSING_GUARANTEE, DEFAULT_PROCESSING_GUARANTEE),
                settings.integer(STANDBY_REPLICAS, 0),
                Path.of(settings.string(STATE_DIR, DEFAULT_STATE_DIR)),
                settings.string(ADMIN_HOST, "127.0.0.1"),
                settings.integer(ADMIN_PORT, DEFAULT_ADMIN_PORT),
                settings.duration(DEDUPE_WINDOW, DEFAULT_DEDUPE_WINDOW),
                settings.duration(EDIT_WINDOW, DEFAULT_EDIT_WINDOW),
                settings.duration(RECALL_WINDOW, DEFAULT_RECALL_WINDOW),
                settings.duration(MESSAGE_RETENTION, DEFAULT_MESSAGE_RETENTION),
                settings.duration(CLEANUP_INTERVAL, DEFAULT_CLEANUP_INTERVAL),
                settings.duration(START_TIMEOUT, DEFAULT_START_TIMEOUT),
                settings.withPrefix(STREAMS_PREFIX));
    }

    /** The {@code --help} text: every setting with its environment variable and default. */
    public static String help() {
        StringBuilder out = new StringBuilder("""
                kchat topology-routing: chat.commands -> chat.conversation.log + chat.command.results.

                Usage: java dev.kchat.routing.RoutingApp [--help]

                Settings (as -Dkey=value, environment variable, or in the file named by KCHAT_CONFIG):
                """);
        for (String[] s : DOCUMENTED) {
            out.append(String.format("  %-28s %-36s default %-24s %s%n", s[0], Settings.envName(s[0]), s[1], s[2]));
        }
        return out.toString();
    }

    private static void requirePositive(String key, Duration d) {
        if (d == null || d.isNegative() || d.isZero()) {
            throw new Settings.ConfigException(key, "must be a positive duration, was " + d);
        }
    }
}
