package dev.kchat.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.util.List;

/**
 * Scenario 2, idle connections: opens N sockets to the one edge (each says hello and gets ready),
 * holds them, and reports what they cost: the platform JVM's heap after GC and RSS before and after,
 * per connection (the edge runs in that JVM; nothing else changes between the two readings), and the
 * same for the load client.
 */
public final class IdleConnectionsBench {

    private IdleConnectionsBench() {
    }

    static Args options() {
        return Harness.common(Args.describe("""
                IdleConnectionsBench: N idle WebSockets on one edge; memory per connection on the edge and in the client.
                Usage: bin/bench idle --connections 19000"""))
                .option("connections", "10000", "sockets to open (one user each); ulimit -n (20,000) bounds both processes")
                .option("hold", "15s", "how long the connections are held before memory is read");
    }

    public static void main(String[] argv) throws Exception {
        Args args = options().parse(argv);
        if (args.helpRequested()) {
            System.out.print(args.help());
            return;
        }
        int n = args.integer("connections");
        try (Harness h = Harness.start("idle", args, n)) {
            List<Device> devices = h.devices(n);
            JsonNode edgeBefore = h.platformMemory();
            JsonNode clientBefore = BenchPlatform.memory();
            long t0 = System.nanoTime();
            h.connectAll(devices, Duration.ofMinutes(10));
            double connectSeconds = (System.nanoTime() - t0) / 1e9;
            Thread.sleep(args.duration("hold").toMillis());
            long open = h.client.openConnections();
            JsonNode edgeAfter = h.platformMemory();
            JsonNode clientAfter = BenchPlatform.memory();

            ObjectNode out = h.resultHead();
            out.put("connections", n).put("open_at_end", open).put("connect_s", round(connectSeconds))
                    .put("connects_per_s", round(n / connectSeconds)).put("errors", h.client.stats().errors());
            ObjectNode edge = out.putObject("edge_jvm");
            perConnection(edge, edgeBefore, edgeAfter, n);
            ObjectNode client = out.putObject("client_jvm");
            perConnection(client, clientBefore, clientAfter, n);
            out.set("client", h.client.stats().json());
            String summary = String.format("""
                    idle connections: %,d opened in %.1f s (%,.0f/s), %,d open after %s
                      edge JVM   heap %+,.1f KB/conn  RSS %+,.1f KB/conn  (heap %,d -> %,d MB, RSS %,d -> %,d MB)
                      client JVM heap %+,.1f KB/conn  RSS %+,.1f KB/conn""",
                    n, connectSeconds, n / connectSeconds, open, args.string("hold"),
                    edge.path("heap_kb_per_conn").asDouble(), edge.path("rss_kb_per_conn").asDouble(),
                    edgeBefore.path("heap_used").asLong() >> 20, edgeAfter.path("heap_used").asLong() >> 20,
                    edgeBefore.path("rss").asLong() >> 20, edgeAfter.path("rss").asLong() >> 20,
                    client.path("heap_kb_per_conn").asDouble(), client.path("rss_kb_per_conn").asDouble());
            h.report(out, summary);
        }
    }

    private static void perConnection(ObjectNode out, JsonNode before, JsonNode after, int n) {
        out.set("before", before);
        out.set("after", after);
        out.put("heap_kb_per_conn", round((after.path("heap_used").asLong() - before.path("heap_used").asLong()) / 1024.0 / n));
        out.put("rss_kb_per_conn", round((after.path("rss").asLong() - before.path("rss").asLong()) / 1024.0 / n));
        out.put("buffers_kb_per_conn", round((after.path("buffers_used").asLong() - before.path("buffers_used").asLong()) / 1024.0 / n));
    }

    private static double round(double v) {
        return Math.round(v * 10) / 10.0;
    }
}
