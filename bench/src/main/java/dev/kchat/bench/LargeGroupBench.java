package dev.kchat.bench;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import org.HdrHistogram.Histogram;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Scenario 3, large-group fan-out: one group of M members (above {@code fanout.broadcast.threshold}
 * it is read-diffused over {@code chat.broadcast}), a share of them online; a few messages, spaced
 * out; for each, the time from its intended send until every online member has it.
 */
public final class LargeGroupBench {

    private static final Logger log = LoggerFactory.getLogger(LargeGroupBench.class);
    /** The API's default {@code limits.max.members.per.request}. */
    private static final int MEMBERS_PER_REQUEST = 1000;

    private LargeGroupBench() {
    }

    static Args options() {
        return Harness.common(Args.describe("""
                LargeGroupBench: one group of M members, a share online; time until every online member has each message.
                Usage: bin/bench large-group --members 10000 --online 0.2 --messages 20"""))
                .option("members", "10000", "members of the group (owner included)")
                .option("online", "0.2", "share of members connected (one device each)")
                .option("messages", "20", "messages sent, one at a time")
                .option("interval", "1s", "time between two messages")
                .option("body-bytes", "100", "message body size");
    }

    public static void main(String[] argv) throws Exception {
        Args args = options().parse(argv);
        if (args.helpRequested()) {
            System.out.print(args.help());
            return;
        }
        int members = args.integer("members");
        int online = (int) Math.round(members * args.decimal("online"));
        if (online < 1 || online > members) {
            throw new IllegalArgumentException("--online must leave between 1 and --members devices online");
        }
        try (Harness h = Harness.start("large-group", args, online)) {
            run(h, args, members, online);
        }
    }

    private static void run(Harness h, Args args, int members, int online) throws Exception {
        List<Device> devices = h.devices(online);
        h.connectAll(devices, Duration.ofMinutes(5));

        // The group: owner u0, everyone else added in requests of at most 1,000 users.
        long t0 = System.nanoTime();
        String ownerToken = devices.get(0).token;
        List<String> first = new ArrayList<>();
        for (int i = 1; i < Math.min(members, MEMBERS_PER_REQUEST + 1); i++) {
            first.add(Harness.user(i));
        }
        String groupId = h.api.createGroup(ownerToken, "bench-large", first).join();
        List<CompletableFuture<?>> adds = new ArrayList<>();
        for (int from = MEMBERS_PER_REQUEST + 1; from < members; from += MEMBERS_PER_REQUEST) {
            List<String> batch = new ArrayList<>();
            for (int i = from; i < Math.min(members, from + MEMBERS_PER_REQUEST); i++) {
                batch.add(Harness.user(i));
            }
            adds.add(h.api.addMembers(ownerToken, groupId, batch));
        }
        adds.forEach(CompletableFuture::join);
        log.info("group {} of {} members requested in {} ms", groupId, members, (System.nanoTime() - t0) / 1_000_000);

        int[] recipients = new int[online];
        for (int i = 0; i < online; i++) {
            recipients[i] = i;
        }
        int bodyBytes = args.integer("body-bytes");
        // A probe: sequenced after every membership change, so once all online members have it,
        // the membership is complete and the caches are warm.
        DeliveryLedger probe = new DeliveryLedger(h.tag + "p", online, 4);
        int probeConv = probe.conversation(recipients);
        h.client.ledger(probe);
        h.client.sendMessage(devices.get(0), groupId, probeConv, System.nanoTime(), id -> Harness.body(id, bodyBytes));
        Harness.drain(probe, online, Duration.ofSeconds(60), Duration.ofSeconds(120));
        DeliveryLedger.Reconciliation pr = probe.reconcile();
        log.info("probe: {} of {} online members in {}", pr.delivered(), online, pr.latency().line());
        if (pr.lost() > 0) {
            throw new IllegalStateException("the probe reached " + pr.delivered() + " of " + online + " online members within 120 s;"
                    + " see the platform log in " + h.runDir);
        }

        int messages = args.integer("messages");
        DeliveryLedger ledger = new DeliveryLedger(h.tag, online, messages);
        int conv = ledger.conversation(recipients);
        h.client.ledger(ledger);
        CpuWindow cpu = CpuWindow.start(h.pids());
        List<Integer> ids = new ArrayList<>();
        for (int k = 0; k < messages; k++) {
            Device from = devices.get(ThreadLocalRandom.current().nextInt(online));
            int before = ledger.messagesSent();
            h.client.sendMessage(from, groupId, conv, System.nanoTime(), id -> Harness.body(id, bodyBytes));
            ids.add(before);
            Thread.sleep(args.duration("interval").toMillis());
        }
        long drainMs = Harness.drain(ledger, (long) messages * online, Duration.ofSeconds(10), Duration.ofSeconds(60));
        ObjectNode cpuJson = cpu.stop();
        DeliveryLedger.Reconciliation r = ledger.reconcile();

        Histogram toAll = LatencySummary.newHistogram();
        int complete = 0;
        ObjectNode out = h.resultHead();
        ArrayNode each = out.putArray("time_to_all_ms");
        for (int id : ids) {
            long t = ledger.timeToLastDelivery(id);
            boolean all = ledger.deliveredCount(id) == online;
            each.add(all ? t / 1e6 : -1);
            if (all) {
                complete++;
                toAll.recordValue(Math.min(LatencySummary.HIGHEST_MICROS, t / 1_000));
            }
        }
        LatencySummary all = LatencySummary.of(toAll);
        out.put("members", members).put("online", online).put("messages", messages).put("complete_messages", complete)
                .put("delivered", r.delivered()).put("expected", r.expected()).put("lost", r.lost()).put("duplicates", r.duplicates())
                .put("errors", h.client.stats().errors()).put("drain_ms", drainMs);
        out.set("time_to_all_online", all.json());
        out.set("per_delivery_latency", r.latency().json());
        out.set("client", h.client.stats().json());
        out.set("cpu", cpuJson);
        String summary = String.format("""
                large group: %,d members, %,d online, %d messages (%d reached every online member)
                  time until every online member had a message: %s
                  per delivery: %s
                  lost %,d  duplicates %,d  errors %,d
                  cpu (cores) %s""",
                members, online, messages, complete, all.line(), r.latency().line(), r.lost(), r.duplicates(),
                h.client.stats().errors(), cpuJson.path("cores"));
        h.report(out, summary);
    }
}
