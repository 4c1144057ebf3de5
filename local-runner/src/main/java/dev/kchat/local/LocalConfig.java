package dev.kchat.local;

import dev.kchat.service.Settings;
import java.nio.file.Path;
import java.util.List;

/**
 * Settings of the all-in-one local runner. Every key can be set as {@code -Dkey=value} or as the
 * environment variable {@code KCHAT_KEY} (dots as underscores).
 *
 * @param dataDir      where the broker, the registry and (later) the CQL server keep their data
 * @param host         the loopback address everything binds to
 * @param kafkaPort    the broker's client port
 * @param registryPort the schema registry's HTTP port
 */
public record LocalConfig(Path dataDir, String host, int kafkaPort, int registryPort) {

    /** Documented settings: key, default, meaning. Printed by {@code --help}. */
    static final List<String[]> DOCUMENTED = List.of(
            new String[] {"local.data.dir", ".local", "folder for broker data, registry file and logs (kept across runs)"},
            new String[] {"local.host", "127.0.0.1", "address every local service binds to"},
            new String[] {"local.kafka.port", "9092", "Kafka broker client port"},
            new String[] {"local.registry.port", "8081", "schema registry port (Confluent REST API)"});

    public static LocalConfig from(Settings settings) {
        return new LocalConfig(
                Path.of(settings.string("local.data.dir", ".local")).toAbsolutePath(),
                settings.string("local.host", "127.0.0.1"),
                settings.integer("local.kafka.port", 9092),
                settings.integer("local.registry.port", 8081));
    }

    static String help() {
        StringBuilder out = new StringBuilder("""
                kchat local runner: the platform on this machine with embedded defaults.

                Usage: bin/run-local [--help]

                Settings (as -Dkey=value or environment variable):
                """);
        for (String[] s : DOCUMENTED) {
            out.append(String.format("  %-22s %-26s default %-10s %s%n", s[0], Settings.envName(s[0]), s[1], s[2]));
        }
        return out.toString();
    }
}
