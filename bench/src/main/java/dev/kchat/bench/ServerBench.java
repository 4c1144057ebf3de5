package dev.kchat.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.Histogram;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Discord-style server at scale (issue 17): a server of M members who joined by one invite, C of them
 * connected, V of those viewing its default channel; a few messages posted in the channel, spaced out,
 * and for each the time until every viewer has it (the edge delivers a channel's broadcasts only to the
 * connections viewing it). Then R reads of random ranges of the member list. Reported: what the joins
 * cost (HTTP answers, the time until the member list holds them all, CPU per join), delivery to the
 * viewers (p50, p99, max), CPU per delivery, and the range reads' latency. Last, S connected members
 * subscribe to member-list ranges and B offline members connect within a minute ({@link PresenceBurst}).
 */
public final class ServerBench {

    private static final Logger log = LoggerFactory.getLogger(ServerBench.class);

    private ServerBench() {
    }

    static Args options() {
        return Harness.common(Args.describe("""
                ServerBench: a server of M members (joined by invite), C connected, V viewing one channel; time until every viewer has each message.
                Then S members subscribe to member-list ranges and B offline members come online within a minute (presence burst).
                Usage: bin/bench server --members 100000 --connected 10000 --viewers 1000 --messages 20 --member-subscribers 1000 --presence-burst 5000"""))
                .option("members", "100000", "members of the server (the owner included), each joining by the invite over HTTP")
                .option("connected", "10000", "members connected (one device each)")
                .option("viewers", "1000", "connected members viewing the default channel")
                .option("messages", "20", "messages posted in the channel, one at a time, by random viewers")
                .option("interval", "1s", "time between two messages")
                .option("body-bytes", "100", "message body size")
                .option("joins-in-flight", "64", "join requests in flight at once")
                .option("range-reads", "200", "member-list range reads after the messages (random offsets)")
                .option("range-size", "100", "members per range read")
                .option("member-subscribers", "1000", "connected members subscribing to member-list ranges before the presence burst (0: no burst)")
                .option("presence-burst", "5000", "offline members who connect during the burst (members past --connected)")
                .option("burst-window", "60s", "the burst's connects are spread evenly over this time")
                .option("subscribed-ranges", "3", "member-list ranges per subscriber (at most 3, of --range-size up to 100)");
    }

    public static void main(String[] argv) throws Exception {
        Args args = options().parse(argv);
        if (args.helpRequested()) {
            System.out.print(args.help());
            return;
        }
        int members = args.integer("members");
        int connected = args.integer("connected");
        int viewers = args.integer("viewers");
        if (connected < 1 || connected > members || viewers < 1 || viewers > connected) {
            throw new IllegalArgumentException("need 1 <= --viewers <= --connected <= --members");
        }
        int subscribers = args.integer("member-subscribers");
        int burst = subscribers == 0 ? 0 : args.integer("presence-burst");
        if (subscribers < 0 || subscribers > connected || burst < 0 || connected + burst > members) {
            throw new IllegalArgumentException("need 0 <= --member-subscribers <= --connected and --connected + --presence-burst <= --members");
        }
        // Every join comes from this machine's one address, and the joins are the setup, not the load
        // under test: the per-address limit on member changes and admission control would refuse them.
        List<String> set = new ArrayList<>(args.list("set"));
        set.add("limits.rate.member_change.address=off");
        set.add("limits.admission.enabled=false");
        try (Harness h = Harness.start("server", args.with("set", String.join(",", set)), connected + burst)) {
            run(h, args, members, connected, viewers);
        }
    }

