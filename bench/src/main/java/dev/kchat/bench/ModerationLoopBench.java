package dev.kchat.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.HdrHistogram.Histogram;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The moderation loop, timed: a sender floods a group, and the time from the send that crosses the
 * burst threshold (the offending message) until the sender's next send is refused {@code muted} is
 * one sample. Each trial is a new sender; sends go over HTTP with {@code Prefer: wait}, one every
 * {@code --send-interval}, so the answer is routing's decision. The path measured: routing sequences
 * the message, the Flink job reads the log, detects the burst and commits its action with its
 * checkpoint (exactly-once sink), routing's relay writes the mute, routing's global store applies it.
 */
public final class ModerationLoopBench {

    private static final Logger log = LoggerFactory.getLogger(ModerationLoopBench.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private ModerationLoopBench() {
    }

    static Args options() {
        return Harness.common(Args.describe("""
                ModerationLoopBench: time from an offending message to the sender's next send being refused (muted).
                Usage: bin/bench moderation-loop --trials 10 --burst 10"""))
                .option("trials", "10", "senders, one after the other")
                .option("burst", "10", "messages in the burst window that make a burst (the job's moderation.burst.max.messages)")
                .option("send-interval", "50ms", "time between two sends of a sender")
                .option("give-up", "60s", "a trial fails if no send is refused within this time of the offending one");
    }

    public static void main(String[] argv) throws Exception {
        Args args = options().parse(argv);
        if (args.helpRequested()) {
            System.out.print(args.help());
            return;
        }
        // The job's threshold must be the one the trials cross.
        List<String> set = new ArrayList<>(args.list("set"));
        set.add("moderation.burst.max.messages=" + args.integer("burst"));
        set.add("moderation.burst.window=60s");
        // The trials flood on purpose: the per-user send limit (limits.rate.send.user) would refuse what
        // the job must see, and what is measured is moderation's loop, not the rate limit's.
        set.add("limits.rate.send.user=off");
        try (Harness h = Harness.start("moderation-loop", args.with("set", String.join(",", set)), 1)) {
            run(h, args);
        }
    }

    private static void run(Harness h, Args args) throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        int trials = args.integer("trials");
        int burst = args.integer("burst");
        long intervalMs = args.duration("send-interval").toMillis();
        long giveUpNs = args.duration("give-up").toNanos();
        Histogram loop = LatencySummary.newHistogram();
        ObjectNode out = h.resultHead();
        ArrayNode samples = out.putArray("loop_ms");
        CpuWindow cpu = CpuWindow.start(h.pids());
        int failed = 0;
        for (int t = 0; t < trials; t++) {
            String sender = "spam" + t;
            String token = h.token(sender);
            String group = h.api.createGroup(token, "loop-" + t, List.of("reader" + t)).join();
            long offendingAt = 0;
            long refusedAt = 0;
            for (int n = 1; refusedAt == 0; n++) {
                long sentAt = System.nanoTime();
                JsonNode answer = send(http, h.platform.ingressUrl(), token, group, "m" + n);
                if (answer.at("/error/code").asText().equals("muted")) {
                    refusedAt = System.nanoTime();
                } else if (n == burst + 1) {
                    offendingAt = sentAt;
                }
                if (offendingAt > 0 && System.nanoTime() - offendingAt > giveUpNs) {
                    break;
                }
                Thread.sleep(intervalMs);
            }
            if (refusedAt == 0 || offendingAt == 0) {
                failed++;
                log.warn("trial {}: no refusal within {} of the offending message", t, args.duration("give-up"));
                continue;
            }
            long ms = (refusedAt - offendingAt) / 1_000_000;
            loop.recordValue(Math.max(1, ms * 1000));
            samples.add(ms);
            log.info("trial {}: refused {} ms after the offending message", t, ms);
        }
        ObjectNode cpuJson = cpu.stop();
        out.put("trials", trials).put("failed", failed).put("burst", burst);
        out.set("loop", LatencySummary.of(loop).json());
        out.set("cpu", cpuJson);
        h.report(out, String.format("moderation loop over %d trials (%d failed): %s", trials, failed,
                LatencySummary.of(loop).line()));
    }

    /** One send with Prefer: wait; the answer's body (201 accepted, 403 muted, ...). */
    private static JsonNode send(HttpClient http, String ingress, String token, String group, String clientMsgId) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(URI.create(ingress + "/v1/conversations/" + group + "/messages"))
                .timeout(Duration.ofSeconds(30))
                .header("Authorization", "Bearer " + token).header("Content-Type", "application/json").header("Prefer", "wait=10")
                .POST(HttpRequest.BodyPublishers.ofString("{\"client_msg_id\":\"" + clientMsgId + "\",\"body\":\"buy now " + clientMsgId + "\"}"))
                .build();
        return JSON.readTree(http.send(request, HttpResponse.BodyHandlers.ofString()).body());
    }
}
