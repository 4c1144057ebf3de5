package dev.kchat.bench;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
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

        int bodyBytes = args.integer("body-bytes");
        // A probe: sequenced after every membership change, so once all online members have it,
        // the membership is complete and the caches are warm.
        TimeToAll.probe(h, devices, groupId, online, bodyBytes);
        int messages = args.integer("messages");
        TimeToAll reach = TimeToAll.measure(h, devices, groupId, online, messages, args.duration("interval"), bodyBytes);
        ObjectNode out = h.resultHead();
        out.put("members", members).put("online", online).put("errors", h.client.stats().errors());
        reach.into(out, messages);
        out.set("time_to_all_online", reach.timeToAll().json());
        out.set("client", h.client.stats().json());
        String summary = String.format("""
                large group: %,d members, %,d online, %d messages (%d reached every online member)
                  time until every online member had a message: %s
                  per delivery: %s
                  lost %,d  duplicates %,d  errors %,d
                  cpu (cores) %s""",
                members, online, messages, reach.complete(), reach.timeToAll().line(), reach.reconciliation().latency().line(),
                reach.reconciliation().lost(), reach.reconciliation().duplicates(), h.client.stats().errors(),
                reach.cpu().path("cores"));
        h.report(out, summary);
    }
}
