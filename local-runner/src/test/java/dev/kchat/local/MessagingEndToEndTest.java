package dev.kchat.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole message path through real parts: a Kafka broker and a CQL server (child JVMs), the sink,
 * both topologies, ingress and an edge, with real WebSocket clients. Two users with two devices
 * each chat in a direct conversation and a group. Tracing is on, exporting to an OTLP receiver in
 * this JVM: one message's path is one trace.
 */
class MessagingEndToEndTest {

    private static final Duration DEADLINE = Duration.ofSeconds(90);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @TempDir
    static Path dataDir;
    private static LocalPlatform platform;
    private static OtlpReceiver otlp;

    @BeforeAll
    static void start() throws Exception {
        otlp = OtlpReceiver.start();
        // Admission control on, with a minimum backlog low enough for one test to pass it by stopping
        // routing (nothing is cleared then: every write past it is refused); the other tests stay below it
        // (an idle pipeline reads about one transaction marker per partition)
        platform = TestPlatforms.start(dataDir, Map.of(
                "limits.admission.enabled", "true",
                "limits.admission.backlog.min", "150",
                "limits.admission.check.interval", "200ms",
                "limits.admission.rate.window", "2s",
                "limits.rate.send.user", "off",
                "tracing.enabled", "true",
                "tracing.otlp.endpoint", otlp.endpoint(),
                "tracing.batch.delay", "200ms"));
    }

    @AfterAll
    static void stop() {
        try {
            if (platform != null) {
                platform.close();
            }
        } finally {
            otlp.close();
        }
    }

    @Test
    void shouldTraceOneMessageFromTheDoorThroughRoutingFanoutAndTheSinkToTheFrameAsOneTrace() throws Exception {
        // Given a group of gus and hana, hana's phone connected over WebSocket
        String gus = platform.token("gus", Duration.ofHours(1));
        String hana = platform.token("hana", Duration.ofHours(1));
        String group = post(gus, "/v1/conversations", "{\"kind\":\"group\",\"name\":\"traced\",\"members\":[\"hana\"]}", 202)
                .get("conversation_id").asText();
        WsDevice phone = WsDevice.connect(platform.edgeUrl(), hana, "hana", "h-phone", 0);
        awaitEvents(List.of(phone), group, 1);

        // When gus sends one message over HTTP and hana's phone gets it
        String commandId = post(gus, "/v1/conversations/" + group + "/messages",
                "{\"client_msg_id\":\"traced-1\",\"body\":\"traced-1\"}", 202).get("command_id").asText();
        await().atMost(DEADLINE).untilAsserted(() -> assertThat(phone.messages(group)).containsExactly("traced-1"));

        // Then the door started a trace: ingress's span of the command, a root, answered 202
        OtlpReceiver.ReceivedSpan door = await().atMost(DEADLINE).until(() -> otlp.spans().stream()
                .filter(s -> s.name().equals("ingress.command") && commandId.equals(s.attribute("kchat.command_id")))
                .findFirst(), Optional::isPresent).orElseThrow();
        assertThat(door.service()).isEqualTo("kchat-ingress");
        assertThat(door.parentSpanId()).isEmpty();
        assertThat(door.attribute("http.response.status_code")).isEqualTo("202");
        assertThat(door.attribute("kchat.conversation_id")).isEqualTo(group);

        // And every stage's span is in that trace, the child of the one upstream of it: routing's decision,
        // the conversation fan-out (in routing since issue 12's step 5), fanout's inbox span per member
        // (gus's and hana's), the sink's writes of the log record and of hana's entry, and the edge's
        // delivery of hana's entry to her phone
        await().atMost(DEADLINE).untilAsserted(() -> {
            List<OtlpReceiver.ReceivedSpan> trace = otlp.trace(door.traceId());
            OtlpReceiver.ReceivedSpan routing = child(trace, door, "kchat-routing", "routing.decide", Map.of(
                    "kchat.conversation_id", group, "kchat.command_id", commandId, "kchat.outcome", "accepted"));
            String seq = String.valueOf(routing.attribute("kchat.seq"));
            OtlpReceiver.ReceivedSpan fanout = child(trace, routing, "kchat-routing", "fanout.conversation",
                    Map.of("kchat.seq", seq, "kchat.recipients", "2"));
            OtlpReceiver.ReceivedSpan hanasEntry = child(trace, fanout, "kchat-fanout", "fanout.inbox",
                    Map.of("kchat.user_id", "hana", "kchat.seq", seq));
            child(trace, fanout, "kchat-fanout", "fanout.inbox", Map.of("kchat.user_id", "gus", "kchat.seq", seq));
            child(trace, routing, "kchat-sink", "sink.write", Map.of("messaging.destination.name", platform.topics().conversationLog().name()));
            child(trace, hanasEntry, "kchat-sink", "sink.write", Map.of("messaging.destination.name", platform.topics().inbox().name()));
            OtlpReceiver.ReceivedSpan delivered = child(trace, hanasEntry, "kchat-edge", "edge.deliver", Map.of(
                    "kchat.user_id", "hana", "kchat.inbox_seq", hanasEntry.attribute("kchat.inbox_seq")));
            assertThat(Long.parseLong(delivered.attribute("kchat.frames"))).as("frames written to hana's phone").isPositive();
            assertThat(trace).as("no span of a message body").allSatisfy(s -> assertThat(s.attributes()).doesNotContainValue("traced-1"));
        });
        assertThat(otlp.refused()).isZero();
        phone.close();
    }

