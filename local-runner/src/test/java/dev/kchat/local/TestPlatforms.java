package dev.kchat.local;

import dev.kchat.service.Settings;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.Map;

/** Starts a whole local platform for a test class: its own data folder and free ports. */
final class TestPlatforms {

    private TestPlatforms() {
    }

    /**
     * A platform on free ports, without the moderation job (it costs a JVM the other tests do not
     * need); {@code appSettings} override the apps' settings (e.g. short timeouts).
     */
    static LocalPlatform start(Path dataDir, Map<String, String> appSettings) {
        return start(dataDir, appSettings, false);
    }

    /** The same, with the Flink moderation job running in its child JVM. */
    static LocalPlatform startWithModeration(Path dataDir, Map<String, String> appSettings) {
        return start(dataDir, appSettings, true);
    }

    private static LocalPlatform start(Path dataDir, Map<String, String> appSettings, boolean moderation) {
        LocalConfig config = LocalConfig.from(Settings.of(Map.of(
                "local.data.dir", dataDir.toString(),
                "local.kafka.port", String.valueOf(freePort()),
                "local.registry.port", String.valueOf(freePort()),
                "local.ingress.port", String.valueOf(freePort()),
                "local.edge.port", String.valueOf(freePort()),
                "local.admin.base.port", "0",
                "local.moderation", String.valueOf(moderation))));
        return LocalPlatform.start(config, Settings.of(appSettings));
    }

    static int freePort() {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
