package dev.kchat.local;

import dev.kchat.api.auth.TokenMinter;
import dev.kchat.process.OwnerJvm;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The local platform ({@link LocalRunner#main}) as a child JVM of the test, on a data folder and ports
 * that stay the same across restarts, so the test can {@code kill -9} it and start it again on the same
 * data. Its broker and CQL server are its own child JVMs and end with it.
 */
final class ChildPlatform implements AutoCloseable {

    /** A cold start (Cassandra, the broker, every app) takes about a minute on two busy cores. */
    private static final Duration START = Duration.ofMinutes(4);

    private final Path dataDir;
    private final Map<String, String> settings;
    private final OwnerJvm jvm;

    private ChildPlatform(Path dataDir, Map<String, String> settings, OwnerJvm jvm) {
        this.dataDir = dataDir;
        this.settings = settings;
        this.jvm = jvm;
    }

    /**
     * Picks free ports and starts the platform on {@code dataDir} (without the moderation job), up to
     * three times: on a shared machine another process can take a port between the pick and the bind.
     */
    static ChildPlatform start(Path dataDir) throws InterruptedException {
        for (int attempt = 1; ; attempt++) {
            Map<String, String> settings = Map.of(
                    "local.data.dir", dataDir.toString(),
                    "local.kafka.port", String.valueOf(TestPlatforms.freePort()),
                    "local.registry.port", String.valueOf(TestPlatforms.freePort()),
                    "local.ingress.port", String.valueOf(TestPlatforms.freePort()),
                    "local.edge.port", String.valueOf(TestPlatforms.freePort()),
                    "local.admin.base.port", "0",
                    "local.moderation", "false");
            try {
                return start(dataDir, settings, "platform-start-" + attempt + ".log");
            } catch (IllegalStateException e) {
                if (attempt == 3) {
                    throw e;
                }
            }
        }
    }

    private static ChildPlatform start(Path dataDir, Map<String, String> settings, String logName) throws InterruptedException {
        List<String> options = new ArrayList<>(List.of("-Xms1g", "-Xmx1g", "-XX:+UseG1GC"));
        settings.forEach((k, v) -> options.add("-D" + k + "=" + v));
        OwnerJvm jvm = OwnerJvm.start(LocalRunner.class, options, dataDir.resolveSibling(logName));
        try {
            jvm.awaitLine("kchat is running locally", START);
        } catch (IllegalStateException e) {
            jvm.close();
            throw e;
        }
        return new ChildPlatform(dataDir, settings, jvm);
    }

    /** {@code kill -9} of the platform JVM, then a new one on the same data and ports; returns once it is up. */
    ChildPlatform killAndRestart() throws InterruptedException {
        jvm.kill();
        return start(dataDir, settings, "platform-restart.log");
    }

    String ingressUrl() {
        return "http://127.0.0.1:" + settings.get("local.ingress.port");
    }

    /** A token signed with the platform's secret, which stays in its data folder across restarts. */
    String token(String user) throws java.io.IOException {
        String secret = Files.readString(dataDir.resolve("jwt-secret"), StandardCharsets.UTF_8).trim();
        return new TokenMinter(secret, null).mint(user, Duration.ofHours(1));
    }

    /** Stops the platform the ordinary way (SIGTERM: it closes its apps, its broker and its CQL server). */
    @Override
    public void close() throws InterruptedException {
        jvm.close();
    }
}