    /** The one span of {@code trace} that is {@code parent}'s child with this service, name and attributes. */
    private static OtlpReceiver.ReceivedSpan child(List<OtlpReceiver.ReceivedSpan> trace, OtlpReceiver.ReceivedSpan parent,
            String service, String name, Map<String, String> attributes) {
        List<OtlpReceiver.ReceivedSpan> matching = trace.stream()
                .filter(s -> s.name().equals(name) && s.service().equals(service) && s.parentSpanId().equals(parent.spanId()))
                .filter(s -> attributes.entrySet().stream().allMatch(a -> a.getValue().equals(s.attribute(a.getKey()))))
                .toList();
        assertThat(matching).as("%s %s %s, child of %s, in %s", service, name, attributes, parent, trace).hasSize(1);
        return matching.get(0);
    }

    @Test
    void shouldDeliverEveryMessageOnceInOrderToEveryDeviceAndResumeExactlyAfterGapsAndRestarts() throws Exception {
        String alice = platform.token("alice", Duration.ofHours(1));
        String bob = platform.token("bob", Duration.ofHours(1));
        List<WsDevice> devices = new ArrayList<>(List.of(
                WsDevice.connect(platform.edgeUrl(), alice, "alice", "a-phone", 0),
                WsDevice.connect(platform.edgeUrl(), alice, "alice", "a-laptop", 0),
                WsDevice.connect(platform.edgeUrl(), bob, "bob", "b-phone", 0),
                WsDevice.connect(platform.edgeUrl(), bob, "bob", "b-laptop", 0)));

        // Given a direct chat and a group, created over HTTP
        JsonNode direct = post(alice, "/v1/conversations", "{\"kind\":\"direct\",\"members\":[\"bob\"]}", 202);
        String dm = direct.get("conversation_id").asText();
        assertThat(dm).isEqualTo("dm:alice:bob");
        String group = post(bob, "/v1/conversations", "{\"kind\":\"group\",\"name\":\"team\",\"members\":[\"alice\"]}", 202)
                .get("conversation_id").asText();
        awaitEvents(devices, dm, 1);
        awaitEvents(devices, group, 1);

        // When both users send, over HTTP and over the socket, in both conversations
        List<String> dmSent = new ArrayList<>();
        List<String> groupSent = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            dmSent.add(sendHttp(alice, dm, "a-dm-" + i));
            dmSent.add(sendWs(devices.get(2), dm, "b-dm-" + i));
            groupSent.add(sendWs(devices.get(1), group, "a-g-" + i));
            groupSent.add(sendHttp(bob, group, "b-g-" + i));
        }
        // A retried send (same client_msg_id) is not a second message
        JsonNode retried = post(alice, "/v1/conversations/" + dm + "/messages", "{\"client_msg_id\":\"a-dm-0\",\"body\":\"a-dm-0\"}", 202);
        assertThat(retried.get("message_id").asText()).isNotBlank();