    private static void run(Harness h, Args args, int members, int connected, int viewers) throws Exception {
        ServersApi servers = new ServersApi(h.api);
        List<Device> devices = h.devices(connected);
        h.connectAll(devices, Duration.ofMinutes(10));

        String ownerToken = devices.get(0).token;
        String serverId = servers.create(ownerToken, "bench-server").join();
        JsonNode server = ServersApi.retryUntilStored("reading the new server back", () -> servers.get(ownerToken, serverId),
                Duration.ofSeconds(60));
        String channelId = server.path("default_channel_id").asText();
        String code = servers.invite(ownerToken, serverId, members).join();
        ServersApi.retryUntilStored("the invite's first join", () -> servers.join(h.token(Harness.user(1)), code), Duration.ofSeconds(60));
        log.info("server {} with channel {} and invite {}", serverId, channelId, code);

        ObjectNode out = h.resultHead();
        out.put("members", members).put("connected", connected).put("viewers", viewers);
        Joins joins = joins(h, servers, serverId, code, members, args.integer("joins-in-flight"));
        out.set("joins", joins.json());

        // The viewers: the first V devices view the default channel.
        for (int i = 0; i < viewers; i++) {
            devices.get(i).viewChannel(serverId, channelId);
        }
        Harness.await("the edge's viewing answer", devices.subList(0, viewers), d -> d.viewing() > 0, Duration.ofMinutes(2));

        int bodyBytes = args.integer("body-bytes");
        // The joins leave fanout a backlog on the server's partition (each join is a state update, a
        // broadcast and an inbox entry there): the probe waits behind it, and says how long that took.
        long caughtUpMs = TimeToAll.probe(h, devices, channelId, viewers, bodyBytes, Duration.ofMinutes(15));
        out.put("probe_after_joins_s", caughtUpMs / 1000.0);
        int messages = args.integer("messages");
        TimeToAll reach = TimeToAll.measure(h, devices, channelId, viewers, messages, args.duration("interval"), bodyBytes);
        reach.into(out, messages);
        out.set("time_to_all_viewers", reach.timeToAll().json());

        LatencySummary ranges = rangeReads(servers, ownerToken, serverId, members, args.integer("range-reads"), args.integer("range-size"));
        out.set("member_range_reads", ranges.json());
        String burstLines = "";
        int subscribers = args.integer("member-subscribers");
        if (subscribers > 0) {
            int burst = args.integer("presence-burst");
            List<Device> offline = new ArrayList<>(burst);
            for (int i = connected; i < connected + burst; i++) {
                String u = Harness.user(i);
                offline.add(h.client.device(u, "d0", h.token(u)));
            }
            // Members hold no role here, so the list sorts by user id: user i sits at position ~i.
            PresenceBurst.Result presence = PresenceBurst.run(h, serverId, devices.subList(0, subscribers), offline, connected,
                    args.integer("subscribed-ranges"), args.integer("range-size"), args.duration("burst-window"));
            out.set("presence_burst", presence.json());
            burstLines = "\n" + presence.summary();
        }
        out.set("client", h.client.stats().json());
        JsonNode j = joins.json();
        String summary = String.format("""
                server: %,d members (joined by invite), %,d connected, %,d viewing the channel
                  joins: %,d answered in %.1f s (%.0f/s; answer %s), all in the member list after %.1f s, platform %.2f core-ms per join
                  a probe in the channel after the joins reached every viewer after %.1f s (the pipeline's backlog)
                  %d messages (%d reached every viewer); time until every viewer had one: %s
                  per delivery: %s
                  lost %,d  duplicates %,d  platform %.3f core-ms per delivery
                  member-list range of %d at a random offset: %s
                  cpu (cores) %s%s""",
                members, connected, viewers, j.path("answered").asLong(), j.path("answer_s").asDouble(),
                j.path("answered_per_s").asDouble(), joins.answers().line(),
                j.path("applied_s").asDouble(), j.path("platform_core_ms_per_join").asDouble(), caughtUpMs / 1000.0,
                messages, reach.complete(), reach.timeToAll().line(), reach.reconciliation().latency().line(),
                reach.reconciliation().lost(), reach.reconciliation().duplicates(), reach.platformCoreMsPerDelivery(),
                args.integer("range-size"), ranges.line(), reach.cpu().path("cores"), burstLines);
        h.report(out, summary);
    }

