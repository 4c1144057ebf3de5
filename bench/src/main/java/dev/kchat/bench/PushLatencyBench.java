package dev.kchat.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpServer;
import dev.kchat.push.deliver.WebhookSignature;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.HdrHistogram.Histogram;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Push latency, from a message to the webhook: each of {@code --trials} recipients registers a
 * webhook token and has no connected device; a sender of its own writes it one message, one every
 * {@code --interval}; one sample is the time from just before the send's HTTP request until this
 * process's webhook receiver has the signed push (checked). The path: ingress, routing, fanout's two
 * stages, the push decider's collapse window ({@code --window}, the platform's
 * {@code push.collapse.window}), its commit, the delivery side's poll and HTTP call. With
 * {@code --extra-members N} each recipient's group also has N members with no device, so a group
 * above {@code fanout.broadcast.threshold} (50 by default) is read-diffused and the recipient hears of
 * the message through a push candidate rather than an inbox entry.
 */
public final class PushLatencyBench {

    private static final Logger log = LoggerFactory.getLogger(PushLatencyBench.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String SECRET = "bench-webhook-secret";

    private PushLatencyBench() {
    }

    static Args options() {
        return Harness.common(Args.describe("""
                PushLatencyBench: time from a message to its push at a webhook, for recipients with no connected device.
                Usage: bin/bench push-latency --trials 200 --interval 100ms --window 2s"""))
                .option("trials", "200", "recipients, one message each")
                .option("interval", "100ms", "time between two sends")
                .option("window", "2s", "the decider's collapse window (push.collapse.window)")
                .option("extra-members", "0", "members with no device added to each group (60: read-diffused at the default threshold)")
                .option("give-up", "60s", "how long to wait for the last push");
    }

    public static void main(String[] argv) throws Exception {
        Args args = options().parse(argv);
        if (args.helpRequested()) {
            System.out.print(args.help());
            return;
        }
        Map<String, Long> arrivedNs = new ConcurrentHashMap<>();
        AtomicInteger badSignatures = new AtomicInteger();
        HttpServer receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        receiver.createContext("/push", exchange -> {
            long now = System.nanoTime();
            try (InputStream in = exchange.getRequestBody()) {
                byte[] body = in.readAllBytes();
                if (WebhookSignature.verify(SECRET.getBytes(StandardCharsets.UTF_8),
                        exchange.getRequestHeaders().getFirst(WebhookSignature.TIMESTAMP_HEADER), body,
                        exchange.getRequestHeaders().getFirst(WebhookSignature.SIGNATURE_HEADER), Instant.now().getEpochSecond(), 300)) {
                    arrivedNs.putIfAbsent(JSON.readTree(body).get("user_id").asText(), now);
                } else {
                    badSignatures.incrementAndGet();
                }
            }
            exchange.sendResponseHeaders(204, -1);
            exchange.close();
        });
        receiver.start();
        List<String> set = new ArrayList<>(args.list("set"));
        set.add("push.webhook.url=http://127.0.0.1:" + receiver.getAddress().getPort() + "/push");
        set.add("push.webhook.secret=" + SECRET);
        set.add("push.collapse.window=" + args.string("window"));
        // Every request comes from this one user and address; what is measured is the push path, not the limits.
        for (String limit : List.of("send", "create_conversation")) {
            set.add("limits.rate." + limit + ".user=off");
            set.add("limits.rate." + limit + ".address=off");
        }
        try (Harness h = Harness.start("push-latency", args.with("set", String.join(",", set)), 1)) {
            run(h, args, arrivedNs, badSignatures);
        } finally {
            receiver.stop(0);
        }
    }

    private static void run(Harness h, Args args, Map<String, Long> arrivedNs, AtomicInteger badSignatures) throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        int trials = args.integer("trials");
        int extraMembers = args.integer("extra-members");
        // One sender per trial: one sender writing hundreds of messages a minute is what the moderation job mutes.
        List<String> senders = new ArrayList<>();
        List<String> conversations = new ArrayList<>();
        for (int i = 0; i < trials; i++) {
            String recipient = "offline" + i;
            call(http, h, h.token(recipient), "POST", "/v1/push/tokens", "{\"platform\":\"webhook\",\"token\":\"" + recipient
                    + "\",\"app_id\":\"bench\",\"device_id\":\"phone\"}", 202);
            senders.add(h.token("sender" + i));
            List<String> members = new ArrayList<>(List.of(recipient));
            for (int k = 0; k < extraMembers; k++) {
                members.add("quiet" + i + "x" + k);
            }
            conversations.add(createGroup(h, senders.get(i), "push-" + i, members));
        }
        // A pause so that the first samples do not queue behind the setup's records (a setup step, not a measurement).
        Thread.sleep(2_000);
        long intervalNs = args.duration("interval").toNanos();
        long[] sentNs = new long[trials];
        long start = System.nanoTime();
        for (int i = 0; i < trials; i++) {
            long due = start + i * intervalNs;
            while (System.nanoTime() < due) {
                TimeUnit.NANOSECONDS.sleep(Math.max(0, due - System.nanoTime()));
            }
            sentNs[i] = System.nanoTime();
            h.api.send(senders.get(i), conversations.get(i), "m" + i, "hello " + i).join();
        }
        long giveUp = System.nanoTime() + args.duration("give-up").toNanos();
        while (arrivedNs.size() < trials && System.nanoTime() < giveUp) {
            Thread.sleep(50);
        }
        Histogram latency = LatencySummary.newHistogram();
        int missing = 0;
        for (int i = 0; i < trials; i++) {
            Long at = arrivedNs.get("offline" + i);
            if (at == null) {
                missing++;
            } else {
                latency.recordValue(Math.max(1, (at - sentNs[i]) / 1_000));
            }
        }
        LatencySummary summary = LatencySummary.of(latency);
        ObjectNode out = h.resultHead();
        out.put("trials", trials).put("missing", missing).put("bad_signatures", badSignatures.get())
                .put("window", args.string("window")).put("group_size", 2 + extraMembers);
        out.set("push_latency", summary.json());
        h.report(out, String.format("push latency (message -> webhook), groups of %d, window %s, %d trials, %d missing: %s",
                2 + extraMembers, args.string("window"), trials, missing, summary.line()));
        log.info("done");
    }

    /**
     * Creates a group, again after a second while the door refuses it as overloaded (a 503 admits
     * nothing, so a retry cannot make a second group): large groups created back to back right after
     * the platform starts can trip admission, and this is setup, not a measurement.
     */
    private static String createGroup(Harness h, String ownerToken, String name, List<String> members) throws InterruptedException {
        for (int attempt = 1; ; attempt++) {
            try {
                return h.api.createGroup(ownerToken, name, members).join();
            } catch (java.util.concurrent.CompletionException e) {
                if (!(e.getCause() instanceof ConversationsApi.ApiFailure failure) || failure.status() != 503 || attempt == 30) {
                    throw e;
                }
                Thread.sleep(1_000);
            }
        }
    }

    private static JsonNode call(HttpClient http, Harness h, String token, String method, String path, String body, int status)
            throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(h.platform.ingressUrl() + path))
                .timeout(Duration.ofSeconds(30)).header("Authorization", "Bearer " + token).header("Content-Type", "application/json")
                .method(method, HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != status) {
            throw new IllegalStateException(method + " " + path + " answered " + r.statusCode() + ": " + r.body());
        }
        return JSON.readTree(r.body());
    }
}
