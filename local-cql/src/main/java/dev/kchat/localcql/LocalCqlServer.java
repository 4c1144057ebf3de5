package dev.kchat.localcql;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.CqlSessionBuilder;
import com.datastax.oss.driver.api.core.config.DefaultDriverOption;
import com.datastax.oss.driver.api.core.config.DriverConfigLoader;
import com.datastax.oss.driver.api.core.cql.Row;
import dev.kchat.process.ChildPidFile;
import dev.kchat.process.OwnerWatch;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.IntSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A single-node Apache Cassandra 5.0 running as a child JVM on loopback: the CQL database of tests and
 * of the all-in-one runner (ScyllaDB speaks the same CQL and native protocol).
 *
 * <p>{@link #start(LocalCqlConfig)} writes a minimal {@code cassandra.yaml} with free ports, launches
 * {@code CassandraDaemon} with the classpath Maven resolved for this module (resource
 * {@value CassandraNode#CLASSPATH_RESOURCE}) and returns once {@code SELECT release_version FROM system.local}
 * answers through the driver. The child's logs go to {@code logs/} under the data folder, never to this
 * process's output. {@link #close()} stops it (SIGTERM, wait, then kill) and deletes a temporary folder.
 * If this JVM is killed ({@code kill -9}: no shutdown hook runs), the child notices through {@link
 * OwnerWatch} and drains and exits; the next start on the same folder waits for it to be gone ({@link
 * ChildPidFile}) and Cassandra replays its commit log.
 */
public final class LocalCqlServer implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(LocalCqlServer.class);

    /** SimpleSnitch puts the single node in this data center; the driver needs it for local routing. */
    public static final String LOCAL_DATACENTER = "datacenter1";
    public static final String CLUSTER_NAME = "kchat-local";
    static final String HOST = "127.0.0.1";
    private static final Duration PROBE_INTERVAL = Duration.ofMillis(250);
    private static final int LOG_TAIL_LINES = 40;
    private static final String PID_FILE = "cassandra.pid";
    /** A drain takes ~7 s; the child's own watch halts it after 30 s at most. */
    private static final Duration PREVIOUS_SERVER_WAIT = Duration.ofSeconds(60);
    /** Cassandra's words when {@code storage_port} or {@code native_transport_port} is taken. */
    private static final String PORT_IN_USE = "is in use by another process";
    private static final int PORT_ATTEMPTS = 3;

    private final Process process;
    private final Path dir;
    private final boolean temporaryDir;
    private final int cqlPort;
    private final Duration stopTimeout;
    private final Thread stopOnExit;
    private volatile boolean closed;

    private LocalCqlServer(Process process, Path dir, boolean temporaryDir, int cqlPort, Duration stopTimeout) {
        this.process = process;
        this.dir = dir;
        this.temporaryDir = temporaryDir;
        this.cqlPort = cqlPort;
        this.stopTimeout = stopTimeout;
        // A JVM that exits without closing the server (a crashed test run) must not leave Cassandra
        // behind: stopped at once, unless the owner asked for a grace (closeOnExitAfterOwner), so its
        // own hook, running at the same time, can close the apps writing to it first.
        this.stopOnExit = new Thread(() -> {
            long deadline = System.nanoTime() + exitGrace.toNanos();
            while (!closed && System.nanoTime() < deadline) {
                try {
                    Thread.sleep(100);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
            stop();
        }, "local-cql-stop-on-exit");
        Runtime.getRuntime().addShutdownHook(stopOnExit);
    }

    private volatile Duration exitGrace = Duration.ZERO;
    private volatile boolean discardData;

    /**
     * On JVM exit, wait up to {@code grace} for the owner to close this server (in its own shutdown
     * hook, after the apps that use it) before stopping it; by default it is stopped at once.
     */
    public void closeOnExitAfterOwner(Duration grace) {
        this.exitGrace = grace;
    }

    /**
     * The caller throws the data away after {@link #close()}: close then kills the child at once
     * instead of letting Cassandra drain and flush (~7 s) what nobody will read. Temporary servers
     * ({@link #startTemporary()}) always close this way.
     */
    public void discardDataOnClose() {
        this.discardData = true;
    }

    /** Starts a server with {@link LocalCqlConfig#defaults()}: temporary data, JDK 17, 1 GB heap. */
    public static LocalCqlServer startTemporary() {
        return start(LocalCqlConfig.defaults());
    }

    /**
     * Starts the child JVM and blocks until CQL answers. The ports are probed free just before the child
     * binds them, so another process can take one in between; when the child reports a port in use, it is
     * started again on fresh ports, up to {@value #PORT_ATTEMPTS} times.
     *
     * @throws IllegalStateException if the child exits or CQL does not answer within the start timeout;
     *     the child is stopped and the message carries the tail of its log
     */
    public static LocalCqlServer start(LocalCqlConfig config) {
        return start(config, CassandraNode::freePort);
    }

    /** {@link #start(LocalCqlConfig)} with the ports taken from {@code freePorts} (tests race it). */
    static LocalCqlServer start(LocalCqlConfig config, IntSupplier freePorts) {
        for (int attempt = 1; ; attempt++) {
            try {
                return startOnce(config, freePorts);
            } catch (PortTakenException e) {
                if (attempt == PORT_ATTEMPTS) {
                    throw e;
                }
                log.warn("local CQL server lost a port to another process before binding it; starting it again"
                        + " on fresh ports (attempt {} of {})", attempt + 1, PORT_ATTEMPTS);
            }
        }
    }

    private static LocalCqlServer startOnce(LocalCqlConfig config, IntSupplier freePorts) {
        boolean temporary = config.dataDir().isEmpty();
        Path dir;
        try {
            dir = temporary ? Files.createTempDirectory("kchat-cql-") : Files.createDirectories(config.dataDir().get());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the data folder of the local CQL server", e);
        }
        Process process;
        // A server left by an owner that was killed may still be draining on this folder.
        ChildPidFile pidFile = new ChildPidFile(dir.resolve(PID_FILE), dir.toString());
        pidFile.awaitPreviousGone(PREVIOUS_SERVER_WAIT);
        int cqlPort = freePorts.getAsInt();
        int storagePort = freePorts.getAsInt();
        int jmxPort = freePorts.getAsInt();
        try {
            CassandraNode.writeConfig(dir, cqlPort, storagePort);
            List<String> command = CassandraNode.command(config, dir, jmxPort);
            Path stdout = dir.resolve("logs").resolve("stdout.log");
            process = new ProcessBuilder(command)
                    .directory(dir.toFile())
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(stdout.toFile()))
                    .start();
            pidFile.record(process.pid());
        } catch (IOException e) {
            if (temporary) {
                deleteRecursively(dir);
            }
            throw new UncheckedIOException("cannot launch the local CQL server in " + dir, e);
        }
        log.info("local CQL server starting: pid {}, cql {}:{}, data {}", process.pid(), HOST, cqlPort, dir);
        LocalCqlServer server = new LocalCqlServer(process, dir, temporary, cqlPort, config.stopTimeout());
        try {
            long startedAt = System.nanoTime();
            String version = server.awaitReady(config.startTimeout());
            log.info("local CQL server ready: Cassandra {} on {}:{} after {} ms", version, HOST, cqlPort,
                    TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startedAt));
            return server;
        } catch (RuntimeException e) {
            String tail = server.logTail();
            server.close();
            String message = e.getMessage() + "; last lines of the server log:\n" + tail;
            if (tail.contains(PORT_IN_USE)) {
                throw new PortTakenException(message, e);
            }
            throw new IllegalStateException(message, e);
        }
    }

    /** The child could not bind a port that was free when it was chosen. */
    static final class PortTakenException extends IllegalStateException {
        PortTakenException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** Address the driver connects to. */
    public InetSocketAddress contactPoint() {
        return new InetSocketAddress(HOST, cqlPort);
    }

    public String host() {
        return HOST;
    }

    public int port() {
        return cqlPort;
    }

    /** Data center name to give the driver ({@code withLocalDatacenter}). */
    public String localDatacenter() {
        return LOCAL_DATACENTER;
    }

    /** Folder of the server's configuration, data and logs. */
    public Path directory() {
        return dir;
    }

    /** A session builder pointed at this server; the caller owns (and closes) the session it builds. */
    public CqlSessionBuilder sessionBuilder() {
        return CqlSession.builder().addContactPoint(contactPoint()).withLocalDatacenter(LOCAL_DATACENTER);
    }

    /** The child JVM's pid. */
    public long pid() {
        return process.pid();
    }

    public boolean isRunning() {
        return process.isAlive();
    }

    /**
     * Stops the child: SIGTERM (Cassandra drains and flushes), wait, then kill; deletes a temporary
     * folder. A server whose data is thrown away (temporary, or {@link #discardDataOnClose()}) is
     * killed at once.
     */
    @Override
    public void close() {
        stop();
        try {
            Runtime.getRuntime().removeShutdownHook(stopOnExit);
        } catch (IllegalStateException alreadyExiting) {
            // Called from another shutdown hook: the JVM is exiting and our hook has run or is running.
            log.debug("JVM is shutting down; the stop-on-exit hook stays registered");
        }
    }

    private synchronized void stop() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            if (process.isAlive() && (temporaryDir || discardData)) {
                process.destroyForcibly();
                process.waitFor(stopTimeout.toMillis(), TimeUnit.MILLISECONDS);
            } else if (process.isAlive()) {
                process.destroy();
                if (!process.waitFor(stopTimeout.toMillis(), TimeUnit.MILLISECONDS)) {
                    log.warn("local CQL server pid {} did not stop within {}; killing it", process.pid(), stopTimeout);
                    process.destroyForcibly();
                    process.waitFor(stopTimeout.toMillis(), TimeUnit.MILLISECONDS);
                }
            }
            log.info("local CQL server pid {} stopped (exit {})", process.pid(),
                    process.isAlive() ? "unknown" : process.exitValue());
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        } finally {
            if (temporaryDir && !process.isAlive()) {
                deleteRecursively(dir);
            }
        }
    }

    private String awaitReady(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        RuntimeException lastFailure = null;
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("local CQL server exited with code " + process.exitValue()
                        + " before it was ready (log: " + dir.resolve("logs") + ")");
            }
            // The native port opens last, once the node is up: only then is a driver session worth building.
            if (portOpen()) {
                try {
                    return releaseVersion();
                } catch (RuntimeException e) {
                    lastFailure = e;
                    log.debug("local CQL server not ready yet: {}", e.toString());
                }
            }
            sleep(PROBE_INTERVAL);
        }
        IllegalStateException timedOut = new IllegalStateException(
                "local CQL server did not answer CQL within " + timeout + " (log: " + dir.resolve("logs") + ")");
        if (lastFailure != null) {
            timedOut.addSuppressed(lastFailure);
        }
        throw timedOut;
    }

    private String releaseVersion() {
        DriverConfigLoader probeConfig = DriverConfigLoader.programmaticBuilder()
                .withDuration(DefaultDriverOption.CONNECTION_CONNECT_TIMEOUT, Duration.ofSeconds(5))
                .withDuration(DefaultDriverOption.REQUEST_TIMEOUT, Duration.ofSeconds(5))
                .build();
        try (CqlSession session = sessionBuilder().withConfigLoader(probeConfig).build()) {
            Row row = session.execute("SELECT release_version FROM system.local").one();
            if (row == null) {
                throw new IllegalStateException("system.local is empty");
            }
            return row.getString("release_version");
        }
    }

    private boolean portOpen() {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(HOST, cqlPort), 500);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private String logTail() {
        Path systemLog = dir.resolve("logs").resolve("system.log");
        Path stdout = dir.resolve("logs").resolve("stdout.log");
        return tail(systemLog) + tail(stdout);
    }

    private static String tail(Path file) {
        if (!Files.isRegularFile(file)) {
            return "";
        }
        try {
            List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
            return "--- " + file + "\n"
                    + String.join("\n", lines.subList(Math.max(0, lines.size() - LOG_TAIL_LINES), lines.size())) + "\n";
        } catch (IOException e) {
            return "--- " + file + " unreadable: " + e + "\n";
        }
    }

    private static void sleep(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for the local CQL server", e);
        }
    }

    private static void deleteRecursively(Path root) {
        if (!Files.exists(root)) {
            return;
        }
        try {
            Files.walkFileTree(root, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                    Files.delete(file);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult postVisitDirectory(Path d, IOException e) throws IOException {
                    if (e != null) {
                        throw e;
                    }
                    Files.delete(d);
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            log.warn("could not delete the local CQL server folder {}: {}", root, e.toString());
        }
    }
}
