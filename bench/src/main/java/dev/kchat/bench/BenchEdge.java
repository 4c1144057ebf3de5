package dev.kchat.bench;

import com.datastax.oss.driver.api.core.CqlSession;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kchat.edge.EdgeApp;
import dev.kchat.edge.EdgeConfig;
import dev.kchat.schemas.registry.HttpSchemaRegistryClient;
import dev.kchat.schemas.topic.Topics;
import dev.kchat.service.Settings;
import dev.kchat.store.cql.CqlConfig;
import dev.kchat.store.cql.CqlSessions;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One more WebSocket edge joining the platform under test, as its own JVM (the production layout:
 * edges are separate processes in one consumer group over {@code chat.inbox}, each with its own
 * 20,000 open files). Started from the platform's {@code edge_settings} with its own ports; answers
 * {@code mem} with its heap, RSS and connections ({@link ChildJvm}'s protocol).
 */
public final class BenchEdge {

    private BenchEdge() {
    }

    /** Starts edge number {@code n} (2, 3, ...) of the platform in a child JVM; returns when it owns its partitions. */
    static ChildJvm start(int n, Path runDir, String heap, PlatformProcess platform) throws IOException, InterruptedException {
        Map<String, String> settings = new LinkedHashMap<>(platform.edgeSettings());
        settings.put("edge.port", String.valueOf(PlatformProcess.freePort()));
        settings.put("edge.admin.port", "0");
        return ChildJvm.start("edge-" + n, BenchEdge.class, PlatformProcess.jvmOptions(heap, "KCHAT_BENCH_EDGE_JAVA_OPTS"),
                settings, runDir.resolve("edge-" + n + ".log"), Duration.ofMinutes(2));
    }

    public static void main(String[] args) throws IOException, InterruptedException {
        Settings settings = Settings.fromEnvironment();
        EdgeConfig config = EdgeConfig.from(settings);
        CqlConfig cql = CqlConfig.fromSettings(settings);
        try (CqlSession session = CqlSessions.connect(cql);
             EdgeApp edge = EdgeApp.start(config, Topics.create(new HttpSchemaRegistryClient(config.registryUrl())), session,
                     cql.keyspace())) {
            ObjectNode ready = ChildJvm.object().put("edge", edge.url());
            ChildJvm.serve(ready, command -> {
                if (command.equals("mem")) {
                    return BenchPlatform.memory().put("connections", edge.connections());
                }
                throw new IllegalArgumentException("unknown command");
            });
        }
    }
}
