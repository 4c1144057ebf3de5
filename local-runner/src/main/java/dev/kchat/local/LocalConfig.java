package dev.kchat.local;

import dev.kchat.service.Settings;
import java.nio.file.Path;
import java.util.List;

/**
 * Settings of the all-in-one local runner. Every key can be set as {@code -Dkey=value} or as the
 * environment variable {@code KCHAT_KEY} (dots as underscores). The apps it starts also read
 * their own settings (see each app's {@code --help}); the runner only sets what ties them together.
 *
 * @param dataDir      where the broker, the CQL server, the registry and the apps' state live
 * @param host         the loopback address everything binds to
 * @param kafkaPort    the broker's client port
 * @param registryPort the schema registry's HTTP port
 * @param ingressPort  the HTTP API's port
 * @param edgePort     the WebSocket edge's port
 * @param adminBasePort first of the admin (health, metrics) ports: +0 ingress, +1 edge, +2 routing,
 *                      +3 fanout, +4 sink; 0 picks free ports
 */
public record LocalConfig(Path dataDir, String host, int kafkaPort, int registryPort, int ingressPort, int edgePort,
        int adminBasePort, boolean moderation) {

    /** Documented settings: key, default, meaning. Printed by {@code --help}. */
    static final List<String[]> DOCUMENTED = List.of(
            new String[] {"local.data.dir", ".local", "folder for broker, CQL and app data, registry file and logs (kept across runs)"},
            new String[] {"local.host", "127.0.0.1", "address every local service binds to"},
            new String[] {"local.kafka.port", "9092", "Kafka broker client port"},
            new String[] {"local.registry.port", "8081", "schema registry port (Confluent REST API)"},
            new String[] {"local.ingress.port", "8080", "HTTP API port"},
            new String[] {"local.edge.port", "8090", "WebSocket edge port"},
            new String[] {"local.admin.base.port", "9080", "first admin port (health, metrics); 0 = free ports"},
            new String[] {"local.moderation", "true", "run the Flink moderation job (a child JVM with a MiniCluster, ~400 MB)"},
            new String[] {"local.instances", "1", "processes of each app; above 1 every app runs as that many processes of its own (the local cluster; also --instances N)"},
            new String[] {"local.cluster.session.timeout", "10s", "local cluster: how long a killed instance keeps its partitions before its group moves them"});

    public static LocalConfig from(Settings settings) {
        return new LocalConfig(
                Path.of(settings.string("local.data.dir", ".local")).toAbsolutePath(),
                settings.string("local.host", "127.0.0.1"),
                settings.integer("local.kafka.port", 9092),
                settings.integer("local.registry.port", 8081),
                settings.integer("local.ingress.port", 8080),
                settings.integer("local.edge.port", 8090),
                settings.integer("local.admin.base.port", 9080),
                settings.bool("local.moderation", true));
    }

    int adminPort(int offset) {
        return adminBasePort == 0 ? 0 : adminBasePort + offset;
    }

    static String help() {
        StringBuilder out = new StringBuilder("""
                kchat local runner: the platform on this machine with embedded defaults.

                Usage: bin/run-local [--instances N] [--help]

                With --instances 2 (or more) every app runs as that many processes of its own, each from its
                own main and settings file, over one broker and one CQL server: the local cluster
                (docs/architecture.md, "Scale-out story").

                Settings (as -Dkey=value or environment variable):
                """);
        for (String[] s : DOCUMENTED) {
            out.append(String.format("  %-22s %-28s default %-10s %s%n", s[0], Settings.envName(s[0]), s[1], s[2]));
        }
        return out.toString();
    }
}
