package dev.kchat.local;

import dev.kchat.service.Settings;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The platform as a local cluster: one broker, one CQL server and the registry (in this JVM, as
 * {@link LocalPlatform#startInfrastructure}), and every app as processes of its own, {@code n} of each
 * ({@code bin/run-local --instances 2}). Each instance is started from its own main with a settings
 * file, the way a deployment starts it: Streams instances share their application id and split the
 * tasks, sinks and edges share their consumer groups, ingresses are independent doors, and an edge
 * redirects a client to the edge that owns the client's inbox partition.
 *
 * <p>What a deployment's load balancer does is left to clients here: they pick any ingress, and any
 * edge (the edge redirects). Ingress and edge instance {@code i} ask presence instance {@code i}
 * (which forwards to the instance holding a user); a deployment puts a load balancer there.
 */
public final class LocalCluster implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(LocalCluster.class);

    /** How long a killed instance's partitions stay with it before the group moves them (see docs/operations). */
    static final String SESSION_TIMEOUT = "local.cluster.session.timeout";
    static final Duration DEFAULT_SESSION_TIMEOUT = Duration.ofSeconds(10);
    static final String INSTANCES = "local.instances";
    /** Starts of an instance that exits while starting, before the cluster gives up. */
    private static final int START_ATTEMPTS = 3;

    private final LocalPlatform infrastructure;
    private final Map<ClusterApp, List<AppProcess>> apps;
    private final Map<AppProcess, Map<String, String>> settings;

    private LocalCluster(LocalPlatform infrastructure, Map<ClusterApp, List<AppProcess>> apps,
            Map<AppProcess, Map<String, String>> settings) {
        this.infrastructure = infrastructure;
        this.apps = apps;
        this.settings = settings;
    }

    /** {@code --instances N} on the command line, else {@value #INSTANCES}, else 1. */
    static int instances(String[] args, Settings settings) {
        for (int i = 0; i < args.length - 1; i++) {
            if (args[i].equals("--instances")) {
                return positive(args[i + 1]);
            }
        }
        return positive(settings.string(INSTANCES, "1"));
    }

    private static int positive(String value) {
        int n;
        try {
            n = Integer.parseInt(value);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("instances must be a number, not '" + value + "'");
        }
        if (n < 1 || n > 8) {
            throw new IllegalArgumentException("instances must be 1 to 8, not " + n);
        }
        return n;
    }

    /**
     * Starts the infrastructure, then {@code instances} of every app at once, and waits until each
     * answers ready. On failure stops what started and rethrows.
     */
    static LocalCluster start(LocalConfig config, int instances, Settings overrides) {
        LocalPlatform infrastructure = LocalPlatform.startInfrastructure(config, overrides);
        Map<ClusterApp, List<AppProcess>> apps = new EnumMap<>(ClusterApp.class);
        Map<AppProcess, Map<String, String>> settings = new HashMap<>();
        LocalCluster cluster = new LocalCluster(infrastructure, apps, settings);
        try {
            Map<String, String> shared = sharedSettings(infrastructure, overrides);
            // Every port the instances listen on, distinct: per instance an admin port, and presence's query
            // port, ingress's HTTP and upload ports, the edge's WebSocket port, push delivery's admin port.
            // The configured ports are skipped: the kernel hands out a port again once its probe socket closed,
            // and an admin port picked here would then take the edge's or ingress's before that app starts.
            java.util.Iterator<Integer> ports = freePorts(instances * (ClusterApp.values().length + 4),
                    Set.copyOf(List.of(config.kafkaPort(), config.registryPort(), config.ingressPort(), config.edgePort())))
                    .iterator();
            List<Integer> presenceQueryPorts = new ArrayList<>();
            for (int i = 1; i <= instances; i++) {
                presenceQueryPorts.add(ports.next());
            }
            Path root = config.dataDir().resolve("cluster");
            for (ClusterApp app : ClusterApp.values()) {
                List<AppProcess> started = new ArrayList<>();
                apps.put(app, started);
                for (int i = 1; i <= instances; i++) {
                    String name = app.id() + "-" + i;
                    int adminPort = ports.next();
                    Map<String, String> own = new HashMap<>(shared);
                    own.putAll(app.instanceSettings(i, config, root.resolve(name), adminPort, presenceQueryPorts, ports::next));
                    // What the operator set explicitly wins over the cluster's wiring.
                    own.putAll(overrides.withPrefix(""));
                    URI ready = URI.create("http://" + config.host() + ":" + adminPort + "/health/ready");
                    AppProcess process = AppProcess.launch(name, root.resolve(name), app.mainClass(), own, app.heap(), ready);
                    started.add(process);
                    settings.put(process, Map.copyOf(own));
                }
                // One app at a time: sixteen JVMs starting at once on a small machine make Kafka clients
                // time out at start; an instance that gave up starting is started again, as a supervisor would.
                started.forEach(LocalCluster::awaitReadyOrRestart);
            }
            if (config.moderation()) {
                infrastructure.startModeration(infrastructure.appSettings());
            }
            return cluster;
        } catch (RuntimeException e) {
            cluster.close();
            throw e;
        }
    }

    private static void awaitReadyOrRestart(AppProcess process) {
        for (int attempt = 1; ; attempt++) {
            try {
                if (attempt == 1) {
                    process.awaitReady();
                } else {
                    process.restart(); // a new JVM, then waits until it is ready
                }
                return;
            } catch (IllegalStateException e) {
                if (process.alive() || attempt == START_ATTEMPTS) {
                    throw e;
                }
                log.warn("{} exited while starting (attempt {} of {}); starting it again", process.name(), attempt, START_ATTEMPTS);
            }
        }
    }

    /** What every instance shares: Kafka, registry, CQL, the token secret, and the cluster's group timeouts. */
    private static Map<String, String> sharedSettings(LocalPlatform infrastructure, Settings overrides) {
        Map<String, String> shared = new HashMap<>();
        infrastructure.appSettings().withPrefix("").forEach((k, v) -> {
            if (k.startsWith("kafka.") || k.startsWith("schema.registry.") || k.startsWith("cql.")
                    || k.startsWith("auth.") || k.startsWith("limits.") || k.startsWith("media.") || k.startsWith("push.")) {
                shared.put(k, v);
            }
        });
        long sessionMs = overrides.duration(SESSION_TIMEOUT, DEFAULT_SESSION_TIMEOUT).toMillis();
        String heartbeatMs = String.valueOf(Math.max(500, sessionMs / 4));
        for (String app : List.of("routing", "fanout", "presence", "moments", "push")) {
            shared.put(app + ".streams.session.timeout.ms", String.valueOf(sessionMs));
            shared.put(app + ".streams.heartbeat.interval.ms", heartbeatMs);
        }
        shared.put("kafka.consumer.session.timeout.ms", String.valueOf(sessionMs));
        shared.put("kafka.consumer.heartbeat.interval.ms", heartbeatMs);
        shared.put("edge.kafka.session.timeout", sessionMs + "ms");
        return shared;
    }

    /** The instances of one app, in start order. */
    List<AppProcess> instancesOf(ClusterApp app) {
        return apps.getOrDefault(app, List.of());
    }

    /** The settings an instance was started with (its ports, among others). */
    Map<String, String> settingsOf(AppProcess process) {
        return settings.get(process);
    }

    /** Every ingress's base URL, in instance order. */
    List<String> ingressUrls() {
        return instancesOf(ClusterApp.INGRESS).stream()
                .map(p -> "http://" + settingsOf(p).get("ingress.http.host") + ":" + settingsOf(p).get("ingress.http.port"))
                .toList();
    }

    /** Every edge's WebSocket URL, in instance order. */
    List<String> edgeUrls() {
        return instancesOf(ClusterApp.EDGE).stream()
                .map(p -> "ws://" + settingsOf(p).get("edge.advertised.host") + ":" + settingsOf(p).get("edge.port") + "/v1/ws")
                .toList();
    }

    /** The infrastructure under the apps: broker, CQL session, topics, tokens. */
    LocalPlatform infrastructure() {
        return infrastructure;
    }

    /** What runs where, for the console. */
    String summary() {
        StringBuilder out = new StringBuilder("\n  kchat is running locally as a cluster (Ctrl-C stops everything)\n\n");
        out.append(String.format("  HTTP API          %s   (any of them; /v1)%n", String.join("  ", ingressUrls())));
        out.append(String.format("  WebSocket edges   %s   (any: a client is redirected to its edge)%n", String.join("  ", edgeUrls())));
        out.append(String.format("  Kafka broker      %s%n", infrastructure.bootstrapServers()));
        out.append("  Instances (pid, admin port, log):\n");
        for (List<AppProcess> instances : apps.values()) {
            for (AppProcess p : instances) {
                out.append(String.format("    %-12s pid %-7d %s%n", p.name(), p.pid(), p.logFile()));
            }
        }
        out.append("\n  Tokens (valid 24 h):\n");
        for (String user : LocalPlatform.DEMO_USERS) {
            out.append(String.format("    %-6s %s%n", user, infrastructure.token(user, Duration.ofHours(24))));
        }
        return out.toString();
    }

    /** Stops the doors first, then the apps behind them, then the infrastructure. */
    @Override
    public void close() {
        List<ClusterApp> order = new ArrayList<>(List.of(ClusterApp.values()));
        java.util.Collections.reverse(order);
        for (ClusterApp app : order) {
            for (AppProcess process : instancesOf(app)) {
                try {
                    process.close();
                } catch (RuntimeException e) {
                    log.error("failed to stop {}", process.name(), e);
                }
            }
        }
        infrastructure.close();
    }

    /** {@code bin/run-local --instances N}: starts the cluster, prints where things are, runs until stopped. */
    static void run(LocalConfig config, int instances, Settings settings) throws InterruptedException {
        LocalCluster cluster = start(config, instances, settings);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            log.info("stopping the local cluster");
            cluster.close();
            stopped.countDown();
        }, "local-cluster-shutdown"));
        System.out.println(cluster.summary());
        stopped.await();
    }

    /**
     * {@code n} distinct free ports, none of them in {@code reserved}: all held open at once while they are
     * picked, then released.
     */
    static List<Integer> freePorts(int n, Set<Integer> reserved) {
        List<ServerSocket> held = new ArrayList<>();
        try {
            List<Integer> picked = new ArrayList<>();
            while (picked.size() < n) {
                ServerSocket socket = new ServerSocket(0);
                held.add(socket); // a reserved port stays held too, so the kernel does not offer it again
                if (!reserved.contains(socket.getLocalPort())) {
                    picked.add(socket.getLocalPort());
                }
            }
            return picked;
        } catch (IOException e) {
            throw new UncheckedIOException("no free port", e);
        } finally {
            for (ServerSocket socket : held) {
                try {
                    socket.close();
                } catch (IOException e) {
                    log.debug("closing a probe socket failed", e);
                }
            }
        }
    }
}
