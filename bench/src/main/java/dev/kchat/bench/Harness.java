package dev.kchat.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kchat.api.auth.TokenMinter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What every socket scenario shares: its options, the platform under test (a child JVM), the load
 * client, tokens for the simulated users, CPU accounting and the report (one JSON line on stdout,
 * appended to {@code <run dir>/../results.jsonl}, plus a readable summary).
 */
public final class Harness implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(Harness.class);
    static final ObjectMapper JSON = new ObjectMapper();

    final String scenario;
    final Args args;
    final Path runDir;
    final PlatformProcess platform;
    final LoadClient client;
    final ConversationsApi api;
    final String tag;
    private final TokenMinter tokens;

    private Harness(String scenario, Args args, Path runDir, PlatformProcess platform, LoadClient client) {
        this.scenario = scenario;
        this.args = args;
        this.runDir = runDir;
        this.platform = platform;
        this.client = client;
        this.api = new ConversationsApi(platform.ingressUrl(), 32);
        this.tokens = new TokenMinter(platform.jwtSecret(), null);
        this.tag = "r" + Long.toString(System.currentTimeMillis() % 1_000_000_000L, 36);
    }

    /** Declares the options every socket scenario has. */
    static Args common(Args a) {
        return a.option("guarantee", "exactly_once_v2", "routing and fanout processing guarantee: exactly_once_v2 or at_least_once")
                .option("set", "", "extra platform settings, comma-separated key=value (e.g. fanout.broadcast.threshold=500)")
                .option("platform-heap", "3g", "the platform JVM's heap (-Xms/-Xmx)")
                .option("io-threads", "2", "the load client's XNIO I/O threads")
                .option("source-addresses", "auto", "local addresses to connect from, comma-separated; auto = 127.0.0.1, .2, ... as needed")
                .option("connections-per-source", "25000", "sockets per source address (about 28k ephemeral ports each)")
                .option("connects-in-flight", "500", "WebSocket handshakes in flight at once (below somaxconn 4096)")
                .option("ack-interval", "1s", "how often each device acks its newest inbox seq (0 = never)")
                .option("ping-interval", "30s", "keep-alive ping period per device")
                .option("run-dir", "bench/target/runs", "where each run's data folder, platform log and results.jsonl go");
    }

    /** A scenario over {@code users} users in groups of {@code size}, on a started harness. */
    @FunctionalInterface
    interface GroupScenario {
        void run(Harness h, Args args, int users, int size) throws Exception;
    }

    /**
     * The main of a scenario with {@code --users} in groups of {@code --group-size}: prints the help
     * if asked, checks the sizes, starts the harness, runs the scenario, stops everything.
     */
    static void runInGroups(String scenario, Args options, String[] argv, GroupScenario body) throws Exception {
        Args args = options.parse(argv);
        if (args.helpRequested()) {
            System.out.print(args.help());
            return;
        }
        int users = args.integer("users");
        int size = args.integer("group-size");
        if (size < 2 || users % size != 0) {
            throw new IllegalArgumentException("--users must be a multiple of --group-size (>= 2)");
        }
        try (Harness h = start(scenario, args, users)) {
            body.run(h, args, users, size);
        }
    }

    /** Starts the platform and the load client for a scenario sized for {@code devices} sockets. */
    static Harness start(String scenario, Args args, int devices) throws IOException, InterruptedException {
        Path base = Path.of(args.string("run-dir")).toAbsolutePath();
        Path runDir = base.resolve(scenario + "-" + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));
        Map<String, String> settings = new LinkedHashMap<>();
        String guarantee = args.string("guarantee");
        settings.put("routing.processing.guarantee", guarantee);
        settings.put("fanout.processing.guarantee", guarantee);
        settings.putAll(args.keyValues("set"));
        int perSource = args.integer("connections-per-source");
        List<String> sources = args.list("source-addresses");
        if (sources.equals(List.of("auto"))) {
            sources = new ArrayList<>();
            for (int i = 0; i < Math.max(1, (devices + perSource - 1) / perSource); i++) {
                sources.add("127.0.0." + (i + 1));
            }
        }
        PlatformProcess platform = startPlatform(runDir, args.string("platform-heap"), settings);
        try {
            LoadClient client = new LoadClient(new LoadClient.Config(platform.edgeUrl(), args.integer("io-threads"), sources,
                    perSource, args.integer("connects-in-flight"), args.duration("ping-interval"), args.duration("ack-interval")));
            Harness h = new Harness(scenario, args, runDir, platform, client);
            Runtime.getRuntime().addShutdownHook(new Thread(h::closeQuietlyOnExit, "bench-shutdown"));
            return h;
        } catch (RuntimeException e) {
            platform.close();
            throw e;
        }
    }

    /**
     * Starts the platform, up to three times: its ports are picked free just before the child binds
     * them, and on a shared machine another process can take one in between.
     */
    static PlatformProcess startPlatform(Path runDir, String heap, Map<String, String> settings) throws IOException, InterruptedException {
        for (int attempt = 1; ; attempt++) {
            try {
                return PlatformProcess.start(attempt == 1 ? runDir : runDir.resolveSibling(runDir.getFileName() + "-" + attempt),
                        heap, settings);
            } catch (IllegalStateException e) {
                if (attempt == 3) {
                    throw e;
                }
                log.warn("platform start failed ({}); trying again with other ports", e.getMessage());
            }
        }
    }

    /** User {@code i}'s id; dense so a user's device index is its number. */
    static String user(int i) {
        return String.format("u%06d", i);
    }

    /** Creates (not connects) one device per user {@code 0..n-1}. */
    List<Device> devices(int n) {
        List<Device> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            String u = user(i);
            out.add(client.device(u, "d0", token(u)));
        }
        return out;
    }

    String token(String user) {
        return tokens.mint(user, Duration.ofHours(12));
    }

    /** Opens the devices and fails if not all are ready within the deadline. */
    void connectAll(List<Device> devices, Duration deadline) throws InterruptedException {
        long t0 = System.nanoTime();
        int ready = client.openAll(devices, deadline);
        log.info("{} of {} devices ready in {} ms", ready, devices.size(), (System.nanoTime() - t0) / 1_000_000);
        if (ready < devices.size()) {
            throw new IllegalStateException(ready + " of " + devices.size() + " devices ready after " + deadline
                    + "; client stats " + client.stats().json());
        }
    }

    /** Waits until every device satisfies the condition, or throws at the deadline. */
    static void await(String what, List<Device> devices, Predicate<Device> done, Duration deadline) throws InterruptedException {
        long end = System.nanoTime() + deadline.toNanos();
        while (true) {
            long missing = devices.stream().filter(done.negate()).count();
            if (missing == 0) {
                return;
            }
            if (System.nanoTime() > end) {
                throw new IllegalStateException(missing + " of " + devices.size() + " devices still waiting for " + what
                        + " after " + deadline);
            }
            Thread.sleep(100);
        }
    }

    /**
     * Waits until the ledger has every expected delivery, or nothing arrived for {@code quiet}, or
     * {@code max} passed. Returns the drain time in ms.
     */
    static long drain(DeliveryLedger ledger, long expected, Duration quiet, Duration max) throws InterruptedException {
        long t0 = System.nanoTime();
        long lastCount = -1;
        long lastChange = t0;
        while (true) {
            long n = ledger.deliveries();
            long now = System.nanoTime();
            if (n >= expected || now - t0 > max.toNanos() || (n == lastCount && now - lastChange > quiet.toNanos())) {
                return (now - t0) / 1_000_000;
            }
            if (n != lastCount) {
                lastCount = n;
                lastChange = now;
            }
            Thread.sleep(50);
        }
    }

    /**
     * Groups of consecutive users: group {@code g} is owned by user {@code g*size} with the next
     * {@code size-1} users as members; device index = user number.
     *
     * @param ids     conversation ids
     * @param members device indexes of each group's members, owner first
     */
    record Groups(List<String> ids, int[][] members) {
        int count() {
            return ids.size();
        }
    }

    /** Creates {@code users / size} groups over HTTP and waits until every member has an event of its group. */
    Groups createGroups(List<Device> devices, int size, Duration deadline) throws InterruptedException {
        int n = devices.size() / size;
        List<java.util.concurrent.CompletableFuture<String>> created = new ArrayList<>(n);
        int[][] members = new int[n][size];
        for (int g = 0; g < n; g++) {
            List<String> others = new ArrayList<>(size - 1);
            for (int i = 0; i < size; i++) {
                members[g][i] = g * size + i;
                if (i > 0) {
                    others.add(user(g * size + i));
                }
            }
            created.add(api.createGroup(devices.get(g * size).token, "bench-" + g, others));
        }
        List<String> ids = ConversationsApi.all(created);
        long t0 = System.nanoTime();
        await("their group's first event", devices.subList(0, n * size), d -> d.events() > 0, deadline);
        log.info("{} groups of {} created; every member had its first event after {} ms", n, size, (System.nanoTime() - t0) / 1_000_000);
        return new Groups(ids, members);
    }

    /** Processes whose CPU a run reports. */
    Map<String, Long> pids() {
        Map<String, Long> pids = new LinkedHashMap<>();
        pids.put("load_client", ProcessHandle.current().pid());
        pids.put("platform", platform.pid());
        platform.brokerPid().ifPresent(p -> pids.put("kafka_broker", p));
        platform.cqlPid().ifPresent(p -> pids.put("cql_server", p));
        platform.moderationPid().ifPresent(p -> pids.put("moderation_job", p));
        return pids;
    }

    /** A message body of the requested size: the id, then padding (no characters needing escapes). */
    static String body(int id, int bytes) {
        StringBuilder b = new StringBuilder(bytes).append("bench ").append(id).append(' ');
        while (b.length() < bytes) {
            b.append((char) ('a' + ThreadLocalRandom.current().nextInt(26)));
        }
        return b.toString();
    }

    /** The start of a run's JSON line: scenario, options, machine. */
    ObjectNode resultHead() {
        ObjectNode o = JSON.createObjectNode().put("scenario", scenario).put("tag", tag)
                .put("at", LocalDateTime.now().toString()).put("cores", Runtime.getRuntime().availableProcessors());
        ObjectNode opts = o.putObject("options");
        args.effective().forEach(opts::put);
        return o;
    }

    /** Prints the JSON line and the summary; appends the line to results.jsonl next to the run folders. */
    void report(ObjectNode result, String summary) throws IOException {
        String line = JSON.writeValueAsString(result);
        System.out.println(line);
        System.out.println(summary);
        Path results = runDir.getParent().resolve("results.jsonl");
        Files.writeString(results, line + "\n", StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    }

    JsonNode platformMemory() throws IOException, InterruptedException {
        return platform.memory();
    }

    private volatile boolean closed;

    private void closeQuietlyOnExit() {
        if (!closed) {
            log.info("interrupted: stopping the load client and the platform");
            close();
        }
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        client.close();
        platform.close();
    }
}
