package dev.kchat.bench;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Priority shedding under a surge (issue 15): group chat at a base rate, then a surge above what the
 * box sustains, then the base rate again, every message preceded by a typing frame from its sender
 * and every device acking once a second (receipts). Per second: deliveries, latency of that second's
 * deliveries, typing frames that reached the clients, and the edge's shedding level and counts, read
 * from its Prometheus endpoint. The claim to check: messages keep flowing with bounded latency while
 * typing, presence and receipts give way, and after the surge the edge stops shedding and sends what
 * it held (receipts held back return to 0).
 */
public final class SurgeBench {

    private static final Logger log = LoggerFactory.getLogger(SurgeBench.class);
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final List<String> SHED_KINDS = List.of("typing_in", "typing_out", "presence", "receipt");

    private SurgeBench() {
    }

    static Args options() {
        return Harness.common(Args.describe("""
                SurgeBench: group chat at --base-rate, a surge at --surge-rate, the base rate again; typing before every send.
                Usage: bin/bench surge --users 2000 --group-size 10 --base-rate 100 --surge-rate 500"""))
                .option("users", "2000", "connected users (one device each)")
                .option("group-size", "10", "members per group (owner included); users must be a multiple")
                .option("base-rate", "100", "messages/s before and after the surge")
                .option("surge-rate", "500", "messages/s during the surge (about twice what the box sustains)")
                .option("warmup", "120s", "sending at the base rate before measuring (JIT)")
                .option("before", "30s", "measured time at the base rate before the surge")
                .option("surge", "60s", "surge length")
                .option("after", "90s", "measured time at the base rate after the surge")
                .option("body-bytes", "100", "message body size")
                .option("settle-max", "120s", "after sending, longest wait for the edge to stop shedding and release held receipts");
    }

    public static void main(String[] argv) throws Exception {
        Harness.runInGroups("surge", options(), argv, SurgeBench::run);
    }

    private static void run(Harness h, Args args, int users, int size) throws Exception {
        double base = args.decimal("base-rate");
        double surge = args.decimal("surge-rate");
        int bodyBytes = args.integer("body-bytes");
        String metricsUrl = h.platform.edgeAdminUrl() + "/metrics";
        List<Device> devices = h.devices(users);
        h.connectAll(devices, Duration.ofMinutes(5));
        Harness.Groups groups = h.createGroups(devices, size, Duration.ofMinutes(3));

        Duration warmup = args.duration("warmup");
        if (!warmup.isZero()) {
            DeliveryLedger w = new DeliveryLedger(h.tag + "w", users, (int) (base * warmup.toSeconds() * 1.2) + 1000);
            phase(h, w, GroupChatBench.register(w, groups), groups, devices, base, warmup, bodyBytes);
            Harness.drain(w, Long.MAX_VALUE, Duration.ofSeconds(3), Duration.ofSeconds(20));
            log.info("warm-up done: {}", w.reconcile());
        }

        Duration before = args.duration("before");
        Duration surgeFor = args.duration("surge");
        Duration after = args.duration("after");
        int capacity = (int) ((base * (before.toSeconds() + after.toSeconds()) + surge * surgeFor.toSeconds()) * 1.2) + 1000;
        DeliveryLedger ledger = new DeliveryLedger(h.tag, users, capacity);
        int[] conv = GroupChatBench.register(ledger, groups);
        List<ObjectNode> seconds = new ArrayList<>();
        Map<String, Double> start = scrape(metricsUrl);
        long[] previous = {0, 0};
        String[] phaseName = {"before"};
        ScheduledExecutorService sampler = Executors.newSingleThreadScheduledExecutor();
        sampler.scheduleAtFixedRate(() -> {
            long n = ledger.deliveries();
            long typing = h.client.stats().typingIn.sum();
            Histogram second = ledger.interval();
            Map<String, Double> m = scrape(metricsUrl);
            ObjectNode s = ChildJvm.object().put("phase", phaseName[0]).put("deliveries", n - previous[0])
                    .put("p50_ms", GroupChatBench.round(second.getValueAtPercentile(50) / 1000.0))
                    .put("p99_ms", GroupChatBench.round(second.getValueAtPercentile(99) / 1000.0))
                    .put("typing_frames", typing - previous[1])
                    .put("shed_level", m.getOrDefault("level", -1.0))
                    .put("inbox_delay_ms", m.getOrDefault("delay", -1.0))
                    .put("receipts_held", m.getOrDefault("held", -1.0));
            synchronized (seconds) {
                seconds.add(s);
            }
            previous[0] = n;
            previous[1] = typing;
        }, 1, 1, TimeUnit.SECONDS);
        CpuWindow cpu = CpuWindow.start(h.pids());
        phase(h, ledger, conv, groups, devices, base, before, bodyBytes);
        phaseName[0] = "surge";
        phase(h, ledger, conv, groups, devices, surge, surgeFor, bodyBytes);
        phaseName[0] = "after";
        phase(h, ledger, conv, groups, devices, base, after, bodyBytes);
        ObjectNode cpuJson = cpu.stop();
        long expected = (long) ledger.messagesSent() * size;
        long drainMs = Harness.drain(ledger, expected, Duration.ofSeconds(10), Duration.ofSeconds(120));
        phaseName[0] = "settle";
        long settleMs = settle(metricsUrl, args.duration("settle-max"));
        sampler.shutdownNow();
        sampler.awaitTermination(5, TimeUnit.SECONDS);
        Map<String, Double> end = scrape(metricsUrl);
        DeliveryLedger.Reconciliation r = ledger.reconcile();

        ObjectNode out = h.resultHead();
        out.put("users", users).put("group_size", size).put("base_rate", base).put("surge_rate", surge)
                .put("messages_sent", r.messagesSent()).put("expected", r.expected()).put("delivered", r.delivered())
                .put("lost", r.lost()).put("duplicates", r.duplicates()).put("send_failures", r.sendFailures())
                .put("drain_ms", drainMs).put("settle_ms", settleMs);
        out.set("latency", r.latency().json());
        out.set("client", h.client.stats().json());
        out.set("cpu", cpuJson);
        ObjectNode shed = out.putObject("shed");
        for (String kind : SHED_KINDS) {
            shed.put(kind, end.getOrDefault(kind, 0.0) - start.getOrDefault(kind, 0.0));
        }
        ArrayNode series = out.putArray("seconds");
        StringBuilder phases = new StringBuilder();
        synchronized (seconds) {
            seconds.forEach(series::add);
            for (String p : List.of("before", "surge", "after", "settle")) {
                phases.append(summary(p, seconds.stream().filter(s -> s.path("phase").asText().equals(p)).toList()));
            }
        }
        String text = String.format("""
                surge: %,d users in groups of %d, %s msg/s -> %s msg/s -> %s msg/s, typing before every send
                  delivered   %,d of %,d expected; lost %,d  duplicates %,d  send failures %,d  (drain %,d ms)
                  latency     %s
                %s  shed by the edge: %s
                  after the surge: edge back to level 0 with no receipt held after %s
                  cpu (cores) %s""",
                users, size, base, surge, base, r.delivered(), r.expected(), r.lost(), r.duplicates(), r.sendFailures(), drainMs,
                r.latency().line(), phases, shed, settleMs < 0 ? "(not within --settle-max)" : String.format("%,d ms", settleMs),
                cpuJson.path("cores"));
        h.report(out, text);
    }

