package dev.kchat.bench;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kchat.api.auth.TokenMinter;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A load-client process holding a share of a scenario's devices: one process cannot have more than
 * 20,000 open files here, so 50,000 sockets need three. Started by {@link #start} with its slice of
 * users, its source addresses and the platform's token secret; answers {@code open <seconds>}
 * (connect every device, following redirects to the edge that owns its user, and wait until each is
 * ready), {@code mem} and {@code stop} ({@link ChildJvm}'s protocol).
 */
public final class ClientWorker {

    private static final String PREFIX = "bench.worker.";

    private ClientWorker() {
    }

    /**
     * Starts worker {@code n} for users {@code first .. first+count-1}.
     *
     * @param edgeUrls the edges its devices connect to first (spread evenly; redirects do the rest)
     * @param sources the loopback addresses it connects from, {@code perSource} sockets each
     */
    static ChildJvm start(int n, Path runDir, Args args, List<String> edgeUrls, String jwtSecret, int first, int count,
            List<String> sources, int perSource) throws IOException, InterruptedException {
        Map<String, String> p = new LinkedHashMap<>();
        p.put(PREFIX + "edges", String.join(",", edgeUrls));
        p.put(PREFIX + "secret", jwtSecret);
        p.put(PREFIX + "first", String.valueOf(first));
        p.put(PREFIX + "count", String.valueOf(count));
        p.put(PREFIX + "sources", String.join(",", sources));
        p.put(PREFIX + "per.source", String.valueOf(perSource));
        p.put(PREFIX + "io.threads", args.string("io-threads"));
        p.put(PREFIX + "connects.in.flight", args.string("connects-in-flight"));
        p.put(PREFIX + "ping.interval", args.string("ping-interval"));
        p.put("logback.configurationFile", System.getProperty("logback.configurationFile", ""));
        return ChildJvm.start("client-" + n, ClientWorker.class, List.of("-Xms512m", "-Xmx1g", "-XX:+UseG1GC"), p,
                runDir.resolve("client-" + n + ".log"), Duration.ofMinutes(1));
    }

    public static void main(String[] argv) throws IOException {
        List<String> edges = List.of(System.getProperty(PREFIX + "edges").split(","));
        int first = Integer.getInteger(PREFIX + "first");
        int count = Integer.getInteger(PREFIX + "count");
        List<String> sources = List.of(System.getProperty(PREFIX + "sources").split(","));
        Duration ping = Args.parseDuration("ping-interval", System.getProperty(PREFIX + "ping.interval", "30s"));
        TokenMinter tokens = new TokenMinter(System.getProperty(PREFIX + "secret"), null);
        try (LoadClient client = new LoadClient(new LoadClient.Config(edges.get(0), Integer.getInteger(PREFIX + "io.threads", 2), sources,
                Integer.getInteger(PREFIX + "per.source"), Integer.getInteger(PREFIX + "connects.in.flight", 500), ping,
                Duration.ZERO))) {
            client.initialEdges(edges);
            List<Device> devices = new ArrayList<>(count);
            for (int i = first; i < first + count; i++) {
                String user = Harness.user(i);
                devices.add(client.device(user, "d0", tokens.mint(user, Duration.ofHours(12))));
            }
            ChildJvm.serve(ChildJvm.object().put("devices", count), command -> {
                if (command.startsWith("open ")) {
                    long t0 = System.nanoTime();
                    int ready = client.openAll(devices, Duration.ofSeconds(Long.parseLong(command.substring(5).trim())));
                    ObjectNode out = ChildJvm.object().put("event", "opened").put("ready", ready)
                            .put("connect_s", (System.nanoTime() - t0) / 1e9);
                    out.set("client", client.stats().json());
                    return out;
                }
                if (command.equals("mem")) {
                    ObjectNode out = BenchPlatform.memory().put("connections", client.openConnections());
                    out.set("client", client.stats().json());
                    return out;
                }
                throw new IllegalArgumentException("unknown command");
            });
        }
    }
}
