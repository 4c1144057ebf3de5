package dev.kchat.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * Scenario 2, idle connections: opens N sockets (each says hello and gets ready), holds them, and
 * reports what they cost on each edge: heap after GC and RSS before and after, per connection the
 * edge holds (nothing else changes between the two readings), and the same for the load client.
 *
 * <p>With {@code --edges E}, E-1 more edges join the platform's as separate JVMs (one consumer group;
 * each device is redirected to the edge owning its user's inbox partition). With more devices than
 * one process may hold (20,000 open files), the devices are spread over client worker JVMs
 * ({@link ClientWorker}).
 */
public final class IdleConnectionsBench {

    /** Sockets one client process holds at most: its 20,000 open files, less its jars and pipes. */
    static final int MAX_PER_CLIENT_PROCESS = 19_000;

    private IdleConnectionsBench() {
    }

    static Args options() {
        return Harness.common(Args.describe("""
                IdleConnectionsBench: N idle WebSockets over one or more edges; memory per connection on each edge and in the client.
                Usage: bin/bench idle --connections 19000
                       bin/bench idle --connections 50000 --edges 3 --connections-per-source 10000"""))
                .option("connections", "10000", "sockets to open (one user each); ulimit -n (20,000) bounds each process")
                .option("edges", "1", "edges: the platform's, plus this many minus one in their own JVMs")
                .option("edge-heap", "1g", "heap (-Xms/-Xmx) of each extra edge JVM")
                .option("client-processes", "auto", "client worker JVMs; auto = none up to " + MAX_PER_CLIENT_PROCESS
                        + " sockets (this JVM holds them), else enough for " + MAX_PER_CLIENT_PROCESS + " each")
                .option("hold", "15s", "how long the connections are held before memory is read");
    }

    /** An edge under test: the platform's (in its JVM) or an extra one. */
    private record EdgeUnderTest(String name, ChildJvm extra, PlatformProcess platform) {
        JsonNode memory() throws Exception {
            return extra != null ? extra.command("mem", Duration.ofSeconds(60)) : platform.memory();
        }
    }

    public static void main(String[] argv) throws Exception {
        Args args = options().parse(argv);
        if (args.helpRequested()) {
            System.out.print(args.help());
            return;
        }
        int n = args.integer("connections");
        int edgeCount = args.integer("edges");
        String procsOption = args.string("client-processes");
        int procs = procsOption.equals("auto")
                ? (n <= MAX_PER_CLIENT_PROCESS ? 0 : (n + MAX_PER_CLIENT_PROCESS - 1) / MAX_PER_CLIENT_PROCESS)
                : Integer.parseInt(procsOption);
        if (edgeCount < 1 || procs < 0 || (procs > 0 && (n + procs - 1) / procs > MAX_PER_CLIENT_PROCESS)
                || (procs == 0 && n > MAX_PER_CLIENT_PROCESS)) {
            throw new IllegalArgumentException("--edges must be >= 1 and each client process may hold at most "
                    + MAX_PER_CLIENT_PROCESS + " sockets");
        }
        List<ChildJvm> children = new ArrayList<>();
        try (Harness h = Harness.start("idle", args, procs == 0 ? n : 1)) {
            try {
                run(h, args, n, edgeCount, procs, children);
            } finally {
                // Clients first (their sockets go), then the extra edges; the harness stops the platform.
                for (int i = children.size() - 1; i >= 0; i--) {
                    children.get(i).close();
                }
            }
        }
    }