        // Then every device gets every message once, each conversation in seq order, its inbox gap-free
        awaitMessages(devices, dm, dmSent);
        awaitMessages(devices, group, groupSent);
        for (WsDevice d : devices) {
            assertGapFreeInbox(d);
            assertThat(d.convSeqs(dm)).isSorted().doesNotHaveDuplicates();
            assertThat(d.convSeqs(group)).isSorted().doesNotHaveDuplicates();
        }

        // When bob's laptop goes away, misses messages and comes back with its last inbox seq
        WsDevice laptop = devices.remove(3);
        long seen = laptop.lastInboxSeq();
        laptop.close();
        List<String> missed = List.of(sendHttp(alice, dm, "missed-1"), sendHttp(alice, group, "missed-2"), sendHttp(alice, dm, "missed-3"));
        awaitMessages(devices, dm, concat(dmSent, "missed-1", "missed-3"));
        WsDevice back = WsDevice.connect(platform.edgeUrl(), bob, "bob", "b-laptop", seen);
        devices.add(back);

        // Then it gets exactly the missed entries: nothing twice, nothing lost
        await().atMost(DEADLINE).untilAsserted(() ->
                assertThat(back.messages(dm)).containsExactly("missed-1", "missed-3"));
        await().atMost(DEADLINE).untilAsserted(() -> assertThat(back.messages(group)).containsExactly("missed-2"));
        assertThat(back.inboxSeqs()).first().isEqualTo(seen + 1);
        assertGapFreeFrom(back, seen + 1);
        assertThat(missed).hasSize(3);

        // When the topologies are restarted
        platform.restartRouting();
        platform.restartFanout();
        List<String> afterRestart = List.of(sendHttp(alice, dm, "after-restart-1"), sendWs(devices.get(2), dm, "after-restart-2"));

        // Then nothing is lost or repeated
        List<String> dmAll = concat(concat(dmSent, "missed-1", "missed-3"), afterRestart.toArray(String[]::new));
        awaitMessages(devices.subList(0, 3), dm, dmAll);
        await().atMost(DEADLINE).untilAsserted(() -> assertThat(back.messages(dm)).containsExactly("missed-1", "missed-3",
                "after-restart-1", "after-restart-2"));

