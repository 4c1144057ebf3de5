package dev.kchat.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kchat.local.LocalConfig;
import dev.kchat.local.LocalPlatform;
import dev.kchat.service.Settings;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryUsage;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The platform under test, as its own JVM (started by {@link PlatformProcess}): the load client
 * must not share its heap, its CPU accounting or its 20,000 open files. Starts {@link LocalPlatform}
 * with the settings given as system properties, prints one {@code @bench} line with where
 * everything is, then answers commands on stdin ({@code mem}: collect garbage and report heap and
 * RSS; {@code stop}) until stdin closes.
 */
public final class BenchPlatform {

    private static final Logger log = LoggerFactory.getLogger(BenchPlatform.class);
    static final String PREFIX = "@bench ";
    private static final ObjectMapper JSON = new ObjectMapper();

    private BenchPlatform() {
    }

    public static void main(String[] args) throws IOException, InterruptedException {
        Settings settings = Settings.fromEnvironment();
        LocalConfig config = LocalConfig.from(settings);
        LocalPlatform started = LocalPlatform.start(config, settings);
        // Terminated (not asked to stop): still stop the broker and the CQL server, our child JVMs.
        Thread hook = new Thread(started::close, "bench-platform-stop");
        Runtime.getRuntime().addShutdownHook(hook);
        try (LocalPlatform platform = started) {
            ObjectNode ready = JSON.createObjectNode().put("event", "ready")
                    .put("ingress", platform.ingressUrl()).put("edge", platform.edgeUrl())
                    .put("bootstrap", platform.bootstrapServers())
                    .put("registry", "http://" + config.host() + ":" + config.registryPort())
                    .put("jwt_secret", Files.readString(config.dataDir().resolve("jwt-secret"), StandardCharsets.UTF_8).trim())
                    .put("pid", ProcessHandle.current().pid());
            reply(ready);
            BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            for (String line = in.readLine(); line != null && !line.equals("stop"); line = in.readLine()) {
                if (line.equals("mem")) {
                    reply(memory());
                } else {
                    log.warn("unknown command '{}'", line);
                    reply(JSON.createObjectNode().put("event", "error").put("message", "unknown command " + line));
                }
            }
            log.info("stopping the benchmark platform");
            Runtime.getRuntime().removeShutdownHook(hook);
        }
    }

    /** Heap after two collections, and the process's resident set: the figures of a memory benchmark. */
    static ObjectNode memory() throws InterruptedException {
        System.gc();
        Thread.sleep(300);
        System.gc();
        Thread.sleep(300);
        MemoryUsage heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage();
        MemoryUsage nonHeap = ManagementFactory.getMemoryMXBean().getNonHeapMemoryUsage();
        long direct = ManagementFactory.getPlatformMXBeans(java.lang.management.BufferPoolMXBean.class).stream()
                .mapToLong(java.lang.management.BufferPoolMXBean::getMemoryUsed).sum();
        return JSON.createObjectNode().put("event", "mem").put("heap_used", heap.getUsed())
                .put("heap_committed", heap.getCommitted()).put("non_heap_used", nonHeap.getUsed())
                .put("buffers_used", direct).put("rss", ProcStats.rssBytes(ProcessHandle.current().pid()))
                .put("threads", Thread.activeCount());
    }

    private static void reply(ObjectNode o) {
        System.out.println(PREFIX + o);
        System.out.flush();
    }

    static Duration startTimeout() {
        return Duration.ofMinutes(4);
    }

    static Path logFile(Path runDir) {
        return runDir.resolve("platform.log");
    }
}
