package dev.kchat.ingress;

import dev.kchat.api.Limits;
import dev.kchat.api.auth.AuthConfig;
import dev.kchat.service.Settings;
import dev.kchat.service.tracing.TracingSettings;
import java.util.List;

/**
 * Settings of the ingress service. Every key can be set as {@code -Dkey=value}, as the environment
 * variable {@code KCHAT_KEY} (dots as underscores) or in the file named by {@code KCHAT_CONFIG}.
 *
 * @param httpHost         address the API binds to
 * @param httpPort         API port
 * @param adminPort        health and metrics port
 * @param ioThreads        Undertow I/O threads (non-blocking; never wait on Kafka or the store)
 * @param workerThreads    threads for store reads and Kafka sends
 * @param bootstrapServers Kafka bootstrap servers
 * @param registryUrl      schema registry URL (Confluent REST API)
 * @param auth             how bearer tokens are verified
 * @param limits           request limits
 * @param edgeDirectoryGroup consumer group of the edges, for {@code GET /v1/edge}
 * @param presenceUrl      the presence app's query URL, for {@code GET /v1/presence}
 * @param receipts         limits of {@code GET .../messages/{seq}/receipts}
 * @param outcomes         how callers that send {@code Prefer: wait} get routing's decision
 * @param moments          the Moments settings the feed reads share with topology-moments (page sizes)
 * @param corsOrigins      browser origins let in to the API ({@code ingress.cors.origins}, {@link CrossOrigin})
 * @param media            uploads: object storage, URL lifetimes, limits ({@code media.*})
 * @param tracing          the spans of the commands it takes ({@code tracing.*}; {@code service.name} kchat-ingress)
 */
