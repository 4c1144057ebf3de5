package dev.kchat.local;

import dev.kchat.service.Settings;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/** Starts a whole local platform for a test class: its own data folder and free ports. */
final class TestPlatforms {

    private TestPlatforms() {
    }

    /**
     * The edges never shed load and the doors never refuse writes for overload in tests unless a test
     * asks for it: a slow moment of a busy CI machine must not drop the typing, hold back the receipts
     * or refuse the sends a test waits for.
     */
    static final Map<String, String> NO_SHEDDING = Map.of(
            "edge.shed.delay", "24h",
            "edge.shed.inbox.lag", String.valueOf(Long.MAX_VALUE),
            "edge.shed.queued.frames", String.valueOf(Long.MAX_VALUE),
            "edge.shed.cpu", "1.0",
            "limits.admission.enabled", "false");

    /**
     * A platform on free ports, without the moderation job (it costs a JVM the other tests do not
     * need); {@code appSettings} override the apps' settings (e.g. short timeouts) and
     * {@link #NO_SHEDDING}.
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
        Map<String, String> settings = new HashMap<>(NO_SHEDDING);
        settings.putAll(appSettings);
        // Every test deletes the data folder after the platform: no need for Cassandra to flush it.
        return LocalPlatform.start(config, Settings.of(settings)).discardDataOnClose();
    }

    /**
     * A platform for one test class, as a JUnit extension ({@code @RegisterExtension static}): started
     * before the class's tests in a data folder of its own, closed and deleted after them.
     */
    static Running running(Map<String, String> appSettings) {
        return new Running(appSettings);
    }

    /** See {@link #running}. */
    static final class Running implements BeforeAllCallback, AfterAllCallback {

        private final Map<String, String> appSettings;
        private Path dataDir;
        private LocalPlatform platform;
        private PlatformClient client;

        private Running(Map<String, String> appSettings) {
            this.appSettings = Map.copyOf(appSettings);
        }

        @Override
        public void beforeAll(ExtensionContext context) throws IOException {
            dataDir = Files.createTempDirectory("kchat-e2e-");
            platform = start(dataDir, appSettings);
            client = new PlatformClient(platform);
        }

        @Override
        public void afterAll(ExtensionContext context) throws IOException {
            try {
                if (platform != null) {
                    platform.close();
                }
            } finally {
                try (Stream<Path> files = Files.walk(dataDir)) {
                    for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                        Files.deleteIfExists(p);
                    }
                }
            }
        }

        LocalPlatform platform() {
            return platform;
        }

        PlatformClient client() {
            return client;
        }
    }

    /** A port for the platform to listen on: see {@link FreePorts}. */
    static int freePort() {
        return FreePorts.next();
    }
}
