package dev.kchat.bench;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import org.HdrHistogram.Histogram;

/**
 * One conversation read by many (a large group, a server channel): messages sent one at a time by random
 * recipients, and for each the time from its intended send until the last recipient had it. Shared by
 * the scenarios that measure a broadcast's reach.
 *
 * @param reconciliation every delivery, per recipient (lost, duplicates, latency)
 * @param timeToAll      time until every recipient had a message, over the messages that reached all
 * @param complete       messages that reached every recipient
 * @param eachMs         each message's time to all, in ms (-1: it did not reach all)
 * @param cpu            CPU over the sends and the drain ({@link CpuWindow})
 * @param drainMs        how long the last deliveries took to arrive after the last send
 */
record TimeToAll(DeliveryLedger.Reconciliation reconciliation, LatencySummary timeToAll, int complete, List<Double> eachMs,
        ObjectNode cpu, long drainMs) {

    /**
     * Sends one probe from device 0 and waits until all {@code recipients} (device indexes 0..n-1) have it:
     * once they do, whatever admits them (membership, a view) is live end to end and the caches are warm.
     *
     * @throws IllegalStateException if some recipient did not get it within 120 s
     */
    static void probe(Harness h, List<Device> devices, String conversationId, int recipients, int bodyBytes)
            throws InterruptedException {
        probe(h, devices, conversationId, recipients, bodyBytes, Duration.ofSeconds(120));
    }

    /**
     * {@link #probe(Harness, List, String, int, int)} waiting up to {@code max} (the pipeline may still be
     * working through a backlog the setup left, e.g. a flood of joins); returns how long the probe took.
     */
    static long probe(Harness h, List<Device> devices, String conversationId, int recipients, int bodyBytes, Duration max)
            throws InterruptedException {
        DeliveryLedger probe = new DeliveryLedger(h.tag + "p", recipients, 4);
        int conv = probe.conversation(indexes(recipients));
        h.client.ledger(probe);
        h.client.sendMessage(devices.get(0), conversationId, conv, System.nanoTime(), id -> Harness.body(id, bodyBytes));
        long tookMs = Harness.drain(probe, recipients, max.compareTo(Duration.ofSeconds(60)) > 0 ? max : Duration.ofSeconds(60), max);
        DeliveryLedger.Reconciliation r = probe.reconcile();
        if (r.lost() > 0) {
            throw new IllegalStateException("the probe reached " + r.delivered() + " of " + recipients + " recipients within "
                    + max.toSeconds() + " s; see the platform log in " + h.runDir);
        }
        return tookMs;
    }

    /**
     * Sends {@code messages} to {@code conversationId}, one every {@code interval}, each from a random one
     * of the {@code recipients} devices (indexes 0..n-1, who all receive it), and waits for the deliveries.
     */
    static TimeToAll measure(Harness h, List<Device> devices, String conversationId, int recipients, int messages,
            Duration interval, int bodyBytes) throws InterruptedException {
        DeliveryLedger ledger = new DeliveryLedger(h.tag, recipients, messages);
        int conv = ledger.conversation(indexes(recipients));
        h.client.ledger(ledger);
        CpuWindow cpu = CpuWindow.start(h.pids());
        List<Integer> ids = new ArrayList<>();
        for (int k = 0; k < messages; k++) {
            Device from = devices.get(ThreadLocalRandom.current().nextInt(recipients));
            ids.add(ledger.messagesSent());
            h.client.sendMessage(from, conversationId, conv, System.nanoTime(), id -> Harness.body(id, bodyBytes));
            Thread.sleep(interval.toMillis());
        }
        long drainMs = Harness.drain(ledger, (long) messages * recipients, Duration.ofSeconds(10), Duration.ofSeconds(60));
        ObjectNode cpuJson = cpu.stop();
        DeliveryLedger.Reconciliation r = ledger.reconcile();
        Histogram toAll = LatencySummary.newHistogram();
        List<Double> each = new ArrayList<>();
        int complete = 0;
        for (int id : ids) {
            long t = ledger.timeToLastDelivery(id);
            boolean all = ledger.deliveredCount(id) == recipients;
            each.add(all ? t / 1e6 : -1);
            if (all) {
                complete++;
                toAll.recordValue(Math.min(LatencySummary.HIGHEST_MICROS, t / 1_000));
            }
        }
        return new TimeToAll(r, LatencySummary.of(toAll), complete, each, cpuJson, drainMs);
    }

    /** The platform's CPU per delivery over the window, in core-ms. */
    double platformCoreMsPerDelivery() {
        double coreSeconds = cpu.path("cores").path("platform").asDouble() * cpu.path("wall_s").asDouble();
        return reconciliation.delivered() == 0 ? 0 : coreSeconds * 1000 / reconciliation.delivered();
    }

    /** Adds the figures to a result line. */
    void into(ObjectNode out, int messages) {
        ArrayNode each = out.putArray("time_to_all_ms");
        eachMs.forEach(each::add);
        out.put("messages", messages).put("complete_messages", complete).put("delivered", reconciliation.delivered())
                .put("expected", reconciliation.expected()).put("lost", reconciliation.lost())
                .put("duplicates", reconciliation.duplicates()).put("drain_ms", drainMs)
                .put("platform_core_ms_per_delivery", platformCoreMsPerDelivery());
        out.set("per_delivery_latency", reconciliation.latency().json());
        out.set("cpu", cpu);
    }

    private static int[] indexes(int n) {
        int[] out = new int[n];
        for (int i = 0; i < n; i++) {
            out[i] = i;
        }
        return out;
    }
}
