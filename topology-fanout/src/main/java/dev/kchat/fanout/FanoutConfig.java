package dev.kchat.fanout;

import dev.kchat.service.Settings;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Settings of the fan-out topology. Every key can be set as {@code -Dkey=value}, as the environment
 * variable {@code KCHAT_KEY} (dots as underscores) or in the properties file named by
 * {@code KCHAT_CONFIG}; {@link #help()} lists them with their defaults.
 *
 * @param bootstrapServers    Kafka bootstrap servers
 * @param applicationId       Kafka Streams application id: consumer group, prefix of internal topics
 * @param schemaRegistryUrl   Confluent-compatible schema registry ({@code http(s)://})
 * @param threads             stream threads of this instance
 * @param processingGuarantee {@code exactly_once_v2} or {@code at_least_once}; gap-free inboxes
 *                            need exactly-once
 * @param standbyReplicas     warm copies of each store on other instances, for fast failover
 * @param stateDir            where RocksDB stores live
 * @param adminHost           address of the admin server (health, metrics)
 * @param adminPort           port of the admin server; 0 picks a free one
 * @param broadcastThreshold  conversations with more members than this (and every channel) are
 *                            read-diffused through {@code chat.broadcast}
 * @param receiptsPerRecipientMax  groups with at most this many members (and every direct chat) tell
 *                            an author who got and read their messages, one status per reader;
 *                            larger ones send counts. Default 2: 1:1 conversations only (direct
 *                            chats and groups of two); an operator may raise it
 * @param receiptsStatusInterval  at most one count status per (conversation, author) per this
 *                            wall-clock interval
 * @param receiptsWindow      the last this many seqs of each conversation keep their message's
 *                            author for statuses; older messages' statuses are no longer updated
 * @param startTimeout        how long {@link FanoutApp#start} waits for RUNNING
 * @param streamsOverrides    extra Kafka Streams / client properties ({@code fanout.streams.*})
 */
public record FanoutConfig(
        String bootstrapServers,
        String applicationId,
        String schemaRegistryUrl,
        int threads,
        String processingGuarantee,
        int standbyReplicas,
        Path stateDir,
        String adminHost,
        int adminPort,
        int broadcastThreshold,
        int receiptsPerRecipientMax,
        Duration receiptsStatusInterval,
        int receiptsWindow,
        Duration startTimeout,
        Map<String, String> streamsOverrides) {

    public static final String BOOTSTRAP_SERVERS = "kafka.bootstrap.servers";
    public static final String SCHEMA_REGISTRY_URL = "schema.registry.url";
    public static final String APPLICATION_ID = "fanout.application.id";
    public static final String THREADS = "fanout.threads";
    public static final String PROCESSING_GUARANTEE = "fanout.processing.guarantee";
    public static final String STANDBY_REPLICAS = "fanout.standby.replicas";
    public static final String STATE_DIR = "fanout.state.dir";
    public static final String ADMIN_HOST = "fanout.admin.host";
    public static final String ADMIN_PORT = "fanout.admin.port";
    public static final String BROADCAST_THRESHOLD = "fanout.broadcast.threshold";
    public static final String RECEIPTS_PER_RECIPIENT_MAX = "fanout.receipts.per.recipient.max";
    public static final String RECEIPTS_STATUS_INTERVAL = "fanout.receipts.status.interval";
    public static final String RECEIPTS_WINDOW = "fanout.receipts.window";
    public static final String START_TIMEOUT = "fanout.start.timeout";
    /** Prefix of pass-through Kafka Streams properties, e.g. {@code fanout.streams.replication.factor=3}. */
    public static final String STREAMS_PREFIX = "fanout.streams.";

    public static final String DEFAULT_BOOTSTRAP_SERVERS = "127.0.0.1:9092";
    public static final String DEFAULT_APPLICATION_ID = "kchat-fanout";
    public static final String DEFAULT_SCHEMA_REGISTRY_URL = "http://127.0.0.1:8081";
    public static final String DEFAULT_PROCESSING_GUARANTEE = "exactly_once_v2";
    public static final String DEFAULT_STATE_DIR = Path.of(System.getProperty("java.io.tmpdir"), "kchat-streams").toString();
    public static final int DEFAULT_ADMIN_PORT = 9402;
    public static final int DEFAULT_BROADCAST_THRESHOLD = 500;
    /**
     * Per-recipient statuses in 1:1 conversations only (direct chats, and groups of two), as production
     * messengers do: groups get counts, and who read a message is asked for on demand
     * ({@code GET /v1/conversations/{id}/messages/{seq}/receipts}).
     */
    public static final int DEFAULT_RECEIPTS_PER_RECIPIENT_MAX = 2;
    public static final Duration DEFAULT_RECEIPTS_STATUS_INTERVAL = Duration.ofSeconds(5);
    public static final int DEFAULT_RECEIPTS_WINDOW = 1_000;
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
            new String[] {BROADCAST_THRESHOLD, String.valueOf(DEFAULT_BROADCAST_THRESHOLD),
                    "above this many members (and for channels) events go to chat.broadcast instead of inboxes"},
            new String[] {RECEIPTS_PER_RECIPIENT_MAX, String.valueOf(DEFAULT_RECEIPTS_PER_RECIPIENT_MAX),
                    "up to this many members (always in direct chats) authors get a status per reader; above it, counts (2: 1:1 only)"},
            new String[] {RECEIPTS_STATUS_INTERVAL, "5s",
                    "at most one count status per conversation and author per interval (wall clock)"},
            new String[] {RECEIPTS_WINDOW, String.valueOf(DEFAULT_RECEIPTS_WINDOW),
                    "last seqs per conversation whose message authors are kept for statuses (older: not updated)"},
            new String[] {START_TIMEOUT, "60s", "how long start-up waits for the RUNNING state"},
            new String[] {STREAMS_PREFIX + "*", "", "any Kafka Streams property, e.g. fanout.streams.replication.factor=3"});

    public FanoutConfig {
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
        if (broadcastThreshold < 2) {
            throw new Settings.ConfigException(BROADCAST_THRESHOLD, "must be >= 2 so direct chats use inboxes, was " + broadcastThreshold);
        }
        if (receiptsPerRecipientMax < 1) {
            throw new Settings.ConfigException(RECEIPTS_PER_RECIPIENT_MAX, "must be >= 1, was " + receiptsPerRecipientMax);
        }
        if (receiptsStatusInterval == null || receiptsStatusInterval.toMillis() < 1) {
            throw new Settings.ConfigException(RECEIPTS_STATUS_INTERVAL, "must be at least 1ms, was " + receiptsStatusInterval);
        }
        if (receiptsWindow < 1) {
            throw new Settings.ConfigException(RECEIPTS_WINDOW, "must be >= 1, was " + receiptsWindow);
        }
        if (startTimeout == null || startTimeout.isNegative() || startTimeout.isZero()) {
            throw new Settings.ConfigException(START_TIMEOUT, "must be a positive duration, was " + startTimeout);
        }
        streamsOverrides = Map.copyOf(streamsOverrides);
    }

    /** Reads the settings, applying the documented defaults. */
    public static FanoutConfig from(Settings settings) {
        return new FanoutConfig(
                settings.string(BOOTSTRAP_SERVERS, DEFAULT_BOOTSTRAP_SERVERS),
                settings.string(APPLICATION_ID, DEFAULT_APPLICATION_ID),
                settings.string(SCHEMA_REGISTRY_URL, DEFAULT_SCHEMA_REGISTRY_URL),
                settings.integer(THREADS, 1),
                settings.string(PROCESSING_GUARANTEE, DEFAULT_PROCESSING_GUARANTEE),
                settings.integer(STANDBY_REPLICAS, 0),
                Path.of(settings.string(STATE_DIR, DEFAULT_STATE_DIR)),
                settings.string(ADMIN_HOST, "127.0.0.1"),
                settings.integer(ADMIN_PORT, DEFAULT_ADMIN_PORT),
                settings.integer(BROADCAST_THRESHOLD, DEFAULT_BROADCAST_THRESHOLD),
                settings.integer(RECEIPTS_PER_RECIPIENT_MAX, DEFAULT_RECEIPTS_PER_RECIPIENT_MAX),
                settings.duration(RECEIPTS_STATUS_INTERVAL, DEFAULT_RECEIPTS_STATUS_INTERVAL),
                settings.integer(RECEIPTS_WINDOW, DEFAULT_RECEIPTS_WINDOW),
                settings.duration(START_TIMEOUT, DEFAULT_START_TIMEOUT),
                settings.withPrefix(STREAMS_PREFIX));
    }

    /** The {@code --help} text: every setting with its environment variable and default. */
    public static String help() {
        StringBuilder out = new StringBuilder("""
                kchat topology-fanout: chat.conversation.log -> chat.inbox (per user) or chat.broadcast (large groups, channels);
                chat.receipts -> read positions and message statuses in chat.inbox.

                Usage: java dev.kchat.fanout.FanoutApp [--help]

                Settings (as -Dkey=value, environment variable, or in the file named by KCHAT_CONFIG):
                """);
        for (String[] s : DOCUMENTED) {
            out.append(String.format("  %-34s %-40s default %-24s %s%n", s[0], Settings.envName(s[0]), s[1], s[2]));
        }
        return out.toString();
    }
}
