package dev.kchat.streams;

import dev.kchat.service.Settings;
import dev.kchat.service.tracing.TracingSettings;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import org.apache.kafka.streams.StreamsConfig;

/**
 * The settings every Kafka Streams app has (routing, fanout, presence), read under the app's key
 * prefix: {@code <prefix>.application.id}, {@code <prefix>.threads}, ... (see {@link Keys}), plus
 * the shared {@value #BOOTSTRAP_SERVERS} and {@value #SCHEMA_REGISTRY_URL}. Each app's config
 * record holds one of these next to its own settings; {@link #streamsProperties} turns it into the
 * Kafka Streams properties.
 *
 * @param keys                the keys these settings were read from, named in validation errors
 * @param bootstrapServers    Kafka bootstrap servers
 * @param applicationId       Kafka Streams application id: consumer group, prefix of internal topics
 * @param schemaRegistryUrl   Confluent-compatible schema registry ({@code http(s)://})
 * @param threads             stream threads of this instance
 * @param processingGuarantee {@code exactly_once_v2} or {@code at_least_once}
 * @param standbyReplicas     warm copies of each store on other instances, for fast failover
 * @param stateDir            where RocksDB stores live
 * @param adminHost           address of the admin server (health, metrics)
 * @param adminPort           port of the admin server; 0 picks a free one
 * @param startTimeout        how long start-up waits for RUNNING
 * @param streamsOverrides    extra Kafka Streams / client properties ({@code <prefix>.streams.*})
 * @param tracing             spans of the app's stages ({@code tracing.*}, shared by every component;
 *                            {@code service.name} kchat-&lt;prefix&gt; unless {@code tracing.service.name} is set)
 */
