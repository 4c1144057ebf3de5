package dev.kchat.localkafka;

import dev.kchat.process.ChildPidFile;
import dev.kchat.process.OwnerWatch;
import dev.kchat.schemas.topic.TopicProvisioner;
import dev.kchat.schemas.topic.Topics;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.Uuid;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real single-node Kafka broker (KRaft, combined broker and controller) running as a child JVM
 * from the Kafka jars on Maven Central, with transactions working at replication factor 1.
 *
 * <p>A child process rather than an in-process server keeps the broker's threads, GC and logging
 * apart from the code under test and is the same {@code kafka.Kafka} main a real deployment runs.
 * The storage is formatted once, when {@code meta.properties} is missing; a restart on existing
 * data keeps every topic and offset. Readiness is probed through the Admin client, because an open
 * port is not a ready broker.
 *
 * <p>If this JVM exits without closing the broker, a shutdown hook stops it the same graceful way
 * (hooks run concurrently, so a forced kill there would cut short the owner's own orderly close). If
 * this JVM is killed ({@code kill -9}: no hook runs), the broker notices through {@link OwnerWatch} and
 * shuts itself down; the next start on the same folder waits for it to be gone ({@link ChildPidFile}).
 */
public final class KafkaBroker implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(KafkaBroker.class);
    private static final String CLASSPATH_RESOURCE = "broker.classpath";
    private static final String PID_FILE = "broker.pid";
    /** A controlled shutdown takes seconds; the child's own watch halts it after 30 s at most. */
    private static final Duration PREVIOUS_BROKER_WAIT = Duration.ofSeconds(60);

    private final Settings settings;
    private final Process process;
    private final String bootstrapServers;
    private final Thread killOnExit;
    private final boolean deleteOnClose;
    private volatile boolean closed;

    /**
     * How to run the broker.
     *
     * @param dataDir        where logs, metadata and the broker's own log file live
     * @param port           client port; 0 picks a free one
     * @param controllerPort KRaft controller port; 0 picks a free one
     * @param heap           max heap of the broker JVM, e.g. {@code 512m}
     * @param startTimeout   how long to wait for the broker to answer the Admin client
     * @param overrides      extra {@code server.properties} entries
     */
    public record Settings(Path dataDir, int port, int controllerPort, String heap, Duration startTimeout,
            Map<String, String> overrides) {

        public Settings {
            overrides = Map.copyOf(overrides);
        }

        public static Settings defaults(Path dataDir) {
            return new Settings(dataDir, 0, 0, "512m", Duration.ofSeconds(90), Map.of());
        }

        public Settings withPort(int clientPort) {
            return new Settings(dataDir, clientPort, controllerPort, heap, startTimeout, overrides);
        }
    }

    private KafkaBroker(Settings settings, Process process, String bootstrapServers, boolean deleteOnClose) {
        this.settings = settings;
        this.process = process;
        this.bootstrapServers = bootstrapServers;
        this.deleteOnClose = deleteOnClose;
        // On JVM exit the broker is stopped at once, unless its owner asked for a grace
        // (closeOnExitAfterOwner): then the owner's own shutdown hook, running at the same time, can
        // close its apps before the broker they commit to. Tests keep the default: surefire kills a
        // forked JVM that takes long to exit, which would leave the broker behind.
        this.killOnExit = new Thread(() -> {
            awaitClosedByOwner(this::isClosed, exitGrace);
            close();
        }, "kafka-broker-stop-on-exit");
        Runtime.getRuntime().addShutdownHook(killOnExit);
    }

    private volatile java.time.Duration exitGrace = java.time.Duration.ZERO;

    /**
     * On JVM exit, wait up to {@code grace} for the owner to close this broker (in its own shutdown
     * hook, after the apps that use it) before stopping it; by default it is stopped at once.
     */
    public void closeOnExitAfterOwner(java.time.Duration grace) {
        this.exitGrace = grace;
    }

    private boolean isClosed() {
        return closed;
    }

    /** Waits until {@code closed} answers true or {@code grace} passes; used by exit hooks of child processes. */
    private static void awaitClosedByOwner(java.util.function.BooleanSupplier closed, java.time.Duration grace) {
        long deadline = System.nanoTime() + grace.toNanos();
        while (!closed.getAsBoolean() && System.nanoTime() < deadline) {
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /** Starts a broker on free ports with its data in a temporary folder deleted on {@link #close()}. */
    public static KafkaBroker startTemporary() {
        try {
            Path dir = Files.createTempDirectory("kchat-kafka-");
            return start(Settings.defaults(dir), true);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a temporary folder for the broker", e);
        }
    }

    /** Starts a broker that keeps its data in {@code settings.dataDir()} across restarts. */
    public static KafkaBroker start(Settings settings) {
        return start(settings, false);
    }

    private static KafkaBroker start(Settings settings, boolean deleteOnClose) {
        try {
            Files.createDirectories(settings.dataDir());
            int port = settings.port() == 0 ? freePort() : settings.port();
            int controllerPort = settings.controllerPort() == 0 ? freePort() : settings.controllerPort();
            Path config = writeConfig(settings, port, controllerPort);
            String classpath = brokerClasspath();
            Path logFile = settings.dataDir().resolve("broker.log");
            if (!Files.exists(settings.dataDir().resolve("logs").resolve("meta.properties"))) {
                format(classpath, config, logFile, settings);
            }
            // A broker left by an owner that was killed may still be shutting down on this folder.
            ChildPidFile pidFile = new ChildPidFile(settings.dataDir().resolve(PID_FILE), settings.dataDir().toString());
            pidFile.awaitPreviousGone(PREVIOUS_BROKER_WAIT);
            List<String> command = javaCommand(OwnerWatch.classpathEntry() + java.io.File.pathSeparator + classpath,
                    settings.heap(), logFile);
            // The broker ends with this JVM even on kill -9 (no shutdown hook runs): OwnerWatch in the
            // child exits when its stdin, a pipe only this JVM holds, closes. So stdin stays a pipe.
            command.addAll(OwnerWatch.mainArguments("kafka.Kafka"));
            command.add(config.toString());
            Process process = new ProcessBuilder(command)
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()))
                    .start();
            pidFile.record(process.pid());
            String bootstrap = "127.0.0.1:" + port;
            KafkaBroker broker = new KafkaBroker(settings, process, bootstrap, deleteOnClose);
            try {
                broker.awaitReady(logFile);
            } catch (RuntimeException e) {
                broker.close();
                throw e;
            }
            log.info("Kafka broker ready at {} (pid {}, data {}, log {})", bootstrap, process.pid(),
                    settings.dataDir(), logFile);
            return broker;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start the Kafka broker in " + settings.dataDir(), e);
        }
    }

    /** {@code host:port} for clients. */
    public String bootstrapServers() {
        return bootstrapServers;
    }

    public long pid() {
        return process.pid();
    }

    public Path dataDir() {
        return settings.dataDir();
    }

    /** Creates the platform's topics (replication factor 1) if missing. */
    public List<String> createTopics(Topics topics) {
        try (Admin admin = admin()) {
            return TopicProvisioner.createTopics(admin, topics, (short) 1, Duration.ofSeconds(30));
        }
    }

    /** An Admin client on this broker; the caller closes it. */
    public Admin admin() {
        return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000,
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 15_000));
    }

    /**
     * Stops the broker: SIGTERM (controlled shutdown), then a forced kill after 30 s. Deletes the
     * data of a temporary broker.
     */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (process.isAlive()) {
            process.destroy();
            try {
                if (!process.waitFor(30, TimeUnit.SECONDS)) {
                    log.warn("Kafka broker pid {} did not stop within 30 s; killing it", process.pid());
                    process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                process.destroyForcibly();
            }
        }
        try {
            Runtime.getRuntime().removeShutdownHook(killOnExit);
        } catch (IllegalStateException alreadyShuttingDown) {
            // the hook is running or ran; nothing left to undo
        }
        if (deleteOnClose) {
            deleteRecursively(settings.dataDir());
        }
        log.info("Kafka broker at {} stopped", bootstrapServers);
    }

    private void awaitReady(Path logFile) {
        long deadline = System.nanoTime() + settings.startTimeout().toNanos();
        Exception last = null;
        awaitPortOpen(deadline, logFile);
        try (Admin admin = admin()) {
            while (System.nanoTime() < deadline) {
                if (!process.isAlive()) {
                    throw new IllegalStateException("Kafka broker exited with code " + process.exitValue()
                            + " before it was ready; last lines of " + logFile + ":\n" + tail(logFile, 30));
                }
                try {
                    // Metadata answered and the controller is known: the broker serves requests.
                    admin.describeCluster().controller().get(5, TimeUnit.SECONDS);
                    admin.listTopics().names().get(5, TimeUnit.SECONDS);
                    return;
                } catch (ExecutionException | TimeoutException e) {
                    last = e;
                    sleep(200);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for the Kafka broker", e);
        }
        throw new IllegalStateException("Kafka broker not ready within " + settings.startTimeout() + " (last error: "
                + last + "); last lines of " + logFile + ":\n" + tail(logFile, 30));
    }

    /** Waits for the client port to accept connections, so the Admin client does not log refusals. */
    private void awaitPortOpen(long deadline, Path logFile) {
        String[] hostPort = bootstrapServers.split(":");
        while (System.nanoTime() < deadline && process.isAlive()) {
            try (java.net.Socket socket = new java.net.Socket()) {
                socket.connect(new InetSocketAddress(hostPort[0], Integer.parseInt(hostPort[1])), 500);
                return;
            } catch (IOException notYet) {
                try {
                    sleep(100);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted while waiting for the Kafka broker", e);
                }
            }
        }
    }

    private static void format(String classpath, Path config, Path logFile, Settings settings) throws IOException {
        List<String> command = javaCommand(classpath, "256m", logFile);
        command.addAll(List.of("kafka.tools.StorageTool", "format", "-t", Uuid.randomUuid().toString(),
                "-c", config.toString(), "--ignore-formatted"));
        Process format = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()))
                .start();
        try {
            if (!format.waitFor(60, TimeUnit.SECONDS)) {
                format.destroyForcibly();
                throw new IllegalStateException("formatting Kafka storage in " + settings.dataDir() + " timed out");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            format.destroyForcibly();
            throw new IllegalStateException("interrupted while formatting Kafka storage", e);
        }
        if (format.exitValue() != 0) {
            throw new IllegalStateException("formatting Kafka storage failed with exit code " + format.exitValue()
                    + "; last lines of " + logFile + ":\n" + tail(logFile, 20));
        }
    }

    private static Path writeConfig(Settings settings, int port, int controllerPort) throws IOException {
        Properties p = new Properties();
        p.setProperty("process.roles", "broker,controller");
        p.setProperty("node.id", "1");
        p.setProperty("controller.quorum.voters", "1@127.0.0.1:" + controllerPort);
        p.setProperty("listeners", "PLAINTEXT://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:" + controllerPort);
        p.setProperty("advertised.listeners", "PLAINTEXT://127.0.0.1:" + port);
        p.setProperty("controller.listener.names", "CONTROLLER");
        p.setProperty("inter.broker.listener.name", "PLAINTEXT");
        p.setProperty("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
        p.setProperty("log.dirs", settings.dataDir().resolve("logs").toString());
        p.setProperty("num.partitions", "1");
        p.setProperty("auto.create.topics.enable", "false");
        // One node: every internal topic at replication factor 1, so transactions work.
        p.setProperty("offsets.topic.replication.factor", "1");
        p.setProperty("offsets.topic.num.partitions", "10");
        p.setProperty("transaction.state.log.replication.factor", "1");
        p.setProperty("transaction.state.log.min.isr", "1");
        p.setProperty("transaction.state.log.num.partitions", "10");
        p.setProperty("share.coordinator.state.topic.replication.factor", "1");
        p.setProperty("share.coordinator.state.topic.min.isr", "1");
        p.setProperty("group.initial.rebalance.delay.ms", "0");
        settings.overrides().forEach(p::setProperty);
        Path file = settings.dataDir().resolve("server.properties");
        try (Writer out = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            p.store(out, "generated by kchat local-kafka; rewritten at every start");
        }
        return file;
    }

    private static List<String> javaCommand(String classpath, String heap, Path logFile) {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-Xms" + heap);
        command.add("-Xmx" + heap);
        command.add("-XX:+UseG1GC");
        command.add("-XX:MaxGCPauseMillis=20");
        command.add("-Djava.awt.headless=true");
        command.add("-Dkafka.logs.dir=" + logFile.getParent());
        command.add("-Dlogback.configurationFile=" + writeLoggingConfig(logFile.getParent()));
        command.add("-cp");
        command.add(classpath);
        return command;
    }

    /** The child logs through logback (on its classpath) at INFO; its stdout goes to broker.log. */
    private static Path writeLoggingConfig(Path dir) {
        Path file = dir.resolve("broker-logback.xml");
        String xml = """
                <configuration>
                  <appender name="OUT" class="ch.qos.logback.core.ConsoleAppender">
                    <encoder><pattern>%d{HH:mm:ss.SSS} %-5level [%thread] %logger{36} - %msg%n</pattern></encoder>
                  </appender>
                  <logger name="state.change.logger" level="WARN"/>
                  <logger name="kafka.request.logger" level="WARN"/>
                  <logger name="org.apache.kafka.clients" level="WARN"/>
                  <root level="INFO"><appender-ref ref="OUT"/></root>
                </configuration>
                """;
        try {
            Files.writeString(file, xml, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
        return file;
    }

    /** The broker's classpath, written at build time by the dependency plugin. */
    static String brokerClasspath() {
        try (InputStream in = KafkaBroker.class.getResourceAsStream(CLASSPATH_RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("resource " + CLASSPATH_RESOURCE
                        + " is missing: build local-kafka with Maven (it is written by maven-dependency-plugin)");
            }
            String classpath = new String(in.readAllBytes(), StandardCharsets.UTF_8).trim();
            String first = classpath.split(java.io.File.pathSeparator)[0];
            if (!Files.exists(Path.of(first))) {
                throw new IllegalStateException("broker classpath points at " + first
                        + ", which does not exist: rebuild local-kafka on this machine");
            }
            return classpath;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket()) {
            socket.setReuseAddress(true);
            socket.bind(new InetSocketAddress("127.0.0.1", 0));
            return socket.getLocalPort();
        }
    }

    private static String tail(Path file, int lines) {
        try {
            List<String> all = Files.readAllLines(file, StandardCharsets.UTF_8);
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException | UncheckedIOException e) {
            return "(cannot read " + file + ": " + e + ")";
        }
    }

    private static void sleep(long millis) throws InterruptedException {
        Thread.sleep(millis);
    }

    private static void deleteRecursively(Path dir) {
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException e) {
                    log.warn("cannot delete {}: {}", p, e.toString());
                }
            });
        } catch (IOException e) {
            log.warn("cannot delete {}: {}", dir, e.toString());
        }
    }
}
