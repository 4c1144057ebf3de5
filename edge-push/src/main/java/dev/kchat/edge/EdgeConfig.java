package dev.kchat.edge;

import dev.kchat.api.Limits;
import dev.kchat.api.auth.AuthConfig;
import dev.kchat.edge.load.ShedConfig;
import dev.kchat.service.Settings;
import dev.kchat.service.tracing.TracingSettings;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Settings of a WebSocket edge. Every key can be set as {@code -Dkey=value}, as the environment
 * variable {@code KCHAT_KEY} (dots as underscores) or in the file named by {@code KCHAT_CONFIG}.
 *
 * @param host              address the edge binds to
 * @param advertisedHost    address clients and other edges use to reach this edge
 * @param port              WebSocket and long-poll port
 * @param adminPort         health and metrics port
 * @param groupId           consumer group of all edges over {@code chat.inbox}
 * @param idleTimeout       a connection that sends nothing for this long is closed
 * @param maxQueuedFrames   frames written but not yet flushed to one client before it is cut off
 * @param catchUpTimeout    how long a device waits for a gap to reach the store before it must resync
 * @param longPollMax       longest wait of {@code GET /v1/poll}
 * @param maxViewedChannels server channels one connection may view at once ({@code view_channel})
 * @param memberUpdateInterval how often a member-list subscription gets what changed in its ranges, at most
 *                          (one {@code member_list_update} per interval)
 * @param maxSessionSetUps  sessions between upgrade and {@code ready} (or redirect) beyond which new
 *                          WebSocket upgrades are refused with 503 {@code edge_busy}
 * @param helloTimeout      a connection that has not said {@code hello} this long after the upgrade is closed
 * @param shed              when the edge sheds typing, presence and receipts ({@code edge.shed.*})
 * @param webApiUrl         the HTTP API's base URL as the web client reaches it
 * @param inboxSessionTimeout how long the group of edges waits for a silent edge before moving its
 *                          inbox partitions to the others (Kafka's session timeout)
 * @param tracing           spans of sends and deliveries ({@code tracing.*}; {@code service.name} kchat-edge)
 */
public record EdgeConfig(
        String host,
        String advertisedHost,
        int port,
        int adminPort,
        int ioThreads,
        int workerThreads,
        String bootstrapServers,
        String registryUrl,
        String groupId,
        AuthConfig auth,
        Limits limits,
        Duration idleTimeout,
        int maxQueuedFrames,
        Duration catchUpTimeout,
        Duration longPollMax,
        java.util.Optional<String> presenceUrl,
        int maxViewedChannels,
        Duration memberUpdateInterval,
        int maxSessionSetUps,
        Duration helloTimeout,
        ShedConfig shed,
        java.util.Optional<String> webApiUrl,
        Duration inboxSessionTimeout,
        TracingSettings tracing) {

    /** {@code service.name} of the edge's spans unless {@code tracing.service.name} says otherwise. */
    public static final String SERVICE_NAME = "kchat-edge";

    static final List<String[]> DOCUMENTED = List.of(
            new String[] {"edge.host", "0.0.0.0", "address the edge binds to"},
            new String[] {"edge.advertised.host", "127.0.0.1", "address clients use to reach this edge"},
            new String[] {"edge.port", "8090", "WebSocket (/v1/ws) and long-poll (/v1/poll) port"},
            new String[] {"edge.admin.port", "9090", "health and Prometheus metrics port"},
            new String[] {"edge.io.threads", "2", "Undertow I/O threads"},
            new String[] {"edge.worker.threads", "8", "threads for store reads and sends"},
            new String[] {"kafka.bootstrap.servers", "127.0.0.1:9092", "Kafka bootstrap servers"},
            new String[] {"schema.registry.url", "http://127.0.0.1:8081", "schema registry (Confluent REST API)"},
            new String[] {"edge.group.id", "kchat-edges", "consumer group of all edges over chat.inbox"},
            new String[] {"edge.idle.timeout", "60s", "close a connection silent this long (clients ping)"},
            new String[] {"edge.max.queued.frames", "1000", "unflushed frames per connection before a slow client is cut off"},
            new String[] {"edge.catch.up.timeout", "10s", "wait for a gap to reach the store before asking the device to resync"},
            new String[] {"edge.long.poll.max", "30s", "longest wait of GET /v1/poll"},
            new String[] {"edge.presence.url", "(none)", "presence app's query URL, for the current state on subscribe_presence"},
            new String[] {"edge.max.session.setups", "1000", "sessions being set up (upgrade to ready) beyond which upgrades get 503 edge_busy"},
            new String[] {"edge.hello.timeout", "30s", "close a connection whose hello has not been handled this long after the upgrade"},
            new String[] {"edge.web.api.url", "(none: the page's own origin)", "the HTTP API's base URL as browsers reach it, told to the web client at /web/config.json"},
            new String[] {"edge.kafka.session.timeout", "45s", "how long the edges' group waits for a silent (dead) edge before its inbox partitions, and clients, move to the others"},
            new String[] {"edge.max.viewed.channels", "10", "server channels one connection may view at once (view_channel; more are refused too_many_views)"},
            new String[] {"edge.members.update.interval.ms", "1000", "a member-list subscription gets at most one member_list_update per this many ms (presence aggregated, latest per user)"});

    public static EdgeConfig from(Settings s) {
        return new EdgeConfig(
                s.string("edge.host", "0.0.0.0"),
                s.string("edge.advertised.host", "127.0.0.1"),
                s.integer("edge.port", 8090),
                s.integer("edge.admin.port", 9090),
                s.integer("edge.io.threads", 2),
                s.integer("edge.worker.threads", 8),
                s.string("kafka.bootstrap.servers", "127.0.0.1:9092"),
                s.string("schema.registry.url", "http://127.0.0.1:8081"),
                s.string("edge.group.id", "kchat-edges"),
                AuthConfig.from(s),
                Limits.from(s),
                s.duration("edge.idle.timeout", Duration.ofSeconds(60)),
                s.integer("edge.max.queued.frames", 1000),
                s.duration("edge.catch.up.timeout", Duration.ofSeconds(10)),
                s.duration("edge.long.poll.max", Duration.ofSeconds(30)),
                s.find("edge.presence.url"),
                s.integer("edge.max.viewed.channels", 10),
                Duration.ofMillis(s.integer("edge.members.update.interval.ms", 1000)),
                s.integer("edge.max.session.setups", 1000),
                s.duration("edge.hello.timeout", Duration.ofSeconds(30)),
                ShedConfig.from(s),
                s.find("edge.web.api.url"),
                s.duration("edge.kafka.session.timeout", Duration.ofSeconds(45)),
                TracingSettings.from(s, SERVICE_NAME));
    }

    /** The same edge on another port (tests and the local runner start several). */
    public EdgeConfig withPorts(int newPort, int newAdminPort) {
        return new EdgeConfig(host, advertisedHost, newPort, newAdminPort, ioThreads, workerThreads, bootstrapServers,
                registryUrl, groupId, auth, limits, idleTimeout, maxQueuedFrames, catchUpTimeout, longPollMax, presenceUrl,
                maxViewedChannels, memberUpdateInterval,
                maxSessionSetUps, helloTimeout, shed, webApiUrl, inboxSessionTimeout, tracing);
    }

    static String help() {
        List<String[]> rows = new ArrayList<>(DOCUMENTED);
        rows.addAll(AuthConfig.DOCUMENTED);
        rows.addAll(ShedConfig.DOCUMENTED);
        rows.addAll(Limits.DOCUMENTED);
        rows.addAll(TracingSettings.documented(SERVICE_NAME));
        StringBuilder out = new StringBuilder("kchat edge-push: the WebSocket edge.\n\nSettings (as -Dkey=value or environment variable):\n");
        for (String[] row : rows) {
            out.append(String.format("  %-32s %-36s default %-22s %s%n", row[0], Settings.envName(row[0]), row[1], row[2]));
        }
        out.append("\nCQL settings (cql.contact.points, cql.local.datacenter, cql.keyspace, ...) as in docs/storage.md.\n");
        return out.toString();
    }
}
