package dev.kchat.moderation.job;

import dev.kchat.service.Settings;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.kafka.clients.consumer.OffsetResetStrategy;

/**
 * The job's own settings beside the detectors' ({@code ModerationConfig}): Kafka, registry,
 * checkpoints, event time and the local mode. Read like every component's settings (system
 * property, {@code KCHAT_*} environment variable, the file named by {@code KCHAT_CONFIG}, or
 * {@code --key=value} program arguments under {@code flink run}); {@link #help()} lists them.
 *
 * @param bootstrapServers      Kafka brokers
 * @param schemaRegistryUrl     the Confluent-compatible schema registry
 * @param groupId               consumer group the sources commit their offsets to (on checkpoints; for
 *                              monitoring and for a start without state)
 * @param offsetReset           where the content sources start without state or committed offsets
 * @param transactionalIdPrefix prefix of the sinks' transactional ids; unique per job on a cluster
 * @param transactionTimeout    the sinks' {@code transaction.timeout.ms}; below the broker's 15 min maximum
 * @param deliveryGuarantee     EXACTLY_ONCE (transactions committed on checkpoints) or AT_LEAST_ONCE
 * @param checkpointInterval    how often state is checkpointed and transactions committed: the
 *                              latency of the job's output for {@code read_committed} readers
 * @param checkpointDir         where checkpoints go (a URI or path); null: the cluster's configuration
 * @param changelog             checkpoints through Flink's changelog state backend (FLIP-158): each
 *                              checkpoint uploads the state changes since the last one to the
 *                              filesystem DSTL under {@code <checkpointDir>/changelog} instead of a
 *                              full snapshot of the heap state; false: a full snapshot each checkpoint
 * @param materializationInterval with the changelog: how often the heap state is snapshotted in full
 *                              (materialized) in the background, after which the log before it is dropped
 * @param parallelism           the job's parallelism; 0: the environment's default
 * @param outOfOrderness        how far event time may go backwards within a partition
 * @param idleness              a partition without records for this long stops holding the watermark back
 * @param statsWindow           the length of a {@code moderation.stats} window
 * @param local                 run on a local MiniCluster in this JVM instead of submitting to a cluster
 * @param restore               local mode: resume from the newest checkpoint under {@code checkpointDir}
 * @param adminHost             local mode: the health and metrics server's host
 * @param adminPort             local mode: its port; 0 picks a free one, -1 starts none
 */
