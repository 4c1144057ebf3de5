package dev.kchat.bench;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Scenario 1, group chat: N users each on one WebSocket, in groups of G, send at an aggregate
 * offered rate R for a duration D (after a warm-up), every message to a random member of the next
 * group in turn. Measures on the receiving sockets: deliveries/s, end-to-end latency from the
 * intended send time, loss and duplicates after a drain, errors, and CPU per component.
 */
public final class GroupChatBench {

    private static final Logger log = LoggerFactory.getLogger(GroupChatBench.class);

    private GroupChatBench() {
    }

    static Args options() {
        return Harness.common(Args.describe("""
                GroupChatBench: N users in groups of G send R messages/s (aggregate, paced) for D; measured on the receivers.
                Usage: bin/bench group-chat --users 2000 --group-size 10 --rate 2000 --duration 60s"""))
                .option("users", "2000", "connected users (one device each)")
                .option("group-size", "10", "members per group (owner included); users must be a multiple")
                .option("rate", "2000", "offered messages/s, all groups together")
                .option("duration", "60s", "measured sending time")
                .option("warmup", "120s", "sending at the same rate before measuring: on 2 shared cores the JVMs need 2-4 min to compile their hot code (docs/benchmarks.md)")
                .option("body-bytes", "100", "message body size")
                .option("drain-quiet", "10s", "after sending, stop waiting once nothing arrived for this long")
                .option("drain-max", "60s", "longest wait for stragglers after sending");
    }

    public static void main(String[] argv) throws Exception {
        Harness.runInGroups("group-chat", options(), argv, GroupChatBench::run);
    }

    private static void run(Harness h, Args args, int users, int size) throws Exception {
        double rate = args.decimal("rate");
        Duration duration = args.duration("duration");
        Duration warmup = args.duration("warmup");
        int bodyBytes = args.integer("body-bytes");
        List<Device> devices = h.devices(users);
        h.connectAll(devices, Duration.ofMinutes(5));
        Harness.Groups groups = h.createGroups(devices, size, Duration.ofMinutes(3));

        if (!warmup.isZero()) {
            DeliveryLedger w = new DeliveryLedger(h.tag + "w", users, (int) (rate * warmup.toSeconds() * 1.2) + 1000);
            phase(h, w, groups, devices, rate, warmup, bodyBytes);
            Harness.drain(w, Long.MAX_VALUE, Duration.ofSeconds(3), Duration.ofSeconds(20));
            log.info("warm-up done: {}", w.reconcile());
        }

        DeliveryLedger ledger = new DeliveryLedger(h.tag, users, (int) (rate * duration.toSeconds() * 1.2) + 1000);
        ScheduledExecutorService sampler = Executors.newSingleThreadScheduledExecutor();
        List<Long> perSecond = new ArrayList<>();
        // Latency of each second's deliveries (p50, p99 in ms): shows whether the platform reached a
        // steady state (JIT warm-up and a backlog from the warm-up phase show as a falling curve).
        List<double[]> latencyPerSecond = new ArrayList<>();
        long[] previous = {0};
        sampler.scheduleAtFixedRate(() -> {
            long n = ledger.deliveries();
            Histogram second = ledger.interval();
            synchronized (perSecond) {
                perSecond.add(n - previous[0]);
                latencyPerSecond.add(new double[] {
                        round(second.getValueAtPercentile(50) / 1000.0), round(second.getValueAtPercentile(99) / 1000.0)});
            }
            previous[0] = n;
        }, 1, 1, TimeUnit.SECONDS);
        CpuWindow cpu = CpuWindow.start(h.pids());
        long t0 = System.nanoTime();
        long sent = phase(h, ledger, groups, devices, rate, duration, bodyBytes);
        double sendSeconds = (System.nanoTime() - t0) / 1e9;
        long deliveredInWindow = ledger.deliveries();
        ObjectNode cpuJson = cpu.stop();
        long expected = (long) ledger.messagesSent() * size;
        long drainMs = Harness.drain(ledger, expected, args.duration("drain-quiet"), args.duration("drain-max"));
        sampler.shutdownNow();
        DeliveryLedger.Reconciliation r = ledger.reconcile();

        ObjectNode out = h.resultHead();
        out.put("users", users).put("group_size", size).put("groups", groups.count())
                .put("offered_msgs_per_s", rate).put("sent_msgs_per_s", round(sent / sendSeconds))
                .put("deliveries_per_s", round(deliveredInWindow / sendSeconds))
                .put("offered_deliveries_per_s", round(rate * size))
                .put("messages_sent", r.messagesSent()).put("expected", r.expected()).put("delivered", r.delivered())
                .put("lost", r.lost()).put("duplicates", r.duplicates()).put("send_failures", r.sendFailures())
                .put("errors", h.client.stats().errors()).put("drain_ms", drainMs);
        out.set("latency", r.latency().json());
        out.set("client", h.client.stats().json());
        out.set("cpu", cpuJson);
        ArrayNode series = out.putArray("deliveries_per_second");
        ArrayNode p50s = out.putArray("latency_p50_ms_per_second");
        ArrayNode p99s = out.putArray("latency_p99_ms_per_second");
        String trend;
        synchronized (perSecond) {
            perSecond.forEach(series::add);
            latencyPerSecond.forEach(l -> {
                p50s.add(l[0]);
                p99s.add(l[1]);
            });
            trend = p99Trend(latencyPerSecond);
        }
        String summary = String.format("""
                group chat: %,d users in %,d groups of %d, %s, offered %,.0f msg/s for %s
                  sent        %,d messages (%,.0f msg/s)
                  delivered   %,d of %,d expected (%,.0f deliveries/s during sending; offered %,.0f incl. the sender's own device)
                  latency     %s
                  p99 by 10 s %s
                  lost %,d  duplicates %,d  send failures %,d  errors %,d  (drain %,d ms)
                  cpu (cores) %s""",
                users, groups.count(), size, args.string("guarantee"), rate, duration,
                r.messagesSent(), sent / sendSeconds, r.delivered(), r.expected(), deliveredInWindow / sendSeconds, rate * size,
                r.latency().line(), trend, r.lost(), r.duplicates(), r.sendFailures(), h.client.stats().errors(), drainMs,
                cpuJson.path("cores"));
        h.report(out, summary);
    }