    /** What the joins cost: the JSON figures and the HTTP answers' latency. */
    private record Joins(ObjectNode json, LatencySummary answers) {
    }

    /**
     * Every member but the owner and user 1 (who joined already) joins by the invite over HTTP, at most
     * {@code inFlight} at a time; then waits until the member list counts them all.
     */
    private static Joins joins(Harness h, ServersApi servers, String serverId, String code, int members, int inFlight)
            throws InterruptedException {
        CpuWindow cpu = CpuWindow.start(h.pids());
        Histogram answers = LatencySummary.newHistogram();
        Semaphore permits = new Semaphore(inFlight);
        AtomicLong failures = new AtomicLong();
        long t0 = System.nanoTime();
        List<CompletableFuture<?>> pending = new ArrayList<>();
        for (int i = 2; i < members; i++) {
            permits.acquire();
            long sent = System.nanoTime();
            String user = Harness.user(i);
            pending.add(servers.join(h.token(user), code).whenComplete((ok, failure) -> {
                permits.release();
                if (failure != null) {
                    if (failures.incrementAndGet() <= 5) {
                        log.warn("join of {} failed: {}", user, failure.toString());
                    }
                    return;
                }
                synchronized (answers) {
                    answers.recordValue(Math.min(LatencySummary.HIGHEST_MICROS, (System.nanoTime() - sent) / 1_000));
                }
            }));
            if (i % 10_000 == 0) {
                log.info("{} joins sent", i);
            }
        }
        CompletableFuture.allOf(pending.toArray(CompletableFuture[]::new)).exceptionally(e -> null).join();
        long answeredNs = System.nanoTime() - t0;
        long total = 0;
        long deadline = System.nanoTime() + Duration.ofMinutes(30).toNanos();
        String ownerToken = h.token(Harness.user(0));
        while (System.nanoTime() < deadline) {
            total = servers.members(ownerToken, serverId, 0, 1).join().path("total").asLong();
            if (total >= members - failures.get()) {
                break;
            }
            Thread.sleep(500);
        }
        long appliedNs = System.nanoTime() - t0;
        ObjectNode cpuJson = cpu.stop();
        double platformCoreSeconds = cpuJson.path("cores").path("platform").asDouble() * cpuJson.path("wall_s").asDouble();
        long answered = answers.getTotalCount();
        ObjectNode out = Harness.JSON.createObjectNode().put("requested", members - 2).put("answered", answered)
                .put("failed", failures.get()).put("answer_s", answeredNs / 1e9).put("answered_per_s", answered / (answeredNs / 1e9))
                .put("in_member_list", total).put("applied_s", appliedNs / 1e9)
                .put("platform_core_ms_per_join", answered == 0 ? 0 : platformCoreSeconds * 1000 / answered);
        LatencySummary answerLatency;
        synchronized (answers) {
            answerLatency = LatencySummary.of(answers);
        }
        out.set("answer_latency", answerLatency.json());
        out.set("cpu", cpuJson);
        log.info("joins: {}", out);
        return new Joins(out, answerLatency);
    }

    /** {@code reads} reads of {@code size} members at random offsets; their latency. */
    private static LatencySummary rangeReads(ServersApi servers, String token, String serverId, int members, int reads, int size) {
        Histogram latency = LatencySummary.newHistogram();
        for (int k = 0; k < reads; k++) {
            int offset = ThreadLocalRandom.current().nextInt(Math.max(1, members - size));
            long t = System.nanoTime();
            JsonNode range = servers.members(token, serverId, offset, size).join();
            latency.recordValue(Math.min(LatencySummary.HIGHEST_MICROS, (System.nanoTime() - t) / 1_000));
            ArrayNode got = (ArrayNode) range.path("members");
            if (got.size() != Math.min(size, members - offset)) {
                log.warn("range at {} returned {} members", offset, got.size());
            }
        }
        return LatencySummary.of(latency);
    }
}