    /** Sends at the rate for the duration; each message is preceded by a typing frame from its sender. */
    private static void phase(Harness h, DeliveryLedger ledger, int[] conv, Harness.Groups groups, List<Device> devices,
            double rate, Duration duration, int bodyBytes) {
        h.client.ledger(ledger);
        long[] k = {0};
        Pacer.run(rate, duration, intended -> {
            int g = (int) (k[0]++ % conv.length);
            int[] members = groups.members()[g];
            Device from = devices.get(members[ThreadLocalRandom.current().nextInt(members.length)]);
            h.client.sendTyping(from, groups.ids().get(g));
            h.client.sendMessage(from, groups.ids().get(g), conv[g], intended, id -> Harness.body(id, bodyBytes));
        });
    }

    /** Waits until the edge sheds nothing and holds no receipt; the time it took, or -1. */
    private static long settle(String metricsUrl, Duration max) throws InterruptedException {
        long t0 = System.nanoTime();
        while (System.nanoTime() - t0 < max.toNanos()) {
            Map<String, Double> m = scrape(metricsUrl);
            if (m.getOrDefault("level", -1.0) == 0.0 && m.getOrDefault("held", -1.0) == 0.0) {
                return (System.nanoTime() - t0) / 1_000_000;
            }
            Thread.sleep(250);
        }
        return -1;
    }

    /** One line per phase: median of the per-second p50s, highest per-second p99, deliveries/s, typing frames/s, highest level. */
    private static String summary(String phase, List<ObjectNode> s) {
        if (s.isEmpty()) {
            return "";
        }
        double[] p50 = s.stream().mapToDouble(x -> x.path("p50_ms").asDouble()).sorted().toArray();
        double p99 = s.stream().mapToDouble(x -> x.path("p99_ms").asDouble()).max().orElse(0);
        double deliveries = s.stream().mapToDouble(x -> x.path("deliveries").asDouble()).average().orElse(0);
        double typing = s.stream().mapToDouble(x -> x.path("typing_frames").asDouble()).average().orElse(0);
        double level = s.stream().mapToDouble(x -> x.path("shed_level").asDouble()).max().orElse(-1);
        return String.format("  %-7s %3d s: deliveries %,7.0f/s  p50 %,7.0f ms  max p99 %,7.0f ms  typing frames %,6.0f/s  max shed level %.0f%n",
                phase, s.size(), deliveries, p50[p50.length / 2], p99, typing, level);
    }

    /** The edge's shedding metrics (level, inbox delay, receipts held, shed totals by kind); empty if unreachable. */
    static Map<String, Double> scrape(String metricsUrl) {
        Map<String, Double> out = new LinkedHashMap<>();
        try {
            HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(metricsUrl)).timeout(Duration.ofSeconds(2)).build(),
                    HttpResponse.BodyHandlers.ofString());
            for (String line : r.body().split("\n")) {
                if (line.startsWith("#")) {
                    continue;
                }
                int space = line.lastIndexOf(' ');
                if (space < 0) {
                    continue;
                }
                String series = line.substring(0, space);
                double value = Double.parseDouble(line.substring(space + 1));
                if (series.startsWith("kchat_edge_shed_level")) {
                    out.put("level", value);
                } else if (series.startsWith("kchat_edge_inbox_delay_ms")) {
                    out.put("delay", value);
                } else if (series.startsWith("kchat_edge_receipts_held")) {
                    out.put("held", value);
                } else if (series.startsWith("kchat_edge_shed_total{")) {
                    for (String kind : SHED_KINDS) {
                        if (series.contains("kind=\"" + kind + "\"")) {
                            out.put(kind, value);
                        }
                    }
                }
            }
        } catch (Exception e) {
            log.debug("edge metrics not read: {}", e.toString());
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
        }
        return out;
    }
}