        // When the edge is restarted, its clients are told to reconnect, and do so from their SyncKey
        platform.restartEdge();
        List<WsDevice> resumed = new ArrayList<>();
        for (WsDevice d : devices) {
            await().atMost(DEADLINE).until(d.closed::isDone);
            resumed.add(WsDevice.connect(platform.edgeUrl(), d.user.equals("alice") ? alice : bob, d.user, d.device, d.lastInboxSeq()));
        }
        String last = sendHttp(bob, group, "after-edge-restart");
        for (int i = 0; i < resumed.size(); i++) {
            WsDevice r = resumed.get(i);
            long from = devices.get(i).lastInboxSeq() + 1;
            await().atMost(DEADLINE).untilAsserted(() -> assertThat(r.messages(group)).containsExactly(last));
            assertGapFreeFrom(r, from);
        }
        resumed.forEach(WsDevice::close);
    }

    @Test
    void shouldRefuseBadRequestsPreciselyAndProduceNothing() throws Exception {
        String alice = platform.token("alice", Duration.ofHours(1));

        JsonNode unknown = post(alice, "/v1/conversations/dm:alice:bob/messages", "{\"client_msg_id\":\"x\",\"body\":\"b\",\"oops\":1}", 400);
        JsonNode missing = post(alice, "/v1/conversations/dm:alice:bob/messages", "{\"body\":\"b\"}", 400);
        JsonNode noToken = request("POST", null, "/v1/conversations/dm:alice:bob/messages", "{}", 401);
        JsonNode stranger = get(platform.token("mallory", Duration.ofHours(1)), "/v1/conversations/dm:alice:bob/messages", 404);

        assertThat(unknown.at("/error/code").asText()).isEqualTo("unknown_field");
        assertThat(missing.at("/error/code").asText()).isEqualTo("missing_field");
        assertThat(noToken.at("/error/code").asText()).isEqualTo("missing_token");
        assertThat(stranger.at("/error/code").asText()).isEqualTo("conversation_not_found");
    }

    @Test
    void shouldRefuseSendsForOverloadWhileRoutingIsBehindWriteNothingRefusedAndAdmitThemOnceItCaughtUp() throws Exception {
        // Given a group of carl and dora, dora's device on the edge, and routing stopped: commands queue up
        String carl = platform.token("carl", Duration.ofHours(1));
        String dora = platform.token("dora", Duration.ofHours(1));
        String group = post(carl, "/v1/conversations", "{\"kind\":\"group\",\"name\":\"queue\",\"members\":[\"dora\"]}", 202)
                .get("conversation_id").asText();
        WsDevice phone = WsDevice.connect(platform.edgeUrl(), dora, "dora", "d-phone", 0);
        awaitEvents(List.of(phone), group, 1);
        platform.stopRouting();
        List<String> accepted = new ArrayList<>();
        try {
            // When carl keeps sending over HTTP: the pipeline's backlog grows with every accepted send, and
            // nothing clears it
            int refusedInARow = 0;
            for (int i = 0; refusedInARow < 10; i++) {
                assertThat(i).as("sends before the door refuses every one").isLessThan(2_000);
                HttpResponse<String> r = sendRaw(carl, group, "q-" + i);
                if (r.statusCode() == 202) {
                    accepted.add("q-" + i);
                    refusedInARow = 0;
                } else {
                    // Then past the minimum every send is refused 503 overloaded, with when to retry
                    assertThat(r.statusCode()).as(r.body()).isEqualTo(503);
                    assertThat(JSON.readTree(r.body()).at("/error/code").asText()).isEqualTo("overloaded");
                    assertThat(r.headers().firstValue("Retry-After")).contains("1");
                    refusedInARow++;
                }
            }
            assertThat(accepted).as("sends admitted below the minimum backlog").hasSizeGreaterThanOrEqualTo(100);

            // And over WebSocket too: an error frame overloaded naming the send, with retry_after_ms. The edge's
            // door keeps its own estimate and refuses a rising share between its marks, so a send may still be
            // admitted ("sent"): such a one is queued like the HTTP ones, and the next is tried.
            boolean refused = false;
            for (int i = 0; !refused; i++) {
                assertThat(i).as("WebSocket sends before the edge refuses one").isLessThan(50);
                String id = "ws-" + i;
                phone.send("{\"type\":\"send\",\"conversation_id\":\"" + group + "\",\"client_msg_id\":\"" + id + "\",\"body\":\"" + id + "\"}");
                await().atMost(DEADLINE).until(() -> refusedOverloaded(phone, id)
                        || phone.framesOfType("sent").stream().anyMatch(f -> f.path("client_msg_id").asText().equals(id)));
                refused = refusedOverloaded(phone, id);
                if (!refused) {
                    accepted.add(id);
                }
            }
        } finally {
            // When routing runs again and clears the queue
            platform.startRouting();
        }

        // Then sends are admitted again (a retry while it drains may still be refused), the first one being the marker
        try {
            await().atMost(DEADLINE).pollInterval(Duration.ofMillis(500)).until(() -> sendRaw(carl, group, "after").statusCode() == 202);
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            throw new AssertionError("still refused; the edge's admission metrics: " + admissionMetrics(), e);
        }
        // And dora got every accepted send once, in order, then the marker: none of the refused ones was written
        await().atMost(DEADLINE).untilAsserted(() -> assertThat(phone.messages(group)).last().isEqualTo("after"));
        assertThat(phone.messages(group)).containsExactlyElementsOf(concat(accepted, "after"));
    }

    // ------------------------------------------------------------------ helpers

    /** Whether the edge refused the send {@code id} as overloaded, telling when to retry. */
    private static boolean refusedOverloaded(WsDevice phone, String id) {
        return phone.framesOfType("error").stream().anyMatch(f -> f.path("code").asText().equals("overloaded")
                && f.path("ref").asText().equals(id) && f.path("retry_after_ms").asLong() == 1000);
    }

    private static String admissionMetrics() throws Exception {
        String all = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + platform.edgeAdminPort() + "/metrics")).build(),
                HttpResponse.BodyHandlers.ofString()).body();
        return all.lines().filter(l -> l.startsWith("kchat_admission")).toList().toString();
    }

    private static HttpResponse<String> sendRaw(String token, String conversation, String id) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(platform.ingressUrl() + "/v1/conversations/" + conversation + "/messages"))
                .header("Authorization", "Bearer " + token).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"client_msg_id\":\"" + id + "\",\"body\":\"" + id + "\"}")).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static String sendHttp(String token, String conversation, String body) throws Exception {
        post(token, "/v1/conversations/" + conversation + "/messages",
                "{\"client_msg_id\":\"" + body + "\",\"body\":\"" + body + "\"}", 202);
        return body;
    }

    private static String sendWs(WsDevice device, String conversation, String body) {
        device.send("{\"type\":\"send\",\"conversation_id\":\"" + conversation + "\",\"client_msg_id\":\"" + body
                + "\",\"body\":\"" + body + "\"}");
        await().atMost(DEADLINE).until(() -> device.framesOfType("sent").stream()
                .anyMatch(f -> f.path("client_msg_id").asText().equals(body)));
        return body;
    }

    private static void awaitEvents(List<WsDevice> devices, String conversation, int count) {
        for (WsDevice d : devices) {
            await().atMost(DEADLINE).untilAsserted(() -> assertThat(d.convSeqs(conversation)).hasSizeGreaterThanOrEqualTo(count));
        }
    }

    /** Every device has exactly these messages (as a set, each once) and nothing else in the conversation. */
    private static void awaitMessages(List<WsDevice> devices, String conversation, List<String> expected) {
        for (WsDevice d : devices) {
            await().atMost(DEADLINE).untilAsserted(() ->
                    assertThat(d.messages(conversation)).as("%s/%s in %s", d.user, d.device, conversation)
                            .containsExactlyInAnyOrderElementsOf(new LinkedHashSet<>(expected)));
        }
    }

    private static void assertGapFreeInbox(WsDevice d) {
        assertGapFreeFrom(d, 1);
    }

    private static void assertGapFreeFrom(WsDevice d, long first) {
        List<Long> seqs = d.inboxSeqs();
        assertThat(seqs).as("inbox of %s/%s", d.user, d.device)
                .containsExactlyElementsOf(LongStream.range(first, first + seqs.size()).boxed().toList());
    }

    private static List<String> concat(List<String> list, String... more) {
        List<String> out = new ArrayList<>(list);
        out.addAll(List.of(more));
        return out;
    }

    private static JsonNode post(String token, String path, String body, int status) throws Exception {
        return request("POST", token, path, body, status);
    }

    private static JsonNode get(String token, String path, int status) throws Exception {
        return request("GET", token, path, null, status);
    }

    private static JsonNode request(String method, String token, String path, String body, int status) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(platform.ingressUrl() + path))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body))
                .header("Content-Type", "application/json");
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        HttpResponse<String> response = HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as("%s %s -> %s", method, path, response.body()).isEqualTo(status);
        return JSON.readTree(response.body());
    }

}
