package dev.kchat.local;

import dev.kchat.process.ChildPidFile;
import dev.kchat.process.OwnerWatch;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A child JVM of the local platform: one app instance of the local cluster (the app's own {@code main},
 * its settings in a properties file named by {@code kchat.config}, what an operator's deployment would
 * give it) or the moderation job ({@link ModerationJobProcess}). Its output goes to a log file; it is
 * ready when its {@code /health/ready} answers 200.
 *
 * <p>It ends with its owner however the owner ends ({@link OwnerWatch}: the child exits when its stdin
 * pipe closes, {@code kill -9} of the owner included), and a start on the same folder first waits for a
 * child left by a killed owner ({@link ChildPidFile}). {@link #kill()} is a {@code kill -9} of the child
 * (fault tests); {@link #close()} a SIGTERM, on which the app's shutdown hook leaves its group (the job
 * cancels itself, keeping its checkpoint).
 */
final class AppProcess implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(AppProcess.class);
    private static final Duration READY_TIMEOUT = Duration.ofMinutes(3);

    private final String name;
    private final Path dir;
    private final List<String> command;
    private final String identity;
    private final URI ready;
    private final Duration stopTimeout;
    private Process process;

    private AppProcess(String name, Path dir, List<String> command, String identity, URI ready, Duration stopTimeout) {
        this.name = name;
        this.dir = dir;
        this.command = command;
        this.identity = identity;
        this.ready = ready;
        this.stopTimeout = stopTimeout;
    }

    /**
     * Starts {@code mainClass} from this JVM's classpath with {@code settings}, in {@code dir} (its
     * settings file, log and pid file), without waiting for it to be ready (see {@link #awaitReady()}).
     *
     * @param readyUrl the instance's {@code /health/ready}
     */
    static AppProcess launch(String name, Path dir, String mainClass, Map<String, String> settings, String heap,
            URI readyUrl) {
        try {
            Files.createDirectories(dir);
            Path config = dir.resolve(name + ".properties");
            Properties properties = new Properties();
            properties.putAll(new TreeMap<>(settings));
            try (OutputStream out = Files.newOutputStream(config)) {
                properties.store(out, name + " of the local cluster (written at each start)");
            }
            List<String> jvm = List.of(
                    "-Xmx" + heap,
                    "-XX:+UseSerialGC",
                    "-XX:TieredStopAtLevel=1", // C1 only: a tenth of the JIT's CPU at start, on two cores
                    "-Dkchat.config=" + config,
                    "-cp", System.getProperty("java.class.path"));
            // The settings file's path is on the child's command line: a reused pid is never taken for it.
            return launch(name, dir, jvm, mainClass, config.toString(), readyUrl, Duration.ofSeconds(40));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + name + " in " + dir, e);
        }
    }

    /**
     * Starts {@code java <jvmArguments> <mainClass>} (under {@link OwnerWatch}) in {@code dir}, its output
     * in {@code <name>.log} and its pid in {@code <name>.pid}, without waiting for it to be ready.
     *
     * @param identity    a string on the child's command line that no other process's has (a reused pid
     *                    is never taken for the child left by a killed owner)
     * @param stopTimeout how long {@link #close()} waits after SIGTERM before killing it
     */
    static AppProcess launch(String name, Path dir, List<String> jvmArguments, String mainClass, String identity,
            URI readyUrl, Duration stopTimeout) {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(jvmArguments);
        command.addAll(OwnerWatch.mainArguments(mainClass));
        AppProcess app = new AppProcess(name, dir, command, identity, readyUrl, stopTimeout);
        try {
            Files.createDirectories(dir);
            app.start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + name + " in " + dir, e);
        }
        return app;
    }

    String name() {
        return name;
    }

    long pid() {
        return process.pid();
    }

    boolean alive() {
        return process.isAlive();
    }

    Path logFile() {
        return dir.resolve(name + ".log");
    }

    private void start() throws IOException {
        ChildPidFile pidFile = new ChildPidFile(dir.resolve(name + ".pid"), identity);
        pidFile.awaitPreviousGone(stopTimeout.plusSeconds(20));
        process = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile().toFile()))
                .start();
        pidFile.record(process.pid());
    }

    /** Blocks until the instance answers ready. */
    void awaitReady() {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException(name + " exited with " + process.exitValue() + "; see " + logFile() + "\n" + logTail());
            }
            try {
                HttpResponse<Void> answer = http.send(HttpRequest.newBuilder(ready).timeout(Duration.ofSeconds(2)).build(),
                        HttpResponse.BodyHandlers.discarding());
                if (answer.statusCode() == 200) {
                    log.info("{} ready (pid {}, log {})", name, process.pid(), logFile());
                    return;
                }
            } catch (IOException e) {
                log.debug("{} not answering yet: {}", name, e.toString());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for " + name, e);
            }
            pause(Duration.ofMillis(250));
        }
        throw new IllegalStateException(name + " was not ready within " + READY_TIMEOUT + "; see " + logFile() + "\n" + logTail());
    }

    /** The end of the instance's log, for a failure's message (the folder may be gone by the time anyone looks). */
    private String logTail() {
        try {
            List<String> lines = Files.readAllLines(logFile(), java.nio.charset.StandardCharsets.ISO_8859_1);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    /** {@code kill -9} of the instance (on Linux {@link Process#destroyForcibly()} is SIGKILL); returns once it is dead. */
    void kill() {
        process.destroyForcibly();
        try {
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                throw new IllegalStateException(name + " (pid " + process.pid() + ") survived SIGKILL for 30 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while killing " + name, e);
        }
        log.info("{} killed (pid {})", name, process.pid());
    }

    /** A new JVM of the same instance (same settings, ports and state folder), after {@link #kill()} or {@link #close()}. */
    void restart() {
        try {
            start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot restart " + name, e);
        }
        awaitReady();
    }

    /** SIGTERM (the app closes itself and leaves its group), then a forced stop after the stop timeout. */
    @Override
    public void close() {
        if (process == null || !process.isAlive()) {
            return;
        }
        process.destroy();
        try {
            if (!process.waitFor(stopTimeout.toSeconds(), TimeUnit.SECONDS)) {
                log.warn("{} did not stop within {}; killing it", name, stopTimeout);
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
    }

    private static void pause(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
