package dev.kchat.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs {@link BenchPlatform} as a child JVM with a fresh data folder and free ports, and talks to it
 * over its stdin/stdout. Its log (and its broker's and CQL server's output) goes to
 * {@code <run dir>/platform.log}. Closing it stops the platform, which stops its broker and CQL
 * server.
 */
public final class PlatformProcess implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(PlatformProcess.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Process process;
    private final Writer commands;
    private final BlockingQueue<JsonNode> replies = new LinkedBlockingQueue<>();
    private final JsonNode ready;

    private PlatformProcess(Process process, Writer commands, JsonNode ready) {
        this.process = process;
        this.commands = commands;
        this.ready = ready;
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
        Files.createDirectories(runDir);
        Path logFile = BenchPlatform.logFile(runDir);
        Map<String, String> all = new LinkedHashMap<>();
        all.put("local.data.dir", runDir.resolve("data").toAbsolutePath().toString());
        all.put("local.kafka.port", String.valueOf(freePort()));
        all.put("local.registry.port", String.valueOf(freePort()));
        all.put("local.ingress.port", String.valueOf(freePort()));
        all.put("local.edge.port", String.valueOf(freePort()));
        all.put("local.admin.base.port", "0");
        all.putAll(settings);
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("-Xms" + heap);
        cmd.add("-Xmx" + heap);
        cmd.add("-XX:+UseG1GC");
        // Extra JVM options for the platform only, e.g. a flight recording:
        // KCHAT_BENCH_PLATFORM_JAVA_OPTS="-XX:StartFlightRecording=filename=platform.jfr,settings=profile"
        String extra = System.getenv("KCHAT_BENCH_PLATFORM_JAVA_OPTS");
        if (extra != null && !extra.isBlank()) {
            cmd.addAll(List.of(extra.trim().split("\\s+")));
        }
        all.forEach((k, v) -> cmd.add("-D" + k + "=" + v));
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(BenchPlatform.class.getName());
        log.info("starting the platform (log: {})", logFile);
        Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.appendTo(logFile.toFile())).start();
        // If this JVM is stopped (Ctrl-C) at any point, the platform and its broker and CQL server go too.
        Runtime.getRuntime().addShutdownHook(new Thread(() -> stopTree(p), "platform-stop-on-exit"));
        PlatformProcess[] self = new PlatformProcess[1];
        BlockingQueue<JsonNode> early = new LinkedBlockingQueue<>();
        Thread reader = new Thread(() -> pump(p, logFile, early), "platform-stdout");
        reader.setDaemon(true);
        reader.start();
        JsonNode first = early.poll(BenchPlatform.startTimeout().toSeconds(), TimeUnit.SECONDS);
        if (first == null || !first.path("event").asText().equals("ready")) {
            p.destroy();
            p.waitFor(60, TimeUnit.SECONDS);
            throw new IllegalStateException("the platform did not start within " + BenchPlatform.startTimeout()
                    + " (exit " + (p.isAlive() ? "none" : p.exitValue()) + "); see " + logFile);
        }
        Writer w = new BufferedWriter(new OutputStreamWriter(p.getOutputStream(), StandardCharsets.UTF_8));
        self[0] = new PlatformProcess(p, w, first);
        // Later replies go to the instance's queue.
        Thread forward = new Thread(() -> {
            try {
                while (true) {
                    self[0].replies.put(early.take());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "platform-replies");
        forward.setDaemon(true);
        forward.start();
        log.info("platform up: ingress {} edge {} kafka {}", first.path("ingress").asText(), first.path("edge").asText(),
                first.path("bootstrap").asText());
        return self[0];
    }

    private static void pump(Process p, Path logFile, BlockingQueue<JsonNode> replies) {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
             Writer out = Files.newBufferedWriter(logFile, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND)) {
            for (String line = in.readLine(); line != null; line = in.readLine()) {
                if (line.startsWith(BenchPlatform.PREFIX)) {
                    replies.add(JSON.readTree(line.substring(BenchPlatform.PREFIX.length())));
                } else {
                    out.write(line);
                    out.write('\n');
                    out.flush();
                }
            }
        } catch (IOException e) {
            log.error("lost the platform's output", e);
        }
    }

    public String ingressUrl() {
        return ready.path("ingress").asText();
    }

    public String edgeUrl() {
        return ready.path("edge").asText();
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

    public long pid() {
        return process.pid();
    }

    /** The platform's Kafka broker child JVM. */
    public Optional<Long> brokerPid() {
        return childWith("kafka.Kafka");
    }

    /** The platform's CQL server child JVM. */
    public Optional<Long> cqlPid() {
        return childWith("CassandraDaemon");
    }

    private Optional<Long> childWith(String mainClass) {
        // ProcessHandle.info() truncates long command lines (the classpath); /proc has all of it.
        return process.toHandle().descendants().map(ProcessHandle::pid)
                .filter(pid -> ProcStats.commandLine(pid).contains(mainClass)).findFirst();
    }

    /** Heap after GC, RSS and buffer memory of the platform JVM (which holds the edge). */
    public JsonNode memory() throws IOException, InterruptedException {
        commands.write("mem\n");
        commands.flush();
        JsonNode reply = replies.poll(60, TimeUnit.SECONDS);
        if (reply == null) {
            throw new IllegalStateException("the platform did not answer 'mem' within 60 s");
        }
        return reply;
    }

    /** Terminates the process's children first (its broker and CQL server), then the process. */
    private static void stopTree(Process p) {
        if (!p.isAlive()) {
            return;
        }
        List<ProcessHandle> children = p.descendants().toList();
        p.destroy();
        try {
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        children.stream().filter(ProcessHandle::isAlive).forEach(ProcessHandle::destroy);
    }

    static int freePort() {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("no free port", e);
        }
    }

    @Override
    public void close() {
        List<ProcessHandle> children = process.descendants().toList();
        try {
            commands.write("stop\n");
            commands.flush();
            commands.close();
        } catch (IOException e) {
            log.warn("could not ask the platform to stop ({}); terminating it", e.toString());
            process.destroy();
        }
        try {
            if (!process.waitFor(Duration.ofMinutes(2).toSeconds(), TimeUnit.SECONDS)) {
                log.warn("the platform did not stop within 2 minutes; terminating it");
                process.destroy();
                if (!process.waitFor(60, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
        for (ProcessHandle child : children) {
            if (child.isAlive()) {
                log.warn("platform child {} outlived it; terminating it", child.pid());
                child.destroy();
            }
        }
        log.info("platform stopped");
    }
}
