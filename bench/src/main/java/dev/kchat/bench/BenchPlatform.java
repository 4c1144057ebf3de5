package dev.kchat.bench;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kchat.local.LocalConfig;
import dev.kchat.local.LocalPlatform;
import dev.kchat.service.Settings;
import java.io.IOException;
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
 * with the settings given as system properties, prints its ready line with where everything is
 * (and the settings an extra edge needs to join), then answers commands ({@code mem}: collect garbage
 * and report heap, RSS and the edge's connections) until told to stop ({@link ChildJvm}'s protocol).
 */
public final class BenchPlatform {

    private static final Logger log = LoggerFactory.getLogger(BenchPlatform.class);

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
            ObjectNode ready = ChildJvm.object()
                    .put("ingress", platform.ingressUrl()).put("edge", platform.edgeUrl())
                    .put("edge_admin", "http://" + config.host() + ":" + platform.edgeAdminPort())
                    .put("bootstrap", platform.bootstrapServers())
                    .put("registry", "http://" + config.host() + ":" + config.registryPort())
                    .put("jwt_secret", Files.readString(config.dataDir().resolve("jwt-secret"), StandardCharsets.UTF_8).trim());
            ObjectNode edgeSettings = ready.putObject("edge_settings");
            platform.edgeSettings().forEach(edgeSettings::put);
            ChildJvm.serve(ready, command -> {
                if (command.equals("mem")) {
                    return memory().put("connections", platform.edgeConnections());
                }
                throw new IllegalArgumentException("unknown command");
            });
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
        return ChildJvm.object().put("event", "mem").put("heap_used", heap.getUsed())
                .put("heap_committed", heap.getCommitted()).put("non_heap_used", nonHeap.getUsed())
                .put("buffers_used", direct).put("rss", ProcStats.rssBytes(ProcessHandle.current().pid()))
                .put("threads", Thread.activeCount()).put("open_files", openFiles());
    }

    /** File descriptors this process has open (sockets included); -1 where /proc is missing. */
    static long openFiles() {
        try (java.util.stream.Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.count();
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    static Duration startTimeout() {
        return Duration.ofMinutes(4);
    }

    static Path logFile(Path runDir) {
        return runDir.resolve("platform.log");
    }
}
