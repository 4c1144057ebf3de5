package dev.kchat.localkafka;

import dev.kchat.process.ChildPidFile;
import dev.kchat.process.OwnerWatch;
import dev.kchat.schemas.topic.TopicProvisioner;
import dev.kchat.schemas.topic.Topics;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.IntSupplier;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
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
    private static final String PID_FILE = "broker.pid";
    /** The JDK's words when a port is taken, as the broker logs them before it exits. */
    private static final String PORT_IN_USE = "Address already in use";
    private static final int PORT_ATTEMPTS = 3;
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

    /**
     * Starts the child. Free ports are probed just before the broker binds them, so another process can
     * take one in between: when the broker fails on a port it was given that way, it is started again on
     * fresh ports, up to {@value #PORT_ATTEMPTS} times.
     */
    private static KafkaBroker start(Settings settings, boolean deleteOnClose) {
        return start(settings, deleteOnClose, BrokerNode::freePort);
    }

    /** {@link #start(Settings, boolean)} with the free ports taken from {@code freePorts} (tests race it). */
    static KafkaBroker start(Settings settings, boolean deleteOnClose, IntSupplier freePorts) {
        boolean portsPicked = settings.port() == 0 || settings.controllerPort() == 0;
        for (int attempt = 1; ; attempt++) {
            try {
                return startOnce(settings, deleteOnClose, freePorts);
            } catch (PortTakenException e) {
                if (!portsPicked || attempt == PORT_ATTEMPTS) {
                    throw e.startFailure();
                }
                log.warn("Kafka broker lost a port to another process before binding it; starting it again on fresh"
                        + " ports (attempt {} of {})", attempt + 1, PORT_ATTEMPTS);
            }
        }
    }

    /** The broker could not bind a port (its log says so); carries the start's own failure. */
    private static final class PortTakenException extends RuntimeException {
        PortTakenException(RuntimeException startFailure) {
            super(startFailure.getMessage(), startFailure);
        }

        RuntimeException startFailure() {
            return (RuntimeException) getCause();
        }
    }

    /** What the child wrote to its log file from byte {@code from} on (this start's lines). */
    private static String loggedSince(Path logFile, long from) {
        try (java.io.RandomAccessFile in = new java.io.RandomAccessFile(logFile.toFile(), "r")) {
            in.seek(Math.min(from, in.length()));
            byte[] bytes = new byte[(int) Math.min(Integer.MAX_VALUE, in.length() - in.getFilePointer())];
            in.readFully(bytes);
            return new String(bytes, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }

    private static KafkaBroker startOnce(Settings settings, boolean deleteOnClose, IntSupplier freePorts) {
        try {
            Files.createDirectories(settings.dataDir());
            int port = settings.port() == 0 ? freePorts.getAsInt() : settings.port();
            int controllerPort = settings.controllerPort() == 0 ? freePorts.getAsInt() : settings.controllerPort();
            Path config = BrokerNode.writeConfig(settings, port, controllerPort);
            String classpath = BrokerNode.brokerClasspath();
            Path logFile = settings.dataDir().resolve("broker.log");
            if (!Files.exists(settings.dataDir().resolve("logs").resolve("meta.properties"))) {
                BrokerNode.format(classpath, config, logFile, settings);
            }
            // A broker left by an owner that was killed may still be shutting down on this folder.
            ChildPidFile pidFile = new ChildPidFile(settings.dataDir().resolve(PID_FILE), settings.dataDir().toString());
            pidFile.awaitPreviousGone(PREVIOUS_BROKER_WAIT);
            List<String> command = BrokerNode.javaCommand(OwnerWatch.classpathEntry() + java.io.File.pathSeparator + classpath,
                    settings.heap(), logFile);
            // The broker ends with this JVM even on kill -9 (no shutdown hook runs): OwnerWatch in the
            // child exits when its stdin, a pipe only this JVM holds, closes. So stdin stays a pipe.
            command.addAll(OwnerWatch.mainArguments("kafka.Kafka"));
            command.add(config.toString());
            long logStart = Files.exists(logFile) ? Files.size(logFile) : 0;
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
                String logged = loggedSince(logFile, logStart);
                broker.close();
                if (logged.contains(PORT_IN_USE)) {
                    throw new PortTakenException(e);
                }
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

    static String tail(Path file, int lines) {
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
