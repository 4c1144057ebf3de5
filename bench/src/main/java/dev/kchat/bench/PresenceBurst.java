package dev.kchat.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import org.HdrHistogram.Histogram;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A server's member list under a presence burst (issue 17): S connected members subscribe to ranges of
 * the member list ({@code subscribe_members}), then B members who were offline connect within a window
 * (5,000 in a minute by default). Each subscriber must see every one of them that sits in its ranges
 * come online, in {@code member_list_update} frames the edge sends at most once per interval per
 * subscription (aggregated presence), never one frame per change. Reported: the pairs (subscriber,
 * member in its ranges) expected and seen, the time from a member's connect to a subscriber seeing it
 * online, update frames per subscription and second (the aggregation), what one frame carries, and the
 * platform's CPU per member coming online.
 */
final class PresenceBurst {

    private static final Logger log = LoggerFactory.getLogger(PresenceBurst.class);

    /** One subscriber's view: who of the burst is in its ranges, whom it has seen online, its frames per second. */
    private static final class Subscriber {
        final Set<String> expected = ConcurrentHashMap.newKeySet();
        final Set<String> seen = ConcurrentHashMap.newKeySet();
        final AtomicLongArray framesBySecond;
        volatile boolean listed;

        Subscriber(int seconds) {
            framesBySecond = new AtomicLongArray(seconds);
        }
    }

    /** The phase's figures, and the time from a member's connect to a subscriber seeing it online. */
    record Result(ObjectNode json, LatencySummary timeToSeen) {

        /** The report's lines for this phase. */
        String summary() {
            JsonNode b = json;
            return String.format("""
                      presence burst: %,d members online within %.0f s, %,d subscribers x %d ranges of %d
                        seen online by the subscribers whose ranges hold them: %,d of %,d pairs (all after %.1f s); time from connect: %s
                        %,d update frames (%,d presence items, %,d ranges resent); at most %d frames per subscription in one second
                        platform %.2f core-ms per member coming online (the connection, its hello and replay, presence, the list updates)""",
                    b.path("burst_members").asLong(), b.path("connected_in_s").asDouble(), b.path("subscribers").asLong(),
                    b.path("ranges_each").asInt(), b.path("range_size").asInt(), b.path("pairs_seen").asLong(),
                    b.path("pairs_expected").asLong(), b.path("all_seen_after_s").asDouble(), timeToSeen.line(),
                    b.path("update_frames").asLong(), b.path("presence_items").asLong(), b.path("ranges_resent").asLong(),
                    b.path("max_frames_per_subscription_second").asLong(),
                    b.path("platform_core_ms_per_member_online").asDouble());
        }
    }

    private final Map<Device, Subscriber> subscribers = new ConcurrentHashMap<>();
    private final Map<String, Long> connectedAt = new ConcurrentHashMap<>();
    private final Set<String> burstUsers;
    private final Histogram delay = LatencySummary.newHistogram();
    private final AtomicLong updateFrames = new AtomicLong();
    private final AtomicLong presenceItems = new AtomicLong();
    private final AtomicLong rangeResends = new AtomicLong();
    private final AtomicLong undecodable = new AtomicLong();
    private final int seconds;
    private volatile long burstStart;

    private PresenceBurst(Set<String> burstUsers, int seconds) {
        this.burstUsers = burstUsers;
        this.seconds = seconds;
    }

    /**
     * Runs the burst: {@code subscribers} subscribe to {@code rangesEach} ranges of {@code rangeSize}
     * around the list positions of {@code burst} (members with no role sort by user id, so the positions
     * are guessed from the user numbers; what each subscriber must see is taken from the edge's
     * {@code member_list} answer, not from the guess), then the burst devices connect, evenly spread over
     * {@code window}.
     */
    static Result run(Harness h, String serverId, List<Device> subs, List<Device> burst, int firstBurstPosition,
            int rangesEach, int rangeSize, Duration window) throws InterruptedException {
        Set<String> users = ConcurrentHashMap.newKeySet();
        burst.forEach(d -> users.add(d.user));
        int seconds = (int) (window.toSeconds() + 120);
        PresenceBurst run = new PresenceBurst(users, seconds);
        int blocks = Math.max(1, burst.size() / rangeSize);
        for (int k = 0; k < subs.size(); k++) {
            List<int[]> ranges = new ArrayList<>();
            for (int r = 0; r < rangesEach; r++) {
                int from = firstBurstPosition + ((k * rangesEach + r) % blocks) * rangeSize;
                ranges.add(new int[] {from, from + rangeSize - 1});
            }
            Device d = subs.get(k);
            run.subscribers.put(d, new Subscriber(seconds));
            if (!d.subscribeMembers(serverId, ranges, run::onFrame)) {
                throw new IllegalStateException("subscriber " + d.user + " is not connected");
            }
        }
        Harness.await("the edge's member_list answers", subs, d -> run.subscribers.get(d).listed, Duration.ofMinutes(2));
        long expected = run.subscribers.values().stream().mapToLong(s -> s.expected.size()).sum();
        log.info("{} subscribers listed; {} (subscriber, burst member) pairs to see come online", subs.size(), expected);

        CpuWindow cpu = CpuWindow.start(h.pids());
        run.burstStart = System.nanoTime();
        long spacing = window.toNanos() / Math.max(1, burst.size());
        for (int i = 0; i < burst.size(); i++) {
            long due = run.burstStart + i * spacing;
            long wait = due - System.nanoTime();
            if (wait > 0) {
                TimeUnit.NANOSECONDS.sleep(wait);
            }
            Device d = burst.get(i);
            run.connectedAt.put(d.user, System.nanoTime());
            d.open();
        }
        long connectedNs = System.nanoTime() - run.burstStart;
        long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        while (run.seenPairs() < expected && System.nanoTime() < deadline) {
            Thread.sleep(200);
        }
        long allSeenNs = System.nanoTime() - run.burstStart;
        ObjectNode cpuJson = cpu.stop();
        return run.report(subs.size(), rangesEach, rangeSize, burst.size(), expected, connectedNs, allSeenNs, cpuJson);
    }