    private static void run(Harness h, Args args, int n, int edgeCount, int procs, List<ChildJvm> children) throws Exception {
        List<EdgeUnderTest> edges = new ArrayList<>();
        edges.add(new EdgeUnderTest("edge-1", null, h.platform));
        for (int e = 2; e <= edgeCount; e++) {
            ChildJvm edge = BenchEdge.start(e, h.runDir, args.string("edge-heap"), h.platform);
            children.add(edge);
            edges.add(new EdgeUnderTest("edge-" + e, edge, null));
        }
        List<String> edgeUrls = new ArrayList<>();
        edgeUrls.add(h.platform.edgeUrl());
        edges.stream().filter(e -> e.extra() != null).forEach(e -> edgeUrls.add(e.extra().ready().path("edge").asText()));
        h.client.initialEdges(edgeUrls);
        List<ChildJvm> workers = new ArrayList<>();
        int perSource = args.integer("connections-per-source");
        int nextAddress = 2; // 127.0.0.1 stays for the platform's own connections
        for (int w = 0; w < procs; w++) {
            int first = (int) ((long) n * w / procs);
            int count = (int) ((long) n * (w + 1) / procs) - first;
            List<String> sources = new ArrayList<>();
            for (int i = 0; i < (count + perSource - 1) / perSource; i++) {
                sources.add("127.0.0." + nextAddress++);
            }
            ChildJvm worker = ClientWorker.start(w + 1, h.runDir, args, edgeUrls, h.platform.jwtSecret(), first,
                    count, sources, perSource);
            children.add(worker);
            workers.add(worker);
        }

        List<JsonNode> edgeBefore = new ArrayList<>();
        for (EdgeUnderTest e : edges) {
            edgeBefore.add(e.memory());
        }
        List<JsonNode> clientBefore = new ArrayList<>();
        if (workers.isEmpty()) {
            clientBefore.add(BenchPlatform.memory());
        } else {
            for (ChildJvm w : workers) {
                clientBefore.add(w.command("mem", Duration.ofSeconds(60)));
            }
        }

        Duration deadline = Duration.ofMinutes(10);
        long t0 = System.nanoTime();
        long ready;
        if (workers.isEmpty()) {
            h.connectAll(h.devices(n), deadline);
            ready = n;
        } else {
            List<CompletableFuture<JsonNode>> opened = new ArrayList<>();
            for (ChildJvm w : workers) {
                opened.add(CompletableFuture.supplyAsync(() -> {
                    try {
                        return w.command("open " + deadline.toSeconds(), deadline.plusMinutes(1));
                    } catch (Exception e) {
                        throw new CompletionException(e);
                    }
                }));
            }
            ready = opened.stream().map(CompletableFuture::join).mapToLong(o -> o.path("ready").asLong()).sum();
            if (ready < n) {
                throw new IllegalStateException(ready + " of " + n + " devices ready after " + deadline);
            }
        }
        double connectSeconds = (System.nanoTime() - t0) / 1e9;
        Thread.sleep(args.duration("hold").toMillis());

        ObjectNode out = h.resultHead();
        out.put("connections", n).put("edges", edgeCount).put("client_processes", Math.max(1, procs))
                .put("connect_s", round(connectSeconds)).put("connects_per_s", round(n / connectSeconds));
        StringBuilder summary = new StringBuilder(String.format("idle connections: %,d opened over %d edge(s) from %d client process(es) in %.1f s (%,.0f/s), held %s%n",
                n, edgeCount, Math.max(1, procs), connectSeconds, n / connectSeconds, args.string("hold")));
        ArrayNode edgeReports = out.putArray("edge_jvms");
        long held = 0;
        for (int i = 0; i < edges.size(); i++) {
            JsonNode after = edges.get(i).memory();
            long conns = after.path("connections").asLong();
            held += conns;
            ObjectNode r = edgeReports.addObject().put("name", edges.get(i).name()).put("connections", conns);
            perConnection(r, edgeBefore.get(i), after, conns);
            summary.append(String.format("  %-7s %,7d conns  %,6d files  heap %+,.1f KB/conn  RSS %+,.1f KB/conn  (heap %,d -> %,d MB, RSS %,d -> %,d MB)%n",
                    edges.get(i).name(), conns, after.path("open_files").asLong(), r.path("heap_kb_per_conn").asDouble(),
                    r.path("rss_kb_per_conn").asDouble(),
                    edgeBefore.get(i).path("heap_used").asLong() >> 20, after.path("heap_used").asLong() >> 20,
                    edgeBefore.get(i).path("rss").asLong() >> 20, after.path("rss").asLong() >> 20));
        }
        out.put("held_by_edges", held);
        ArrayNode clientReports = out.putArray("client_jvms");
        long errors = 0;
        for (int i = 0; i < clientBefore.size(); i++) {
            JsonNode after = workers.isEmpty() ? BenchPlatform.memory().put("connections", h.client.openConnections())
                    : workers.get(i).command("mem", Duration.ofSeconds(60));
            JsonNode stats = workers.isEmpty() ? h.client.stats().json() : after.path("client");
            errors += stats.path("connect_failures").asLong() + stats.path("inbox_seq_regressions").asLong();
            long conns = after.path("connections").asLong();
            ObjectNode r = clientReports.addObject().put("connections", conns);
            perConnection(r, clientBefore.get(i), after, conns);
            r.set("client", stats);
            summary.append(String.format("  client-%d %,7d open   heap %+,.1f KB/conn  RSS %+,.1f KB/conn  redirects %,d  reconnects %,d%n",
                    i + 1, conns, r.path("heap_kb_per_conn").asDouble(), r.path("rss_kb_per_conn").asDouble(),
                    stats.path("redirects").asLong(), stats.path("reconnects").asLong()));
        }
        out.put("errors", errors);
        summary.append(String.format("  edges hold %,d of %,d; errors %d", held, n, errors));
        h.report(out, summary.toString());
    }

    private static void perConnection(ObjectNode out, JsonNode before, JsonNode after, long n) {
        out.set("before", before);
        out.set("after", after);
        long div = Math.max(1, n);
        out.put("heap_kb_per_conn", round((after.path("heap_used").asLong() - before.path("heap_used").asLong()) / 1024.0 / div));
        out.put("rss_kb_per_conn", round((after.path("rss").asLong() - before.path("rss").asLong()) / 1024.0 / div));
        out.put("buffers_kb_per_conn", round((after.path("buffers_used").asLong() - before.path("buffers_used").asLong()) / 1024.0 / div));
    }

    private static double round(double v) {
        return Math.round(v * 10) / 10.0;
    }
}