public record IngressConfig(
        String httpHost,
        int httpPort,
        int adminPort,
        int ioThreads,
        int workerThreads,
        String bootstrapServers,
        String registryUrl,
        AuthConfig auth,
        Limits limits,
        String edgeDirectoryGroup,
        java.util.Optional<String> presenceUrl,
        Receipts receipts,
        Outcomes outcomes,
        dev.kchat.moments.MomentsConfig moments,
        java.util.List<String> corsOrigins,
        dev.kchat.ingress.media.MediaSettings media,
        TracingSettings tracing) {

    /**
     * How a caller that sends {@code Prefer: wait=N} gets routing's decision.
     *
     * @param maxWait      the longest wait granted; longer asks are cut to it
     * @param repliesGroup consumer group of the ingress instances over {@code chat.command.replies}
     */
    public record Outcomes(java.time.Duration maxWait, String repliesGroup) {

        public Outcomes {
            if (maxWait.isNegative() || maxWait.isZero() || maxWait.toSeconds() > 60) {
                throw new IllegalArgumentException(WAIT_MAX + " must be 1 s to 60 s, got " + maxWait);
            }
        }

        static Outcomes from(Settings s) {
            return new Outcomes(s.duration(WAIT_MAX, java.time.Duration.ofSeconds(DEFAULT_WAIT_MAX_SECONDS)),
                    s.string(REPLIES_GROUP, DEFAULT_REPLIES_GROUP));
        }
    }

    public static final String WAIT_MAX = "ingress.wait.max";
    public static final String REPLIES_GROUP = "ingress.replies.group";
    /** Browser origins let in to the API (CORS), comma-separated; {@code *} lets any in. */
    public static final String CORS_ORIGINS = "ingress.cors.origins";
    public static final int DEFAULT_WAIT_MAX_SECONDS = 10;
    public static final String DEFAULT_REPLIES_GROUP = "kchat-ingress-replies";
    /** {@code service.name} of ingress's spans unless {@code tracing.service.name} says otherwise. */
    public static final String SERVICE_NAME = "kchat-ingress";

    /**
     * How receipts on demand ("who read my message") are answered.
     *
     * @param maxMembers      conversations with more current members are refused
     *                        ({@code 422 conversation_too_large}) after a bounded scan
     * @param parallelism     per-member position reads in flight for one request
     * @param perRecipientMax routing's {@code fanout.receipts.per.recipient.max} (same key): up to this
     *                        many members (and in direct chats) routing sends per-recipient statuses, the
     *                        only source of stored delivered positions, so only there is "delivered"
     *                        known per member
     */
    public record Receipts(int maxMembers, int parallelism, int perRecipientMax) {

        public Receipts {
            if (maxMembers < 1 || parallelism < 1 || perRecipientMax < 1) {
                throw new IllegalArgumentException("receipts settings must be >= 1: max members " + maxMembers
                        + ", parallelism " + parallelism + ", per-recipient max " + perRecipientMax);
            }
        }

        static Receipts from(Settings s) {
            return new Receipts(s.integer(RECEIPTS_MAX_MEMBERS, DEFAULT_RECEIPTS_MAX_MEMBERS),
                    s.integer(RECEIPTS_PARALLELISM, DEFAULT_RECEIPTS_PARALLELISM),
                    s.integer(RECEIPTS_PER_RECIPIENT_MAX, DEFAULT_RECEIPTS_PER_RECIPIENT_MAX));
        }
    }

    public static final String RECEIPTS_MAX_MEMBERS = "ingress.receipts.max.members";
    public static final String RECEIPTS_PARALLELISM = "ingress.receipts.parallelism";
    /** Routing's key (its fan-out stage's, named {@code fanout.*}), read here too so one setting configures both. */
    public static final String RECEIPTS_PER_RECIPIENT_MAX = "fanout.receipts.per.recipient.max";
    public static final int DEFAULT_RECEIPTS_MAX_MEMBERS = 1_000;
    public static final int DEFAULT_RECEIPTS_PARALLELISM = 32;
    /** Equal to routing's default (topology-routing's RoutingFanoutConfig). */
    public static final int DEFAULT_RECEIPTS_PER_RECIPIENT_MAX = 2;

    /** Documented settings: key, default, meaning. Printed by {@code --help}. */
    static final List<String[]> DOCUMENTED = List.of(
            new String[] {"ingress.http.host", "0.0.0.0", "address the API binds to"},
            new String[] {"ingress.http.port", "8080", "API port"},
            new String[] {"ingress.admin.port", "9080", "health and Prometheus metrics port"},
            new String[] {"ingress.io.threads", "2", "Undertow I/O threads"},
            new String[] {"ingress.worker.threads", "16", "worker threads (store reads, Kafka sends)"},
            new String[] {"kafka.bootstrap.servers", "127.0.0.1:9092", "Kafka bootstrap servers"},
            new String[] {"schema.registry.url", "http://127.0.0.1:8081", "schema registry (Confluent REST API)"},
            new String[] {"edge.group.id", "kchat-edges", "consumer group of the edges (edge directory)"},
            new String[] {"ingress.presence.url", "(none)", "presence app's query URL, for GET /v1/presence"},
            new String[] {RECEIPTS_MAX_MEMBERS, String.valueOf(DEFAULT_RECEIPTS_MAX_MEMBERS),
                    "GET .../messages/{seq}/receipts: conversations with more current members answer 422 conversation_too_large"},
            new String[] {RECEIPTS_PARALLELISM, String.valueOf(DEFAULT_RECEIPTS_PARALLELISM),
                    "GET .../receipts: member position reads in flight per request"},
            new String[] {RECEIPTS_PER_RECIPIENT_MAX, String.valueOf(DEFAULT_RECEIPTS_PER_RECIPIENT_MAX),
                    "routing's setting (keep them equal): where delivered positions are stored per member"},
            new String[] {WAIT_MAX, DEFAULT_WAIT_MAX_SECONDS + "s",
                    "longest Prefer: wait granted for routing's decision on a command (1 s to 60 s)"},
            new String[] {REPLIES_GROUP, DEFAULT_REPLIES_GROUP,
                    "consumer group of the ingress instances over chat.command.replies (give it as many partitions as instances)"},
            new String[] {CORS_ORIGINS, "(none)",
                    "browser origins (scheme://host:port, comma-separated, or *) whose pages may call the API, e.g. the edge's web client"});

    public static IngressConfig from(Settings s) {
        return new IngressConfig(
                s.string("ingress.http.host", "0.0.0.0"),
                s.integer("ingress.http.port", 8080),
                s.integer("ingress.admin.port", 9080),
                s.integer("ingress.io.threads", 2),
                s.integer("ingress.worker.threads", 16),
                s.string("kafka.bootstrap.servers", "127.0.0.1:9092"),
                s.string("schema.registry.url", "http://127.0.0.1:8081"),
                AuthConfig.from(s),
                Limits.from(s),
                s.string("edge.group.id", "kchat-edges"),
                s.find("ingress.presence.url"),
                Receipts.from(s),
                Outcomes.from(s),
                dev.kchat.moments.MomentsConfig.from(s),
                s.find(CORS_ORIGINS).map(IngressConfig::origins).orElse(java.util.List.of()),
                dev.kchat.ingress.media.MediaSettings.from(s),
                TracingSettings.from(s, SERVICE_NAME));
    }

    /** A comma-separated list of origins, blanks dropped. */
    static java.util.List<String> origins(String list) {
        return java.util.Arrays.stream(list.split(",")).map(String::trim).filter(o -> !o.isEmpty()).toList();
    }

    static String help() {
        StringBuilder out = new StringBuilder("kchat ingress: the HTTP API.\n\nSettings (as -Dkey=value or environment variable):\n");
        java.util.List<String[]> rows = new java.util.ArrayList<>(DOCUMENTED);
        rows.addAll(AuthConfig.DOCUMENTED);
        rows.addAll(Limits.DOCUMENTED);
        rows.addAll(dev.kchat.ingress.media.MediaSettings.DOCUMENTED);
        rows.addAll(TracingSettings.documented(SERVICE_NAME));
        for (String[] row : rows) {
            out.append(String.format("  %-34s %-38s default %-22s %s%n", row[0], Settings.envName(row[0]), row[1], row[2]));
        }
        out.append(dev.kchat.moments.MomentsConfig.help()).append("  (ingress reads the feed page sizes; the push threshold is topology-moments')\n");
        out.append("\nCQL settings (cql.contact.points, cql.local.datacenter, cql.keyspace, ...) as in docs/storage.md.\n");
        return out.toString();
    }
}