    private long seenPairs() {
        return subscribers.values().stream().mapToLong(s -> s.seen.size()).sum();
    }

    /** A {@code member_list} or {@code member_list_update} frame, on the subscriber's I/O thread. */
    private void onFrame(Device device, String text) {
        long now = System.nanoTime();
        Subscriber sub = subscribers.get(device);
        JsonNode frame;
        try {
            frame = Harness.JSON.readTree(text);
        } catch (Exception e) {
            undecodable.incrementAndGet();
            return;
        }
        if (sub == null) {
            return;
        }
        boolean snapshot = "member_list".equals(frame.path("type").asText());
        if (!snapshot) {
            updateFrames.incrementAndGet();
            long start = burstStart;
            if (start > 0) {
                int second = (int) Math.min(seconds - 1, Math.max(0, (now - start) / 1_000_000_000L));
                sub.framesBySecond.incrementAndGet(second);
            }
        }
        for (JsonNode range : frame.path("ranges")) {
            if (!snapshot) {
                rangeResends.incrementAndGet();
            }
            for (JsonNode m : range.path("members")) {
                String user = m.path("user_id").asText();
                if (snapshot && burstUsers.contains(user)) {
                    sub.expected.add(user);
                } else if (!snapshot) {
                    observe(sub, user, m.path("presence").asText(), now);
                }
            }
        }
        for (JsonNode p : frame.path("presence")) {
            presenceItems.incrementAndGet();
            observe(sub, p.path("user_id").asText(), p.path("presence").asText(), now);
        }
        if (snapshot) {
            sub.listed = true;
        }
    }

    private void observe(Subscriber sub, String user, String presence, long now) {
        Long since = connectedAt.get(user);
        if (since == null || "offline".equals(presence) || !sub.expected.contains(user) || !sub.seen.add(user)) {
            return;
        }
        synchronized (delay) {
            delay.recordValue(Math.min(LatencySummary.HIGHEST_MICROS, Math.max(0, (now - since) / 1_000)));
        }
    }

    private Result report(int subs, int rangesEach, int rangeSize, int burst, long expected, long connectedNs,
            long allSeenNs, ObjectNode cpuJson) {
        long maxPerSecond = 0;
        long busySeconds = 0;
        for (Subscriber s : subscribers.values()) {
            for (int i = 0; i < s.framesBySecond.length(); i++) {
                long n = s.framesBySecond.get(i);
                maxPerSecond = Math.max(maxPerSecond, n);
                busySeconds += n > 0 ? 1 : 0;
            }
        }
        double platformCoreMs = cpuJson.path("cores").path("platform").asDouble() * cpuJson.path("wall_s").asDouble() * 1000;
        LatencySummary latency;
        synchronized (delay) {
            latency = LatencySummary.of(delay);
        }
        ObjectNode out = Harness.JSON.createObjectNode()
                .put("subscribers", subs).put("ranges_each", rangesEach).put("range_size", rangeSize)
                .put("burst_members", burst).put("connected_in_s", connectedNs / 1e9)
                .put("pairs_expected", expected).put("pairs_seen", seenPairs()).put("all_seen_after_s", allSeenNs / 1e9)
                .put("update_frames", updateFrames.get()).put("presence_items", presenceItems.get())
                .put("ranges_resent", rangeResends.get()).put("undecodable_frames", undecodable.get())
                .put("max_frames_per_subscription_second", maxPerSecond)
                .put("frames_per_subscription_busy_second", busySeconds == 0 ? 0 : (double) updateFrames.get() / busySeconds)
                .put("platform_core_ms_per_member_online", burst == 0 ? 0 : platformCoreMs / burst);
        out.set("time_to_seen_online", latency.json());
        out.set("cpu", cpuJson);
        log.info("presence burst: {}", out);
        return new Result(out, latency);
    }
}