public record JobSettings(
        String bootstrapServers,
        String schemaRegistryUrl,
        String groupId,
        OffsetResetStrategy offsetReset,
        String transactionalIdPrefix,
        Duration transactionTimeout,
        DeliveryGuarantee deliveryGuarantee,
        Duration checkpointInterval,
        String checkpointDir,
        boolean changelog,
        Duration materializationInterval,
        int parallelism,
        Duration outOfOrderness,
        Duration idleness,
        Duration statsWindow,
        boolean local,
        boolean restore,
        String adminHost,
        int adminPort) {

    public static final String BOOTSTRAP_SERVERS = "kafka.bootstrap.servers";
    public static final String SCHEMA_REGISTRY_URL = "schema.registry.url";
    public static final String GROUP_ID = "moderation.group.id";
    public static final String OFFSET_RESET = "moderation.offset.reset";
    public static final String TRANSACTIONAL_ID_PREFIX = "moderation.transactional.id.prefix";
    public static final String TRANSACTION_TIMEOUT = "moderation.transaction.timeout";
    public static final String DELIVERY_GUARANTEE = "moderation.delivery.guarantee";
    public static final String CHECKPOINT_INTERVAL = "moderation.checkpoint.interval";
    public static final String CHECKPOINT_DIR = "moderation.checkpoint.dir";
    public static final String CHECKPOINT_CHANGELOG = "moderation.checkpoint.changelog";
    public static final String MATERIALIZATION_INTERVAL = "moderation.checkpoint.materialization.interval";
    public static final String PARALLELISM = "moderation.parallelism";
    public static final String OUT_OF_ORDERNESS = "moderation.watermark.out.of.orderness";
    public static final String IDLENESS = "moderation.watermark.idleness";
    public static final String STATS_WINDOW = "moderation.stats.window";
    public static final String LOCAL = "moderation.local";
    public static final String RESTORE = "moderation.restore";
    public static final String ADMIN_HOST = "moderation.admin.host";
    public static final String ADMIN_PORT = "moderation.admin.port";

    /** The broker's default {@code transaction.max.timeout.ms}. */
    public static final Duration BROKER_MAX_TRANSACTION_TIMEOUT = Duration.ofMinutes(15);

    public static final String DEFAULT_BOOTSTRAP_SERVERS = "127.0.0.1:9092";
    public static final String DEFAULT_SCHEMA_REGISTRY_URL = "http://127.0.0.1:8081";
    public static final String DEFAULT_GROUP_ID = "flink-moderation";
    public static final String DEFAULT_TRANSACTIONAL_ID_PREFIX = "flink-moderation";
    public static final Duration DEFAULT_TRANSACTION_TIMEOUT = Duration.ofMinutes(10);
    public static final Duration DEFAULT_CHECKPOINT_INTERVAL = Duration.ofSeconds(10);
    /** Flink's own default ({@code state.changelog.periodic-materialize.interval}). */
    public static final Duration DEFAULT_MATERIALIZATION_INTERVAL = Duration.ofMinutes(10);
    public static final Duration DEFAULT_OUT_OF_ORDERNESS = Duration.ofSeconds(5);
    public static final Duration DEFAULT_IDLENESS = Duration.ofSeconds(30);
    public static final Duration DEFAULT_STATS_WINDOW = Duration.ofMinutes(1);
    public static final String DEFAULT_ADMIN_HOST = "127.0.0.1";
    public static final int DEFAULT_ADMIN_PORT = 9089;

    static final List<String[]> DOCUMENTED = List.of(
            new String[] {BOOTSTRAP_SERVERS, DEFAULT_BOOTSTRAP_SERVERS, "Kafka brokers"},
            new String[] {SCHEMA_REGISTRY_URL, DEFAULT_SCHEMA_REGISTRY_URL, "schema registry (Confluent REST API)"},
            new String[] {GROUP_ID, DEFAULT_GROUP_ID, "consumer group the sources commit offsets to on checkpoints"},
            new String[] {OFFSET_RESET, "earliest", "content sources without state or committed offsets start at: earliest or latest"},
            new String[] {TRANSACTIONAL_ID_PREFIX, DEFAULT_TRANSACTIONAL_ID_PREFIX, "sinks' transactional id prefix (unique per job on a cluster)"},
            new String[] {TRANSACTION_TIMEOUT, "10m", "sinks' transaction.timeout.ms, below the broker's 15 min maximum"},
            new String[] {DELIVERY_GUARANTEE, "exactly-once", "exactly-once (transactions per checkpoint) or at-least-once"},
            new String[] {CHECKPOINT_INTERVAL, "10s", "checkpoint interval: also the output latency for read_committed readers"},
            new String[] {CHECKPOINT_DIR, "(cluster config; local: <tmp>/kchat-moderation/checkpoints)", "checkpoint storage URI or path"},
            new String[] {CHECKPOINT_CHANGELOG, "true", "changelog state backend: a checkpoint uploads the state changes since the last one (DSTL under <checkpoint dir>/changelog), not a full snapshot"},
            new String[] {MATERIALIZATION_INTERVAL, "10m", "with the changelog: how often the state is snapshotted in full in the background (the log before it is then dropped)"},
            new String[] {PARALLELISM, "0", "job parallelism; 0 = the environment's default (local mode: 1)"},
            new String[] {OUT_OF_ORDERNESS, "5s", "watermark: how far event time may go backwards"},
            new String[] {IDLENESS, "30s", "watermark: a partition idle this long stops holding it back"},
            new String[] {STATS_WINDOW, "1m", "moderation.stats window length"},
            new String[] {LOCAL, "false", "true: run on a local MiniCluster in this JVM"},
            new String[] {RESTORE, "true", "local mode: resume from the newest retained checkpoint"},
            new String[] {ADMIN_HOST, DEFAULT_ADMIN_HOST, "local mode: health and metrics host"},
            new String[] {ADMIN_PORT, String.valueOf(DEFAULT_ADMIN_PORT), "local mode: health and metrics port (0 = free, -1 = none)"});

    public JobSettings {
        Objects.requireNonNull(bootstrapServers, "bootstrapServers");
        Objects.requireNonNull(schemaRegistryUrl, "schemaRegistryUrl");
        if (transactionTimeout.isNegative() || transactionTimeout.isZero()
                || transactionTimeout.compareTo(BROKER_MAX_TRANSACTION_TIMEOUT) >= 0) {
            throw new Settings.ConfigException(TRANSACTION_TIMEOUT, "must be positive and below the broker's 15 min maximum, was " + transactionTimeout);
        }
        if (checkpointInterval.toMillis() < 10) {
            throw new Settings.ConfigException(CHECKPOINT_INTERVAL, "must be at least 10ms, was " + checkpointInterval);
        }
        if (transactionTimeout.compareTo(checkpointInterval) <= 0) {
            throw new Settings.ConfigException(TRANSACTION_TIMEOUT, "must be longer than " + CHECKPOINT_INTERVAL
                    + " (a transaction stays open from one checkpoint to the next)");
        }
        if (materializationInterval.isNegative() || materializationInterval.isZero()) {
            throw new Settings.ConfigException(MATERIALIZATION_INTERVAL, "must be positive, was " + materializationInterval);
        }
        if (parallelism < 0) {
            throw new Settings.ConfigException(PARALLELISM, "must be >= 0, was " + parallelism);
        }
        if (outOfOrderness.isNegative()) {
            throw new Settings.ConfigException(OUT_OF_ORDERNESS, "must not be negative, was " + outOfOrderness);
        }
        if (idleness.isNegative() || idleness.isZero()) {
            throw new Settings.ConfigException(IDLENESS, "must be positive, was " + idleness);
        }
        if (statsWindow.isNegative() || statsWindow.isZero()) {
            throw new Settings.ConfigException(STATS_WINDOW, "must be positive, was " + statsWindow);
        }
    }

    /** Reads the settings, applying the documented defaults; a malformed value names its key. */
    public static JobSettings from(Settings s) {
        boolean local = s.bool(LOCAL, false);
        String checkpointDir = s.find(CHECKPOINT_DIR).orElse(local
                ? Path.of(System.getProperty("java.io.tmpdir"), "kchat-moderation", "checkpoints").toUri().toString()
                : null);
        return new JobSettings(
                s.string(BOOTSTRAP_SERVERS, DEFAULT_BOOTSTRAP_SERVERS),
                s.string(SCHEMA_REGISTRY_URL, DEFAULT_SCHEMA_REGISTRY_URL),
                s.string(GROUP_ID, DEFAULT_GROUP_ID),
                offsetReset(s.string(OFFSET_RESET, "earliest")),
                s.string(TRANSACTIONAL_ID_PREFIX, DEFAULT_TRANSACTIONAL_ID_PREFIX),
                s.duration(TRANSACTION_TIMEOUT, DEFAULT_TRANSACTION_TIMEOUT),
                guarantee(s.string(DELIVERY_GUARANTEE, "exactly-once")),
                s.duration(CHECKPOINT_INTERVAL, DEFAULT_CHECKPOINT_INTERVAL),
                checkpointDir,
                s.bool(CHECKPOINT_CHANGELOG, true),
                s.duration(MATERIALIZATION_INTERVAL, DEFAULT_MATERIALIZATION_INTERVAL),
                s.integer(PARALLELISM, local ? 1 : 0),
                s.duration(OUT_OF_ORDERNESS, DEFAULT_OUT_OF_ORDERNESS),
                s.duration(IDLENESS, DEFAULT_IDLENESS),
                s.duration(STATS_WINDOW, DEFAULT_STATS_WINDOW),
                local,
                s.bool(RESTORE, true),
                s.string(ADMIN_HOST, DEFAULT_ADMIN_HOST),
                s.integer(ADMIN_PORT, DEFAULT_ADMIN_PORT));
    }

    /** Every setting with its environment variable and default, for {@code --help}. */
    public static String help() {
        StringBuilder out = new StringBuilder("Job settings (as -Dkey=value, environment variable, --key=value argument, or in the file named by KCHAT_CONFIG):\n");
        for (String[] row : DOCUMENTED) {
            out.append(String.format("  %-38s %-46s default %-6s %s%n", row[0], Settings.envName(row[0]), row[1], row[2]));
        }
        return out.toString();
    }

    private static OffsetResetStrategy offsetReset(String value) {
        return switch (value.toLowerCase(Locale.ROOT)) {
            case "earliest" -> OffsetResetStrategy.EARLIEST;
            case "latest" -> OffsetResetStrategy.LATEST;
            default -> throw new Settings.ConfigException(OFFSET_RESET, "must be earliest or latest, was " + value);
        };
    }

    private static DeliveryGuarantee guarantee(String value) {
        return switch (value.toLowerCase(Locale.ROOT)) {
            case "exactly-once", "exactly_once" -> DeliveryGuarantee.EXACTLY_ONCE;
            case "at-least-once", "at_least_once" -> DeliveryGuarantee.AT_LEAST_ONCE;
            default -> throw new Settings.ConfigException(DELIVERY_GUARANTEE, "must be exactly-once or at-least-once, was " + value);
        };
    }
}
