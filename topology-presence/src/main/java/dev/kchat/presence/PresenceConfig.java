package dev.kchat.presence;

import dev.kchat.service.Settings;
import dev.kchat.streams.StreamsAppSettings;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * Settings of the presence topology. Every key can be set as {@code -Dkey=value}, as the environment
 * variable {@code KCHAT_KEY} (dots as underscores) or in the properties file named by
 * {@code KCHAT_CONFIG}; {@link #help()} lists them with their defaults.
 *
 * @param app                 what every Kafka Streams app has, under {@code presence.*}: application
 *                            id, guarantee, threads, admin server, start timeout (how long
 *                            {@link PresenceApp#start} waits for RUNNING), {@code presence.streams.*}
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
 */
public record PresenceConfig(
        StreamsAppSettings app,
        String queryHost,
        int queryPort,
        String advertisedHost,
        Duration queryTimeout,
        Duration sessionTtl,
        Duration offlineGrace,
        Duration punctuateInterval) {

    /** Keys of the settings every Streams app has, under {@code presence.}: see {@link StreamsAppSettings}. */
    public static final StreamsAppSettings.Keys KEYS = StreamsAppSettings.Keys.of("presence");
    public static final String QUERY_HOST = "presence.query.host";
    public static final String QUERY_PORT = "presence.query.port";
    public static final String QUERY_ADVERTISED_HOST = "presence.query.advertised.host";
    public static final String QUERY_TIMEOUT = "presence.query.timeout";
    public static final String SESSION_TTL = "presence.session.ttl";
    public static final String OFFLINE_GRACE = "presence.offline.grace";
    public static final String PUNCTUATE_INTERVAL = "presence.punctuate.interval";

    public static final String DEFAULT_APPLICATION_ID = "kchat-presence";
    public static final String DEFAULT_HOST = "127.0.0.1";
    public static final int DEFAULT_ADMIN_PORT = 9403;
    public static final int DEFAULT_QUERY_PORT = 9410;
    public static final Duration DEFAULT_QUERY_TIMEOUT = Duration.ofSeconds(2);
    public static final Duration DEFAULT_SESSION_TTL = Duration.ofSeconds(90);
    public static final Duration DEFAULT_OFFLINE_GRACE = Duration.ofSeconds(10);
    public static final Duration DEFAULT_PUNCTUATE_INTERVAL = Duration.ofSeconds(5);

    /** Documented settings: key, default, meaning. Printed by {@code --help}. */
    static final List<String[]> DOCUMENTED = StreamsAppSettings.documented(KEYS, DEFAULT_APPLICATION_ID, DEFAULT_ADMIN_PORT, List.of(
            new String[] {QUERY_HOST, DEFAULT_HOST, "query server bind address (GET /presence); 0.0.0.0 in containers"},
            new String[] {QUERY_PORT, String.valueOf(DEFAULT_QUERY_PORT), "query server port; 0 picks a free one"},
            new String[] {QUERY_ADVERTISED_HOST, "(" + QUERY_HOST + ")",
                    "host other instances reach this one's query server at (application.server); required with 0.0.0.0"},
            new String[] {QUERY_TIMEOUT, "2s", "how long a query waits for another instance"},
            new String[] {SESSION_TTL, "90s", "a session silent (no heartbeat) for longer expires"},
            new String[] {OFFLINE_GRACE, "10s", "OFFLINE waits this long for a reconnect; at most one change per user per grace window"},
            new String[] {PUNCTUATE_INTERVAL, "5s", "wall-clock period of the expiry / held-change punctuator"}));

    public PresenceConfig {
        Objects.requireNonNull(app, "app");
        Objects.requireNonNull(queryHost, "queryHost");
        if (queryPort < 0 || queryPort > 65_535) {
            throw new Settings.ConfigException(QUERY_PORT, "must be 0..65535, was " + queryPort);
        }
        // Other instances forward queries to this host: a wildcard address would send them to themselves.
        if (advertisedHost == null || advertisedHost.isBlank() || advertisedHost.equals("0.0.0.0") || advertisedHost.equals("::")) {
            throw new Settings.ConfigException(QUERY_ADVERTISED_HOST, "must be a host other instances can reach, was " + advertisedHost);
        }
        StreamsAppSettings.requirePositive(QUERY_TIMEOUT, queryTimeout);
        StreamsAppSettings.requirePositive(SESSION_TTL, sessionTtl);
        StreamsAppSettings.requirePositive(PUNCTUATE_INTERVAL, punctuateInterval);
        if (offlineGrace == null || offlineGrace.isNegative()) {
            throw new Settings.ConfigException(OFFLINE_GRACE, "must be a duration >= 0, was " + offlineGrace);
        }
    }

    /** Reads the settings, applying the documented defaults. */
    public static PresenceConfig from(Settings settings) {
        String queryHost = settings.string(QUERY_HOST, DEFAULT_HOST);
        return new PresenceConfig(
                StreamsAppSettings.from(settings, KEYS, DEFAULT_APPLICATION_ID, DEFAULT_ADMIN_PORT),
                queryHost,
                settings.integer(QUERY_PORT, DEFAULT_QUERY_PORT),
                settings.string(QUERY_ADVERTISED_HOST, queryHost),
                settings.duration(QUERY_TIMEOUT, DEFAULT_QUERY_TIMEOUT),
                settings.duration(SESSION_TTL, DEFAULT_SESSION_TTL),
                settings.duration(OFFLINE_GRACE, DEFAULT_OFFLINE_GRACE),
                settings.duration(PUNCTUATE_INTERVAL, DEFAULT_PUNCTUATE_INTERVAL));
    }

    /** The {@code --help} text: every setting with its environment variable and default. */
    public static String help() {
        return StreamsAppSettings.help("""
                kchat topology-presence: presence.sessions -> per-user presence -> presence.changes (coalesced); GET /presence.

                Usage: java dev.kchat.presence.PresenceApp [--help]

                """, DOCUMENTED, 32, 40);
    }
}