    /** The highest per-second p99 of each 10 s of the window, in ms: "812 240 95 90 ...". */
    static String p99Trend(List<double[]> latencyPerSecond) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < latencyPerSecond.size(); i += 10) {
            double max = 0;
            for (int j = i; j < Math.min(i + 10, latencyPerSecond.size()); j++) {
                max = Math.max(max, latencyPerSecond.get(j)[1]);
            }
            out.append(out.length() == 0 ? "" : " ").append(Math.round(max));
        }
        return out.append(" ms").toString();
    }

    /** Registers every group in the ledger; returns the ledger's conversation index of each group. */
    static int[] register(DeliveryLedger ledger, Harness.Groups groups) {
        int[] conv = new int[groups.count()];
        for (int g = 0; g < conv.length; g++) {
            conv[g] = ledger.conversation(groups.members()[g]);
        }
        return conv;
    }

    static long phase(Harness h, DeliveryLedger ledger, Harness.Groups groups, List<Device> devices, double rate,
            Duration duration, int bodyBytes) {
        return phase(h, ledger, register(ledger, groups), groups, devices, rate, duration, bodyBytes);
    }

    /** Sends at the rate for the duration, cycling over the groups, each message from a random member. */
    static long phase(Harness h, DeliveryLedger ledger, int[] conv, Harness.Groups groups, List<Device> devices, double rate,
            Duration duration, int bodyBytes) {
        h.client.ledger(ledger);
        long[] k = {0};
        return Pacer.run(rate, duration, intended -> {
            int g = (int) (k[0]++ % conv.length);
            int[] members = groups.members()[g];
            Device from = devices.get(members[ThreadLocalRandom.current().nextInt(members.length)]);
            h.client.sendMessage(from, groups.ids().get(g), conv[g], intended, id -> Harness.body(id, bodyBytes));
        });
    }

    static double round(double v) {
        return Math.round(v * 10) / 10.0;
    }
}
