package dev.kchat.bench;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs {@link BenchPlatform} as a child JVM with a fresh data folder and free ports (or, for a restart,
 * on the data and ports of a previous run: {@link #startOn}). Its log (and its
 * broker's and CQL server's output) goes to {@code <run dir>/platform.log}. Closing it stops the
 * platform, which stops its broker and CQL server.
 */
public final class PlatformProcess implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(PlatformProcess.class);

    private final ChildJvm jvm;
    private final JsonNode ready;

    private PlatformProcess(ChildJvm jvm) {
        this.jvm = jvm;
        this.ready = jvm.ready();
    }

    /**
     * Starts the platform with these app settings (e.g. {@code routing.processing.guarantee}) and
     * waits until it is up.
     *
     * @param runDir   where the data folder and the log go (created)
     * @param heap     the platform JVM's -Xmx, e.g. {@code 3g}
     * @param settings extra settings, passed as system properties
     */
    public static PlatformProcess start(Path runDir, String heap, Map<String, String> settings) throws IOException, InterruptedException {
        Map<String, String> all = new LinkedHashMap<>(freshPorts());
        all.putAll(settings);
        return startOn(runDir, heap, all);
    }

    /** Free ports for the platform's listeners, to pass to {@link #startOn} (a restart keeps them). */
    public static Map<String, String> freshPorts() {
        Map<String, String> ports = new LinkedHashMap<>();
        ports.put("local.kafka.port", String.valueOf(freePort()));
        ports.put("local.registry.port", String.valueOf(freePort()));
        ports.put("local.ingress.port", String.valueOf(freePort()));
        ports.put("local.edge.port", String.valueOf(freePort()));
        ports.put("local.admin.base.port", "0");
        return ports;
    }

    /**
     * Starts the platform on the data folder {@code <runDir>/data}, kept as it is (a restart after a
     * crash finds its broker, CQL and state there), with these settings, ports included.
     */
    public static PlatformProcess startOn(Path runDir, String heap, Map<String, String> settings) throws IOException, InterruptedException {
        Files.createDirectories(runDir);
        Map<String, String> all = new LinkedHashMap<>();
        all.put("local.data.dir", runDir.resolve("data").toAbsolutePath().toString());
        all.putAll(settings);
        ChildJvm jvm = ChildJvm.start("platform", BenchPlatform.class, jvmOptions(heap, "KCHAT_BENCH_PLATFORM_JAVA_OPTS"), all,
                BenchPlatform.logFile(runDir), BenchPlatform.startTimeout());
        PlatformProcess p = new PlatformProcess(jvm);
        log.info("platform up: ingress {} edge {} kafka {}", p.ingressUrl(), p.edgeUrl(), p.bootstrapServers());
        return p;
    }

    /**
     * A fixed heap, G1, and the extra options in an environment variable, e.g. a flight recording:
     * {@code KCHAT_BENCH_PLATFORM_JAVA_OPTS="-XX:StartFlightRecording=filename=platform.jfr,settings=profile"}.
     */
    static List<String> jvmOptions(String heap, String extraOptionsVariable) {
        List<String> opts = new ArrayList<>(List.of("-Xms" + heap, "-Xmx" + heap, "-XX:+UseG1GC"));
        String extra = System.getenv(extraOptionsVariable);
        if (extra != null && !extra.isBlank()) {
            opts.addAll(List.of(extra.trim().split("\\s+")));
        }
        return opts;
    }

    public String ingressUrl() {
        return ready.path("ingress").asText();
    }

    public String edgeUrl() {
        return ready.path("edge").asText();
    }

    /** The platform's edge's admin server (health, Prometheus metrics). */
    public String edgeAdminUrl() {
        return ready.path("edge_admin").asText();
    }

    public String bootstrapServers() {
        return ready.path("bootstrap").asText();
    }

    public String registryUrl() {
        return ready.path("registry").asText();
    }

    public String jwtSecret() {
        return ready.path("jwt_secret").asText();
    }

    /** What an extra edge process needs to join this platform (without its ports). */
    Map<String, String> edgeSettings() {
        Map<String, String> out = new LinkedHashMap<>();
        ready.path("edge_settings").fields().forEachRemaining(e -> out.put(e.getKey(), e.getValue().asText()));
        return out;
    }

    public long pid() {
        return jvm.pid();
    }

    /** The platform's Kafka broker child JVM. */
    public Optional<Long> brokerPid() {
        return childWith("kafka.Kafka");
    }

    /** The platform's CQL server child JVM. */
    public Optional<Long> cqlPid() {
        return childWith("CassandraDaemon");
    }

    /** The platform's Flink moderation job child JVM (absent with {@code local.moderation=false}). */
    public Optional<Long> moderationPid() {
        return childWith("ModerationJobMain");
    }

    private Optional<Long> childWith(String mainClass) {
        // ProcessHandle.info() truncates long command lines (the classpath); /proc has all of it.
        return jvm.descendants().stream().map(ProcessHandle::pid)
                .filter(pid -> ProcStats.commandLine(pid).contains(mainClass)).findFirst();
    }

    /** Heap after GC, RSS and buffer memory of the platform JVM (which holds the edge), and the edge's connections. */
    public JsonNode memory() throws IOException, InterruptedException {
        return jvm.command("mem", Duration.ofSeconds(60));
    }

    static int freePort() {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("no free port", e);
        }
    }

    /** {@code kill -9} of the platform JVM; returns once it is gone (its broker and CQL server then stop by themselves). */
    public void kill() throws InterruptedException {
        jvm.kill();
    }

    @Override
    public void close() {
        jvm.close();
    }
}