public record StreamsAppSettings(
        Keys keys,
        String bootstrapServers,
        String applicationId,
        String schemaRegistryUrl,
        int threads,
        String processingGuarantee,
        int standbyReplicas,
        Path stateDir,
        String adminHost,
        int adminPort,
        Duration startTimeout,
        Map<String, String> streamsOverrides,
        TracingSettings tracing) {

    /** Shared by every component, so not under the app's prefix. */
    public static final String BOOTSTRAP_SERVERS = "kafka.bootstrap.servers";
    /** Shared by every component, so not under the app's prefix. */
    public static final String SCHEMA_REGISTRY_URL = "schema.registry.url";

    public static final String DEFAULT_BOOTSTRAP_SERVERS = "127.0.0.1:9092";
    public static final String DEFAULT_SCHEMA_REGISTRY_URL = "http://127.0.0.1:8081";
    public static final int DEFAULT_THREADS = 1;
    public static final String DEFAULT_PROCESSING_GUARANTEE = "exactly_once_v2";
    public static final int DEFAULT_STANDBY_REPLICAS = 0;
    public static final String DEFAULT_STATE_DIR = Path.of(System.getProperty("java.io.tmpdir"), "kchat-streams").toString();
    public static final String DEFAULT_ADMIN_HOST = "127.0.0.1";
    public static final Duration DEFAULT_START_TIMEOUT = Duration.ofSeconds(60);
    /** Commit interval under exactly-once unless {@code <prefix>.streams.commit.interval.ms} says otherwise. */
    public static final long EXACTLY_ONCE_COMMIT_INTERVAL_MS = 10;
    /**
     * Kafka Streams' {@code poll.ms} under exactly-once unless {@code <prefix>.streams.poll.ms} says
     * otherwise: as long as the commit interval, so a record processed before a commit was due is
     * committed within about one interval, not after the thread's next poll returns (Kafka Streams'
     * default 100 ms, when no new record arrives sooner).
     */
    public static final long EXACTLY_ONCE_POLL_MS = EXACTLY_ONCE_COMMIT_INTERVAL_MS;

    /**
     * The keys of one app's settings, all under its prefix: {@link #of Keys.of("routing")} gives
     * {@code routing.application.id}, {@code routing.threads}, ...
     *
     * @param prefix              the app's key prefix, without the trailing dot ({@code routing})
     * @param applicationId       {@code <prefix>.application.id}
     * @param threads             {@code <prefix>.threads}
     * @param processingGuarantee {@code <prefix>.processing.guarantee}
     * @param standbyReplicas     {@code <prefix>.standby.replicas}
     * @param stateDir            {@code <prefix>.state.dir}
     * @param adminHost           {@code <prefix>.admin.host}
     * @param adminPort           {@code <prefix>.admin.port}
     * @param startTimeout        {@code <prefix>.start.timeout}
     * @param streamsPrefix       {@code <prefix>.streams.}: prefix of pass-through Kafka Streams
     *                            properties, e.g. {@code routing.streams.replication.factor=3}
     */
    public record Keys(String prefix, String applicationId, String threads, String processingGuarantee,
            String standbyReplicas, String stateDir, String adminHost, String adminPort, String startTimeout,
            String streamsPrefix) {

        /** The keys under {@code prefix} (without the trailing dot). */
        public static Keys of(String prefix) {
            if (prefix == null || prefix.isBlank() || prefix.endsWith(".")) {
                throw new IllegalArgumentException("key prefix must be non-blank without a trailing dot, was " + prefix);
            }
            String p = prefix + ".";
            return new Keys(prefix, p + "application.id", p + "threads", p + "processing.guarantee",
                    p + "standby.replicas", p + "state.dir", p + "admin.host", p + "admin.port", p + "start.timeout",
                    p + "streams.");
        }
    }

    public StreamsAppSettings {
        Objects.requireNonNull(keys, "keys");
        Objects.requireNonNull(bootstrapServers, "bootstrapServers");
        Objects.requireNonNull(applicationId, "applicationId");
        Objects.requireNonNull(schemaRegistryUrl, "schemaRegistryUrl");
        Objects.requireNonNull(stateDir, "stateDir");
        Objects.requireNonNull(adminHost, "adminHost");
        if (threads < 1) {
            throw new Settings.ConfigException(keys.threads(), "must be >= 1, was " + threads);
        }
        if (!processingGuarantee.equals("exactly_once_v2") && !processingGuarantee.equals("at_least_once")) {
            throw new Settings.ConfigException(keys.processingGuarantee(),
                    "must be exactly_once_v2 or at_least_once, was " + processingGuarantee);
        }
        if (standbyReplicas < 0) {
            throw new Settings.ConfigException(keys.standbyReplicas(), "must be >= 0, was " + standbyReplicas);
        }
        requirePositive(keys.startTimeout(), startTimeout);
        streamsOverrides = Map.copyOf(streamsOverrides);
        Objects.requireNonNull(tracing, "tracing");
    }

    /**
     * Reads an app's settings under {@code keys}, applying the documented defaults.
     *
     * @param defaultApplicationId the app's application id when {@code <prefix>.application.id} is not set
     * @param defaultAdminPort     the app's admin port when {@code <prefix>.admin.port} is not set
     */
    public static StreamsAppSettings from(Settings settings, Keys keys, String defaultApplicationId, int defaultAdminPort) {
        return new StreamsAppSettings(
                keys,
                settings.string(BOOTSTRAP_SERVERS, DEFAULT_BOOTSTRAP_SERVERS),
                settings.string(keys.applicationId(), defaultApplicationId),
                settings.string(SCHEMA_REGISTRY_URL, DEFAULT_SCHEMA_REGISTRY_URL),
                settings.integer(keys.threads(), DEFAULT_THREADS),
                settings.string(keys.processingGuarantee(), DEFAULT_PROCESSING_GUARANTEE),
                settings.integer(keys.standbyReplicas(), DEFAULT_STANDBY_REPLICAS),
                Path.of(settings.string(keys.stateDir(), DEFAULT_STATE_DIR)),
                settings.string(keys.adminHost(), DEFAULT_ADMIN_HOST),
                settings.integer(keys.adminPort(), defaultAdminPort),
                settings.duration(keys.startTimeout(), DEFAULT_START_TIMEOUT),
                settings.withPrefix(keys.streamsPrefix()),
                TracingSettings.from(settings, serviceName(keys)));
    }

    /**
     * An app's documented settings (key, default, meaning), as printed by {@code --help}: these
     * settings around the app's own rows, the start timeout and the pass-through properties, then
     * tracing's.
     */
    public static List<String[]> documented(Keys keys, String defaultApplicationId, int defaultAdminPort,
            List<String[]> appRows) {
        List<String[]> rows = new ArrayList<>(List.of(
                new String[] {BOOTSTRAP_SERVERS, DEFAULT_BOOTSTRAP_SERVERS, "Kafka bootstrap servers"},
                new String[] {SCHEMA_REGISTRY_URL, DEFAULT_SCHEMA_REGISTRY_URL, "schema registry (Confluent REST API)"},
                new String[] {keys.applicationId(), defaultApplicationId, "Kafka Streams application id (group, internal topic prefix)"},
                new String[] {keys.threads(), String.valueOf(DEFAULT_THREADS), "stream threads of this instance"},
                new String[] {keys.processingGuarantee(), DEFAULT_PROCESSING_GUARANTEE, "exactly_once_v2 or at_least_once"},
                new String[] {keys.standbyReplicas(), String.valueOf(DEFAULT_STANDBY_REPLICAS),
                        "standby replicas of each store (use 1+ with several instances)"},
                new String[] {keys.stateDir(), DEFAULT_STATE_DIR, "RocksDB state directory"},
                new String[] {keys.adminHost(), DEFAULT_ADMIN_HOST, "admin server address (/health/live, /health/ready, /metrics)"},
                new String[] {keys.adminPort(), String.valueOf(defaultAdminPort), "admin server port; 0 picks a free one"}));
        rows.addAll(appRows);
        rows.add(new String[] {keys.startTimeout(), "60s", "how long start-up waits for the RUNNING state"});
        rows.add(new String[] {keys.streamsPrefix() + "*", "",
                "any Kafka Streams property, e.g. " + keys.streamsPrefix() + "replication.factor=3"});
        rows.addAll(TracingSettings.documented(serviceName(keys)));
        return List.copyOf(rows);
    }

    /** The app's default {@code service.name} in traces: {@code kchat-<prefix>}, e.g. kchat-routing. */
    static String serviceName(Keys keys) {
        return "kchat-" + keys.prefix();
    }

    /**
     * A {@code --help} text: {@code intro} (what the app does, how to run it), then one line per
     * documented setting with its environment variable and default, in columns of the given widths.
     */
    public static String help(String intro, List<String[]> documented, int keyWidth, int envWidth) {
        StringBuilder out = new StringBuilder(intro)
                .append("Settings (as -Dkey=value, environment variable, or in the file named by KCHAT_CONFIG):\n");
        String line = "  %-" + keyWidth + "s %-" + envWidth + "s default %-24s %s%n";
        for (String[] s : documented) {
            out.append(String.format(line, s[0], Settings.envName(s[0]), s[1], s[2]));
        }
        return out.toString();
    }

    /**
     * The Kafka Streams properties of the app: application id, bootstrap servers, guarantee,
     * threads, standbys, state dir, the error topic handlers (their records' {@code app_id} is
     * {@code appName}), the commit interval ({@value #EXACTLY_ONCE_COMMIT_INTERVAL_MS} ms under
     * exactly-once, Kafka Streams' default otherwise) and the poll time ({@value #EXACTLY_ONCE_POLL_MS}
     * ms under exactly-once), then any {@code <prefix>.streams.*} overrides.
     *
     * <p>Why {@value #EXACTLY_ONCE_COMMIT_INTERVAL_MS} ms: under exactly-once an app's output is
     * readable ({@code read_committed}) only after its transaction commits, so each hop of a chat
     * message (routing, fanout's per-conversation stage, the inbox sequencer) waits on average half
     * a commit interval plus the commit. Kafka Streams' 100 ms made that ~0.3 s at light load. A
     * commit costs the broker a marker per partition the transaction touched, and a busy thread
     * commits at most once per interval, so under load the batches grow and the cost per message
     * falls again (docs/benchmarks.md, "Commit interval").
     *
     * <p>Why the poll time too: a stream thread commits only between polls, once the interval has
     * passed, and it polls for up to {@code poll.ms} when no record is waiting. A record processed less
     * than an interval after the last commit therefore waited for the next record or for Kafka
     * Streams' 100 ms poll. At 20 msg/s that was most of the p99. An idle thread now wakes every
     * {@value #EXACTLY_ONCE_POLL_MS} ms instead of every 100 (docs/benchmarks.md, "The poll time").
     */
    public Properties streamsProperties(String appName) {
        Properties p = new Properties();
        p.put(StreamsConfig.APPLICATION_ID_CONFIG, applicationId);
        p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        p.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, processingGuarantee);
        p.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, threads);
        p.put(StreamsConfig.NUM_STANDBY_REPLICAS_CONFIG, standbyReplicas);
        p.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        p.put(StreamsConfig.DESERIALIZATION_EXCEPTION_HANDLER_CLASS_CONFIG, ErrorTopicHandler.class);
        p.put(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_CLASS_CONFIG, ErrorTopicHandler.class);
        p.put(ErrorTopicHandler.APP_ID_CONFIG, appName);
        p.put(ErrorTopicHandler.REGISTRY_URL_CONFIG, schemaRegistryUrl);
        if (exactlyOnce()) {
            p.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, EXACTLY_ONCE_COMMIT_INTERVAL_MS);
            p.put(StreamsConfig.POLL_MS_CONFIG, EXACTLY_ONCE_POLL_MS);
        }
        p.putAll(streamsOverrides);
        return p;
    }

    /**
     * Whether the app runs exactly-once: its guarantee setting, unless a pass-through
     * {@code <prefix>.streams.processing.guarantee} overrides it.
     */
    public boolean exactlyOnce() {
        return StreamsConfig.EXACTLY_ONCE_V2.equals(
                streamsOverrides.getOrDefault(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, processingGuarantee));
    }

    /**
     * Throws the {@link Settings.ConfigException} of {@code key} unless {@code value} is a positive
     * duration; for the apps' own duration settings too.
     */
    public static void requirePositive(String key, Duration value) {
        if (value == null || value.isNegative() || value.isZero()) {
            throw new Settings.ConfigException(key, "must be a positive duration, was " + value);
        }
    }
}
