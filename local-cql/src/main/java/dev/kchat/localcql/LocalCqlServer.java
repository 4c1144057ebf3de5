package dev.kchat.localcql;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.CqlSessionBuilder;
import com.datastax.oss.driver.api.core.config.DefaultDriverOption;
import com.datastax.oss.driver.api.core.config.DriverConfigLoader;
import com.datastax.oss.driver.api.core.cql.Row;
import dev.kchat.process.ChildPidFile;
import dev.kchat.process.OwnerWatch;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A single-node Apache Cassandra 5.0 running as a child JVM on loopback: the CQL database of tests and
 * of the all-in-one runner (ScyllaDB speaks the same CQL and native protocol).
 *
 * <p>{@link #start(LocalCqlConfig)} writes a minimal {@code cassandra.yaml} with free ports, launches
 * {@code CassandraDaemon} with the classpath Maven resolved for this module (resource
 * {@value #CLASSPATH_RESOURCE}) and returns once {@code SELECT release_version FROM system.local}
 * answers through the driver. The child's logs go to {@code logs/} under the data folder, never to this
 * process's output. {@link #close()} stops it (SIGTERM, wait, then kill) and deletes a temporary folder.
 * If this JVM is killed ({@code kill -9}: no shutdown hook runs), the child notices through {@link
 * OwnerWatch} and drains and exits; the next start on the same folder waits for it to be gone ({@link
 * ChildPidFile}) and Cassandra replays its commit log.
 */
public final class LocalCqlServer implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(LocalCqlServer.class);

    /** Written at build time by maven-dependency-plugin {@code build-classpath}. */
    static final String CLASSPATH_RESOURCE = "/dev/kchat/localcql/cassandra.classpath";
    /** SimpleSnitch puts the single node in this data center; the driver needs it for local routing. */
    public static final String LOCAL_DATACENTER = "datacenter1";
    public static final String CLUSTER_NAME = "kchat-local";
    static final String HOST = "127.0.0.1";
    private static final String MAIN_CLASS = "org.apache.cassandra.service.CassandraDaemon";
    private static final Duration PROBE_INTERVAL = Duration.ofMillis(250);
    private static final int LOG_TAIL_LINES = 40;
    private static final String PID_FILE = "cassandra.pid";
    /** A drain takes ~7 s; the child's own watch halts it after 30 s at most. */
    private static final Duration PREVIOUS_SERVER_WAIT = Duration.ofSeconds(60);

    /**
     * The module flags of Cassandra 5.0's {@code conf/jvm17-server.options} (JPMS section), without which
     * it cannot reach JDK internals on 17+.
     */
    static final List<String> JDK17_MODULE_FLAGS = List.of(
            "--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED",
            "--add-exports", "java.management.rmi/com.sun.jmx.remote.internal.rmi=ALL-UNNAMED",
            "--add-exports", "java.rmi/sun.rmi.registry=ALL-UNNAMED",
            "--add-exports", "java.rmi/sun.rmi.server=ALL-UNNAMED",
            "--add-exports", "java.sql/java.sql=ALL-UNNAMED",
            "--add-exports", "java.base/java.lang.ref=ALL-UNNAMED",
            "--add-exports", "jdk.unsupported/sun.misc=ALL-UNNAMED",
            "--add-exports", "jdk.compiler/com.sun.tools.javac.file=ALL-UNNAMED",
            "--add-exports", "jdk.attach/sun.tools.attach=ALL-UNNAMED",
            "--add-opens", "java.base/java.lang.module=ALL-UNNAMED",
            "--add-opens", "java.base/jdk.internal.loader=ALL-UNNAMED",
            "--add-opens", "java.base/jdk.internal.ref=ALL-UNNAMED",
            "--add-opens", "java.base/jdk.internal.reflect=ALL-UNNAMED",
            "--add-opens", "java.base/jdk.internal.math=ALL-UNNAMED",
            "--add-opens", "java.base/jdk.internal.module=ALL-UNNAMED",
            "--add-opens", "java.base/jdk.internal.util.jar=ALL-UNNAMED",
            "--add-opens", "jdk.management/com.sun.management.internal=ALL-UNNAMED",
            "--add-opens", "java.base/sun.nio.ch=ALL-UNNAMED",
            "--add-opens", "java.base/java.io=ALL-UNNAMED",
            "--add-opens", "java.base/java.lang.reflect=ALL-UNNAMED",
            "--add-opens", "jdk.compiler/com.sun.tools.javac=ALL-UNNAMED",
            "--add-opens", "java.base/java.lang=ALL-UNNAMED",
            "--add-opens", "java.base/java.util=ALL-UNNAMED");

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
     * Starts the child JVM and blocks until CQL answers.
     *
     * @throws IllegalStateException if the child exits or CQL does not answer within the start timeout;
     *     the child is stopped and the message carries the tail of its log
     */
    public static LocalCqlServer start(LocalCqlConfig config) {
        boolean temporary = config.dataDir().isEmpty();
        Path dir;
        try {
            dir = temporary ? Files.createTempDirectory("kchat-cql-") : Files.createDirectories(config.dataDir().get());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the data folder of the local CQL server", e);
        }
        int cqlPort = freePort();
        int storagePort = freePort();
        int jmxPort = freePort();
        Process process;
        // A server left by an owner that was killed may still be draining on this folder.
        ChildPidFile pidFile = new ChildPidFile(dir.resolve(PID_FILE), dir.toString());
        pidFile.awaitPreviousGone(PREVIOUS_SERVER_WAIT);
        try {
            writeConfig(dir, cqlPort, storagePort);
            List<String> command = command(config, dir, jmxPort);
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
            throw new IllegalStateException(e.getMessage() + "; last lines of the server log:\n" + tail, e);
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

    private static List<String> command(LocalCqlConfig config, Path dir, int jmxPort) {
        List<String> command = new ArrayList<>();
        command.add(config.javaExecutable().toString());
        command.add("-Xms" + config.initialHeap());
        command.add("-Xmx" + config.maxHeap());
        command.add("-Xss256k");
        command.add("-XX:+UseG1GC");
        command.add("-XX:+HeapDumpOnOutOfMemoryError");
        command.add("-XX:HeapDumpPath=" + dir.resolve("logs"));
        command.addAll(JDK17_MODULE_FLAGS);
        command.add("-Djdk.attach.allowAttachSelf=true");
        command.add("-Dio.netty.tryReflectionSetAccessible=true");
        command.add("-Dcassandra.config=" + dir.resolve("conf").resolve("cassandra.yaml").toUri());
        command.add("-Dlogback.configurationFile=" + dir.resolve("conf").resolve("logback.xml").toUri());
        command.add("-Dcassandra.logdir=" + dir.resolve("logs"));
        command.add("-Dcassandra.storagedir=" + dir);
        command.add("-Dcassandra-foreground=yes");
        // One node, nothing to gossip with: do not wait for the ring to settle.
        command.add("-Dcassandra.skip_wait_for_gossip_to_settle=0");
        command.add("-Dcassandra.ring_delay_ms=100");
        command.add("-Dcassandra.jmx.local.port=" + jmxPort);
        command.add("-cp");
        command.add(OwnerWatch.classpathEntry() + java.io.File.pathSeparator + cassandraClasspath());
        // Cassandra ends with this JVM even on kill -9 (no shutdown hook runs): OwnerWatch in the child
        // exits (Cassandra drains) when its stdin, a pipe only this JVM holds, closes. So stdin stays a pipe.
        command.addAll(OwnerWatch.mainArguments(MAIN_CLASS));
        return command;
    }

    static String cassandraClasspath() {
        try (InputStream in = LocalCqlServer.class.getResourceAsStream(CLASSPATH_RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("resource " + CLASSPATH_RESOURCE
                        + " is missing: build local-cql with Maven (its dependency plugin writes it)");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8).trim();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + CLASSPATH_RESOURCE, e);
        }
    }

    private static void writeConfig(Path dir, int cqlPort, int storagePort) throws IOException {
        Path conf = Files.createDirectories(dir.resolve("conf"));
        Files.createDirectories(dir.resolve("logs"));
        String yaml = String.join("\n",
                "cluster_name: '" + CLUSTER_NAME + "'",
                "num_tokens: 1",
                "initial_token: 0",
                "partitioner: org.apache.cassandra.dht.Murmur3Partitioner",
                "endpoint_snitch: SimpleSnitch",
                "authenticator: AllowAllAuthenticator",
                "authorizer: AllowAllAuthorizer",
                "commitlog_sync: periodic",
                "commitlog_sync_period: 10000ms",
                "data_file_directories:",
                "  - " + dir.resolve("data"),
                "commitlog_directory: " + dir.resolve("commitlog"),
                "saved_caches_directory: " + dir.resolve("saved_caches"),
                "hints_directory: " + dir.resolve("hints"),
                "cdc_raw_directory: " + dir.resolve("cdc_raw"),
                "seed_provider:",
                "  - class_name: org.apache.cassandra.locator.SimpleSeedProvider",
                "    parameters:",
                "      - seeds: \"" + HOST + ":" + storagePort + "\"",
                "listen_address: " + HOST,
                "rpc_address: " + HOST,
                "storage_port: " + storagePort,
                "start_native_transport: true",
                "native_transport_port: " + cqlPort,
                "memtable_allocation_type: heap_buffers",
                // Tests drop keyspaces all the time; snapshots on drop would only fill the disk.
                "auto_snapshot: false",
                "");
        Files.writeString(conf.resolve("cassandra.yaml"), yaml, StandardCharsets.UTF_8);
        String logback = String.join("\n",
                "<configuration>",
                "  <appender name=\"FILE\" class=\"ch.qos.logback.core.FileAppender\">",
                "    <file>" + dir.resolve("logs").resolve("system.log") + "</file>",
                "    <encoder><pattern>%d{ISO8601} %-5level [%thread] %logger{36} - %msg%n</pattern></encoder>",
                "  </appender>",
                "  <root level=\"INFO\"><appender-ref ref=\"FILE\"/></root>",
                "</configuration>",
                "");
        Files.writeString(conf.resolve("logback.xml"), logback, StandardCharsets.UTF_8);
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName(HOST))) {
            socket.setReuseAddress(true);
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("no free port on " + HOST, e);
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
