package dev.kchat.deploy;

import dev.kchat.service.Settings;
import java.time.Duration;
import java.util.Map;

/**
 * Where {@link MigrateFanoutStateApp} moves fanout's receipt state from and to. The application ids
 * are read under the same keys as the apps read them, so one configuration file serves the apps and
 * the tool.
 *
 * @param bootstrapServers     the cluster's brokers
 * @param routingApplicationId routing's {@code application.id}: its consumer group and the prefix of
 *                             the target changelogs
 * @param fanoutApplicationId  fanout's {@code application.id}: its consumer group and the prefix of
 *                             the source changelogs
 * @param timeout              how long each request to the cluster, and reading one changelog to its end,
 *                             may take
 * @param clientOverrides      extra Kafka client properties for the admin client, the consumers and the
 *                             producer (e.g. {@code security.protocol})
 */
public record MigrateFanoutStateConfig(String bootstrapServers, String routingApplicationId,
        String fanoutApplicationId, Duration timeout, Map<String, String> clientOverrides) {

    public static final String BOOTSTRAP_SERVERS = "kafka.bootstrap.servers";
    /** The key routing reads its application id under (RoutingConfig.KEYS). */
    public static final String ROUTING_APPLICATION_ID = "routing.application.id";
    /** The key fanout reads its application id under (FanoutConfig.KEYS). */
    public static final String FANOUT_APPLICATION_ID = "fanout.application.id";
    public static final String TIMEOUT = "migrate.timeout";
    public static final String CLIENT_PREFIX = "migrate.client.";

    public static final String DEFAULT_BOOTSTRAP_SERVERS = "127.0.0.1:9092";
    /** RoutingConfig.DEFAULT_APPLICATION_ID. */
    public static final String DEFAULT_ROUTING_APPLICATION_ID = "kchat-routing";
    /** FanoutConfig.DEFAULT_APPLICATION_ID. */
    public static final String DEFAULT_FANOUT_APPLICATION_ID = "kchat-fanout";
    public static final Duration DEFAULT_TIMEOUT = Duration.ofMinutes(2);

    public MigrateFanoutStateConfig {
        if (routingApplicationId.isBlank() || fanoutApplicationId.isBlank()) {
            throw new Settings.ConfigException(routingApplicationId.isBlank() ? ROUTING_APPLICATION_ID
                    : FANOUT_APPLICATION_ID, "must not be empty");
        }
        if (routingApplicationId.equals(fanoutApplicationId)) {
            throw new Settings.ConfigException(FANOUT_APPLICATION_ID,
                    "must differ from " + ROUTING_APPLICATION_ID + " (both are " + fanoutApplicationId + ")");
        }
        if (timeout.isNegative() || timeout.isZero()) {
            throw new Settings.ConfigException(TIMEOUT, "must be positive, was " + timeout);
        }
        clientOverrides = Map.copyOf(clientOverrides);
    }

    public static MigrateFanoutStateConfig from(Settings s) {
        return new MigrateFanoutStateConfig(
                s.string(BOOTSTRAP_SERVERS, DEFAULT_BOOTSTRAP_SERVERS),
                s.string(ROUTING_APPLICATION_ID, DEFAULT_ROUTING_APPLICATION_ID),
                s.string(FANOUT_APPLICATION_ID, DEFAULT_FANOUT_APPLICATION_ID),
                s.duration(TIMEOUT, DEFAULT_TIMEOUT),
                s.withPrefix(CLIENT_PREFIX));
    }

    public static String help() {
        return String.format("""
                Usage: migrate-fanout-state [--dry-run] [--force] [--offsets-only]

                Moves fanout's receipt state to routing, once, in the upgrade that gives routing the
                conversation fan-out and the receipts (docs/operations.md, "Upgrades"). With routing and
                fanout stopped, it copies each changelog
                  <fanout id>-fanout-receipt-{positions,window,authors}-changelog, partition p, to
                  <routing id>-routing-receipt-{positions,window,authors}-changelog, partition p
                (raw bytes, read_committed, tombstones and headers kept; a target is created compacted
                with the source's partitions if missing), then gives routing's group fanout's committed
                offsets on chat.receipts, so routing continues the receipts where fanout stopped.

                It refuses, and changes nothing, unless both groups have no active member, fanout has
                processed everything on chat.conversation.log, chat.command.results and its by-user
                repartition, and no target changelog holds records (--force copies onto them anyway:
                the copied records come last, so they win on restore; use it to finish a run that failed
                half-way).

                  --dry-run       check and print what it would do; write nothing
                  --force         copy even if a target changelog holds records or routing's group
                                  has offsets on chat.receipts
                  --offsets-only  copy no changelog, only the offsets on chat.receipts: the reset
                                  alternative (routing's receipt stores start empty; operations.md
                                  says what that loses)

                Exit status: 0 done (or, with --dry-run, would be done); 1 the cluster failed or did not
                answer; 2 a setting or an argument is wrong; 3 refused (not safe: the log says why).

                Settings (-Dkey=value, KCHAT_KEY environment variables, or the file named by KCHAT_CONFIG):
                  %-28s Kafka bootstrap servers (default %s)
                  %-28s routing's application id (default %s)
                  %-28s fanout's application id (default %s)
                  %-28s each request, and reading one changelog, may take (default %s)
                  %-28s any Kafka client property, e.g. %ssecurity.protocol=SSL
                """, BOOTSTRAP_SERVERS, DEFAULT_BOOTSTRAP_SERVERS,
                ROUTING_APPLICATION_ID, DEFAULT_ROUTING_APPLICATION_ID,
                FANOUT_APPLICATION_ID, DEFAULT_FANOUT_APPLICATION_ID,
                TIMEOUT, DEFAULT_TIMEOUT.toSeconds() + "s",
                CLIENT_PREFIX + "*", CLIENT_PREFIX);
    }
}
