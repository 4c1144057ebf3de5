package dev.kchat.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kchat.api.EdgeDirectory;
import dev.kchat.edge.EdgeApp;
import dev.kchat.edge.EdgeConfig;
import dev.kchat.events.chat.ChatCommand;
import dev.kchat.events.chat.SendMessage;
import dev.kchat.schemas.topic.Topic;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.IntStream;
import java.util.stream.LongStream;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The edge's behaviours around the messages themselves, on the real platform (broker and CQL server
 * as child JVMs, the sink, both topologies, ingress, one edge): redirects to the owning edge,
 * rebalances when a second edge joins and leaves, {@code GET /v1/edge}, long-poll, slow clients and
 * protocol errors. Each test uses its own users, so each starts from an empty inbox; tests that add
 * an edge to the group stop it before they end, and each test starts with the platform's edge owning
 * every inbox partition.
 */
class EdgeBehaviourTest {

    private static final Duration DEADLINE = Duration.ofSeconds(60);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @TempDir
    static Path dataDir;
    private static LocalPlatform platform;
    private static int partitions;

    private final List<AutoCloseable> toClose = new ArrayList<>();

    @BeforeAll
    static void start() throws Exception {
        // The slow-client test floods 400 sends from one user on purpose: no per-user send limit here
        // (the rate-limit test starts an edge with its own)
        platform = TestPlatforms.start(dataDir, Map.of("limits.rate.send.user", "off"));
        partitions = platform.topics().inbox().partitions();
    }

    @AfterAll
    static void stop() {
        if (platform != null) {
            platform.close();
        }
    }

    @BeforeEach
    void platformEdgeOwnsEveryPartition() {
        Set<Integer> all = IntStream.range(0, partitions).boxed().collect(java.util.stream.Collectors.toSet());
        await().atMost(DEADLINE).untilAsserted(() -> assertThat(mainEdge().ownedPartitions()).isEqualTo(all));
    }

    @AfterEach
    void closeWhatTheTestOpened() throws Exception {
        for (int i = toClose.size() - 1; i >= 0; i--) {
            toClose.get(i).close();
        }
    }

    // ------------------------------------------------------------------ redirects

    @Test
    void shouldRedirectToTheOwningEdgeAndClose4002WhenConnectingToAnEdgeThatDoesNotOwnTheUser() throws Exception {
        // Given two edges sharing the partitions
        EdgeApp second = startSecondEdge();
        Map<Integer, String> users = onePerPartition("t1-user");
        String onSecond = users.get(second.ownedPartitions().iterator().next());
        String onMain = users.get(mainEdge().ownedPartitions().iterator().next());

        // When each user connects to the edge that does not serve it
        WsDevice wrongForSecond = device(mainEdge().url(), onSecond, "phone", 0);
        WsDevice wrongForMain = device(second.url(), onMain, "phone", 0);

        // Then each gets a redirect naming the owner, and the connection closes with 4002
        assertRedirected(wrongForSecond, second.url());
        assertRedirected(wrongForMain, mainEdge().url());

        // And connecting to the named edge works
        WsDevice there = device(second.url(), onSecond, "phone", 0);
        WsDevice here = device(mainEdge().url(), onMain, "phone", 0);
        awaitReady(there);
        awaitReady(here);
        assertThat(there.framesOfType("redirect")).isEmpty();
        assertThat(here.framesOfType("redirect")).isEmpty();
    }

    // ------------------------------------------------------------------ rebalance

    @Test
    void shouldMoveClientsOfMovedPartitionsToTheNewEdgeAndBackWithoutLosingOrRepeatingEntries() throws Exception {
        // Given one connected user on every partition, all members of one group, all on the platform's edge
        Map<Integer, String> users = onePerPartition("t2-user");
        String sender = "t2-sender";
        String group = createGroup(sender, users.values());
        Map<String, List<WsDevice>> connections = new TreeMap<>();
        for (String user : users.values()) {
            connections.put(user, new ArrayList<>(List.of(device(mainEdge().url(), user, "phone", 0))));
        }
        List<String> sent = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            sent.add(sendHttp(sender, group, "before-" + i));
        }
        awaitEveryMessageOnceAndGapFree(connections, group, sent);

        // When a second edge joins the group while messages keep coming
        EdgeApp second = startSecondEdge();
        for (int i = 0; i < 3; i++) {
            sent.add(sendHttp(sender, group, "during-" + i));
        }
        Set<Integer> moved = second.ownedPartitions();

        // Then exactly the clients of the moved partitions are told to reconnect to the new owner (4001)
        for (Map.Entry<Integer, String> e : users.entrySet()) {
            WsDevice d = last(connections.get(e.getValue()));
            if (moved.contains(e.getKey())) {
                await().atMost(DEADLINE).until(d.closed::isDone);
                assertThat(d.closeCode()).as("close code of %s", d.user).contains(4001);
                assertThat(d.framesOfType("reconnect")).as("reconnect frames of %s", d.user).singleElement()
                        .satisfies(f -> {
                            assertThat(f.path("reason").asText()).isEqualTo("rebalance");
                            assertThat(f.path("edge").asText()).isEqualTo(second.url());
                        });
            } else {
                assertThat(d.closeCode()).as("%s stays connected", d.user).isEmpty();
                assertThat(d.framesOfType("reconnect")).isEmpty();
            }
        }

        // When they reconnect where they were told, with their last inbox seq, and more messages come
        for (int p : moved) {
            WsDevice old = last(connections.get(users.get(p)));
            String edge = old.framesOfType("reconnect").get(0).path("edge").asText();
            WsDevice back = device(edge, old.user, "phone", old.lastInboxSeq());
            connections.get(old.user).add(back);
            awaitReady(back);
        }
        for (int i = 0; i < 3; i++) {
            sent.add(sendHttp(sender, group, "after-" + i));
        }

        // Then every user has every message once, and its inbox seqs, across both connections, have no gap
        awaitEveryMessageOnceAndGapFree(connections, group, sent);

        // When the second edge stops
        second.close();

        // Then its clients are told to go (1001), its partitions come back, and they resume on the platform's edge
        await().atMost(DEADLINE).untilAsserted(() -> assertThat(mainEdge().ownedPartitions()).hasSize(partitions));
        for (int p : moved) {
            WsDevice old = last(connections.get(users.get(p)));
            await().atMost(DEADLINE).until(old.closed::isDone);
            assertThat(old.closeCode()).contains(1001);
            assertThat(old.framesOfType("reconnect")).singleElement()
                    .satisfies(f -> assertThat(f.path("reason").asText()).isEqualTo("edge_shutdown"));
            WsDevice back = connectToOwner(old.user, old.lastInboxSeq());
            assertThat(back.framesOfType("ready")).isNotEmpty();
            connections.get(old.user).add(back);
        }
        for (int i = 0; i < 3; i++) {
            sent.add(sendHttp(sender, group, "back-" + i));
        }
        awaitEveryMessageOnceAndGapFree(connections, group, sent);
    }

    // ------------------------------------------------------------------ GET /v1/edge

    @Test
    void shouldAnswerTheOwningEdgeOnIngressAndOnEveryEdgeAndFollowTheRebalance() throws Exception {
        // Given one user on every partition, all served by the platform's edge
        Map<Integer, String> users = onePerPartition("t3-user");
        for (Map.Entry<Integer, String> e : users.entrySet()) {
            assertLocatedAt(platform.ingressUrl(), e.getValue(), e.getKey(), mainEdge().url());
            assertLocatedAt(httpOf(mainEdge().url()), e.getValue(), e.getKey(), mainEdge().url());
        }

        // When a second edge joins
        EdgeApp second = startSecondEdge();

        // Then ingress and both edges answer the new owner of each partition
        for (Map.Entry<Integer, String> e : users.entrySet()) {
            String owner = second.ownedPartitions().contains(e.getKey()) ? second.url() : mainEdge().url();
            for (String base : List.of(platform.ingressUrl(), httpOf(mainEdge().url()), httpOf(second.url()))) {
                await().atMost(DEADLINE).untilAsserted(() -> assertLocatedAt(base, e.getValue(), e.getKey(), owner));
            }
        }
        assertThat(second.ownedPartitions()).isNotEmpty();

        // When it leaves again
        second.close();

        // Then everything points back at the platform's edge
        for (Map.Entry<Integer, String> e : users.entrySet()) {
            for (String base : List.of(platform.ingressUrl(), httpOf(mainEdge().url()))) {
                await().atMost(DEADLINE).untilAsserted(() -> assertLocatedAt(base, e.getValue(), e.getKey(), mainEdge().url()));
            }
        }
    }

    // ------------------------------------------------------------------ long poll

    @Test
    void shouldLongPollEntriesAtOnceOrWhenTheyArriveOrNothingOnTimeout() throws Exception {
        // Given a user with three inbox entries in the store
        String user = "t4-poller";
        String dm = createDirect("t4-sender", user);
        sendHttp("t4-sender", dm, "one");
        sendHttp("t4-sender", dm, "two");
        await().atMost(DEADLINE).until(() -> latestInboxSeq(user) == 3);
        String edge = httpOf(mainEdge().url());

        // When it polls after seq 1, Then it gets 2 and 3 at once
        long t0 = System.nanoTime();
        JsonNode ready = poll(edge, user, 1, 20_000, 200);
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(10));
        assertThat(inboxSeqs(ready)).containsExactly(2L, 3L);
        assertThat(ready.path("inbox_seq").asLong()).isEqualTo(3);

        // When it polls after 3 and a message arrives during the wait
        CompletableFuture<JsonNode> waiting = CompletableFuture.supplyAsync(() -> pollUnchecked(edge, user, 3, 20_000));
        await().pollDelay(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(3)).until(() -> !waiting.isDone());
        sendHttp("t4-sender", dm, "three");

        // Then the wait ends with that entry
        JsonNode woken = waiting.get(DEADLINE.toSeconds(), java.util.concurrent.TimeUnit.SECONDS);
        assertThat(inboxSeqs(woken)).containsExactly(4L);
        assertThat(woken.path("entries").get(0).at("/item/payload/body").asText()).isEqualTo("three");
        assertThat(woken.path("inbox_seq").asLong()).isEqualTo(4);

        // When nothing arrives before the timeout, Then it answers no entries and the same seq
        long t1 = System.nanoTime();
        JsonNode empty = poll(edge, user, 4, 1_500, 200);
        assertThat(Duration.ofNanos(System.nanoTime() - t1)).isBetween(Duration.ofMillis(1_400), Duration.ofSeconds(15));
        assertThat(empty.path("entries").isArray()).isTrue();
        assertThat(empty.path("entries")).isEmpty();
        assertThat(empty.path("inbox_seq").asLong()).isEqualTo(4);
    }

    @Test
    void shouldRefuseLongPollOnAnEdgeThatDoesNotOwnTheUserAndWithoutAToken() throws Exception {
        // Given two edges sharing the partitions
        EdgeApp second = startSecondEdge();
        String user = onePerPartition("t4-moved").get(second.ownedPartitions().iterator().next());

        // When the user polls the platform's edge, which does not serve it
        JsonNode wrong = poll(httpOf(mainEdge().url()), user, 0, 1_000, 409);

        // Then 409 wrong_edge names the owner
        assertThat(wrong.at("/error/code").asText()).isEqualTo("wrong_edge");
        assertThat(wrong.at("/error/edge").asText()).isEqualTo(second.url());

        // When a poll has no token, Then 401
        HttpResponse<String> anonymous = HTTP.send(HttpRequest.newBuilder(
                URI.create(httpOf(second.url()) + "/v1/poll?since=0&timeout_ms=1000")).GET().build(), HttpResponse.BodyHandlers.ofString());
        assertThat(anonymous.statusCode()).isEqualTo(401);
        assertThat(JSON.readTree(anonymous.body()).at("/error/code").asText()).isEqualTo("missing_token");
    }

    // ------------------------------------------------------------------ slow clients

    @Test
    void shouldCutOffAClientThatStopsReadingWith4008AndResumeItFromItsLastInboxSeqWithNothingLost() throws Exception {
        // Given an edge (in its own group, so it serves every user) that allows 5 unflushed frames,
        // and a client on it that said hello and then stopped reading, over a small receive buffer
        EdgeApp slowEdge = EdgeApp.start(EdgeConfig.from(platform.appSettings().with(Map.of(
                        "edge.group.id", "t5-edges",
                        "edge.max.queued.frames", "5"))).withPorts(TestPlatforms.freePort(), 0),
                platform.topics(), platform.session(), LocalPlatform.KEYSPACE);
        toClose.add(slowEdge);
        String user = "t5-slow";
        RawWsClient slow = RawWsClient.connect(slowEdge.url(), token(user), 4_096);
        toClose.add(slow);
        slow.sendText("{\"type\":\"hello\",\"device_id\":\"phone\",\"since_inbox_seq\":0}");
        assertThat(slow.readUntil("ready").type()).isEqualTo("ready");

        // When far more is sent to it than the socket buffers hold (16 kB frames of 4,000 emoji)
        String dm = createDirect("t5-sender", user);
        int count = 400;
        List<String> ids = IntStream.range(0, count).mapToObj(i -> String.format("m%04d", i)).toList();
        sendConcurrently("t5-sender", dm, ids);

        // Then the edge cuts it off; what it had queued arrives in order, then close code 4008
        await().atMost(DEADLINE).until(() -> slowEdge.connections() == 0);
        List<Long> seqs = new ArrayList<>();
        List<String> seen = new ArrayList<>();
        RawWsClient.Frame f;
        while (!(f = slow.read()).isClose()) {
            if (f.type().equals("event")) {
                seqs.add(f.json().get("inbox_seq").asLong());
                messageId(f.json()).ifPresent(seen::add);
            }
        }
        assertThat(f.closeCode()).isEqualTo(4008);
        assertThat(seqs).isNotEmpty().containsExactlyElementsOf(LongStream.rangeClosed(1, seqs.size()).boxed().toList());
        assertThat(seen.size()).isLessThan(count);

        // When it reconnects with its last inbox seq once everything reached the store
        await().atMost(DEADLINE).until(() -> latestInboxSeq(user) == count + 1);
        long last = seqs.get(seqs.size() - 1);
        WsDevice resumed = device(slowEdge.url(), user, "phone", last);

        // Then it gets exactly what it missed
        await().atMost(DEADLINE).untilAsserted(() -> assertThat(resumed.inboxSeqs()).hasSize(count + 1 - (int) last));
        assertThat(resumed.inboxSeqs()).containsExactlyElementsOf(LongStream.rangeClosed(last + 1, count + 1).boxed().toList());
        List<String> all = new ArrayList<>(seen);
        resumed.messages(dm).forEach(body -> all.add(body.substring(0, 5)));
        assertThat(all).containsExactlyInAnyOrderElementsOf(ids);
        assertThat(resumed.closeCode()).isEmpty();
    }

    // ------------------------------------------------------------------ admission

    @Test
    void shouldRefuseUpgradesWith503WhileTooManySessionsAreSettingUpAndCloseAConnectionThatNeverSaysHello() throws Exception {
        // Given an edge (in its own group) that sets up one session at a time and waits 8 s for hello (long
        // enough that a busy machine still makes the second upgrade while the first waits)
        EdgeApp edge = startEdgeInItsOwnGroup(Map.of(
                "edge.group.id", "t9-edges",
                "edge.max.session.setups", "1",
                "edge.hello.timeout", "8s"));

        // When a client connects and says nothing
        RawWsClient silent = RawWsClient.connect(edge.url(), token("t9-silent"), 65_536);
        toClose.add(silent);

        // Then the next upgrade is refused before any WebSocket exists: 503 edge_busy with a Retry-After
        assertThatThrownBy(() -> RawWsClient.connect(edge.url(), token("t9-next"), 65_536))
                .hasMessageContaining("503")
                .hasMessageContaining("Retry-After");

        // And the silent connection is told and closed with 4400 when its hello is overdue
        RawWsClient.Frame error = silent.readUntil("error");
        assertThat(error.json().path("code").asText()).isEqualTo("hello_timeout");
        RawWsClient.Frame close = silent.read();
        assertThat(close.isClose()).isTrue();
        assertThat(close.closeCode()).isEqualTo(4400);

        // Then upgrades are admitted again, and a client that says hello goes live, which frees its slot
        RawWsClient next = RawWsClient.connect(edge.url(), token("t9-next"), 65_536);
        toClose.add(next);
        next.sendText("{\"type\":\"hello\",\"device_id\":\"phone\",\"since_inbox_seq\":0}");
        assertThat(next.readUntil("ready").type()).isEqualTo("ready");
        RawWsClient third = RawWsClient.connect(edge.url(), token("t9-third"), 65_536);
        toClose.add(third);
        third.sendText("{\"type\":\"hello\",\"device_id\":\"phone\",\"since_inbox_seq\":0}");
        assertThat(third.readUntil("ready").type()).isEqualTo("ready");
    }

    // ------------------------------------------------------------------ rate limits

    @Test
    void shouldRefuseFramesAndUpgradesBeyondTheirRateLimitsWithoutProducingThemAndKeepTheConnectionUsable() throws Exception {
        // Given an edge (in its own group) with small buckets: 3 sends and 2 connection attempts per user an hour
        EdgeApp edge = startEdgeInItsOwnGroup(Map.of(
                "edge.group.id", "t20-edges",
                "limits.rate.send.user", "3/1h",
                "limits.rate.connect.user", "2/1h"));
        String conversation = "g-t20-rates";
        WsDevice phone = device(edge.url(), "t20-ann", "phone", 0);
        awaitReady(phone);

        // When the device sends a burst of 8 messages
        for (int i = 0; i < 8; i++) {
            phone.send("{\"type\":\"send\",\"conversation_id\":\"" + conversation + "\",\"client_msg_id\":\"t20-" + i
                    + "\",\"body\":\"burst " + i + "\"}");
        }

        // Then the 5 beyond the bucket each get rate_limited, naming the limit, with their ref and the wait
        await().atMost(DEADLINE).untilAsserted(() -> assertThat(phone.framesOfType("error")).hasSize(5));
        assertThat(phone.framesOfType("error")).allSatisfy(e -> {
            assertThat(e.path("code").asText()).isEqualTo("rate_limited");
            assertThat(e.path("message").asText()).contains("send");
            assertThat(e.path("retry_after_ms").asLong()).isPositive();
        });
        assertThat(phone.framesOfType("error")).extracting(e -> e.path("ref").asText())
                .containsExactly("t20-3", "t20-4", "t20-5", "t20-6", "t20-7");

        // And the connection stays open and usable: a ping is answered
        phone.send("{\"type\":\"ping\"}");
        await().atMost(DEADLINE).untilAsserted(() -> assertThat(phone.framesOfType("pong")).isNotEmpty());
        assertThat(phone.closeCode()).isEmpty();

        // And only the 3 taken sends reached chat.commands (read up to a marker produced after the refusals)
        String marker = sendHttp("t20-ben", conversation, "t20-marker", "after the burst");
        assertThat(sendCommandIds(conversation)).containsExactlyInAnyOrder("t20-0", "t20-1", "t20-2", marker);

        // When the user connects a second time (its second attempt), then a third
        toClose.add(RawWsClient.connect(edge.url(), token("t20-ann"), 65_536));

        // Then the third upgrade is refused before any WebSocket exists: 429 with a Retry-After
        assertThatThrownBy(() -> RawWsClient.connect(edge.url(), token("t20-ann"), 65_536))
                .hasMessageContaining("429")
                .hasMessageContaining("Retry-After");
        // while another user still connects
        toClose.add(RawWsClient.connect(edge.url(), token("t20-ben"), 65_536));
    }

    // ------------------------------------------------------------------ load shedding

    @Test
    void shouldShedTypingAndHoldReceiptsBackUnderOverloadWhileEveryMessageGetsThrough() throws Exception {
        // Given an edge (in its own group) that reads overload at every check (any inbox delay is too
        // much), so it sheds everything it may: typing, presence, receipts held back for 1 s
        EdgeApp edge = startEdgeInItsOwnGroup(Map.of(
                "edge.group.id", "t30-edges",
                "edge.shed.delay", "0ms",
                "edge.shed.check.interval", "100ms",
                "edge.shed.receipt.delay", "1s"));
        await().atMost(DEADLINE).until(() -> metric(edge, "kchat_edge_shed_level", "") == 3.0);
        WsDevice ann = device(edge.url(), "t30-ann", "phone", 0);
        WsDevice ben = device(edge.url(), "t30-ben", "phone", 0);
        awaitReady(ann);
        awaitReady(ben);
        String dm = createDirect("t30-ann", "t30-ben");
        sendHttp("t30-ann", dm, "t30-m0", "before typing");
        await().atMost(DEADLINE).until(() -> ben.messages(dm).contains("before typing") && ann.messages(dm).contains("before typing"));

        // When ann types, then sends
        ann.send("{\"type\":\"typing\",\"conversation_id\":\"" + dm + "\",\"typing\":true}");
        await().atMost(DEADLINE).until(() -> metric(edge, "kchat_edge_shed_total", "kind=\"typing_in\"") >= 1);
        sendHttp("t30-ann", dm, "t30-m1", "sent while shedding");

        // Then the message reaches ben (messages are never shed), with no typing frame before it
        await().atMost(DEADLINE).until(() -> ben.messages(dm).contains("sent while shedding"));
        assertThat(ben.framesOfType("typing")).isEmpty();

        // And ben's device acknowledged it: the Delivered is held back, not lost, and ann's devices
        // see the message delivered once the hold is over (positions converge)
        long seq = ben.convSeqs(dm).get(ben.convSeqs(dm).size() - 1);
        await().atMost(DEADLINE).until(() -> metric(edge, "kchat_edge_shed_total", "kind=\"receipt\"") >= 1);
        await().atMost(DEADLINE).until(() -> ann.framesOfType("event").stream().map(f -> f.path("entry").path("item"))
                .anyMatch(i -> i.path("type").asText().equals("MessageStatusChanged")
                        && i.path("status").asText().equals("DELIVERED") && i.path("up_to_seq").asLong() == seq));
    }

    /** A sample of the edge's Prometheus metrics: the first line of that name whose labels contain {@code label}; -1 if none. */
    private static double metric(EdgeApp edge, String name, String label) throws Exception {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(
                java.net.URI.create("http://127.0.0.1:" + edge.adminPort() + "/metrics")).build(), HttpResponse.BodyHandlers.ofString());
        for (String line : r.body().split("\n")) {
            int value = line.lastIndexOf(' ');
            String series = value < 0 ? "" : line.substring(0, value);
            if ((series.equals(name) || series.startsWith(name + "{")) && series.contains(label)) {
                return Double.parseDouble(line.substring(value + 1).trim());
            }
        }
        return -1;
    }

    // ------------------------------------------------------------------ protocol errors

    @Test
    void shouldRefuseProtocolErrorsWithPreciseCodesAndProduceNothingForARefusedSend() throws Exception {
        // Given a connection that has not said hello, in a conversation of its user
        String user = "t6-user";
        String dm = createDirect(user, "t6-friend");
        WsDevice d = open(mainEdge().url(), user, "phone");

        // When it sends before hello, an unknown frame, and something that is not JSON
        d.send("{\"type\":\"send\",\"conversation_id\":\"" + dm + "\",\"client_msg_id\":\"early\",\"body\":\"x\"}");
        d.send("{\"type\":\"subscribe\"}");
        d.send("{not json");

        // Then each is refused with its code
        awaitErrors(d, "hello_first", "unknown_frame", "invalid_json");
        assertThat(d.framesOfType("error").get(0).path("ref").asText()).isEqualTo("early");

        // When it says hello twice
        d.hello(0);
        awaitReady(d);
        d.send("{\"type\":\"hello\",\"device_id\":\"phone\",\"since_inbox_seq\":0}");

        // Then the second is refused
        awaitErrors(d, "hello_first", "unknown_frame", "invalid_json", "duplicate_hello");

        // When a send has an unknown field, then a valid send follows
        d.send("{\"type\":\"send\",\"conversation_id\":\"" + dm + "\",\"client_msg_id\":\"bad\",\"body\":\"x\",\"oops\":1}");
        d.send("{\"type\":\"send\",\"conversation_id\":\"" + dm + "\",\"client_msg_id\":\"good\",\"body\":\"fine\"}");

        // Then the first is refused as unknown_field, and only the valid one reaches Kafka and the inbox
        awaitErrors(d, "hello_first", "unknown_frame", "invalid_json", "duplicate_hello", "unknown_field");
        assertThat(d.framesOfType("error").get(4).path("ref").asText()).isEqualTo("bad");
        await().atMost(DEADLINE).untilAsserted(() -> assertThat(d.messages(dm)).containsExactly("fine"));
        assertThat(d.framesOfType("sent")).extracting(s -> s.path("client_msg_id").asText()).containsExactly("good");
        assertThat(sendCommandIds(dm)).containsExactly("good");
        assertThat(d.closeCode()).isEmpty();
    }

    // ------------------------------------------------------------------ session guards

    @Test
    void shouldCloseASessionWhenItsTokenExpiresWithTokenExpiredAnd4401() throws Exception {
        // Given an edge (in its own group) that tolerates no clock skew, and a device on a token valid for 5 s
        EdgeApp edge = startOwnEdge("t10-edges", Map.of("auth.jwt.clock.skew", "0s"));
        WsDevice d = liveOnShortToken(edge, "t10-expiring", Duration.ofSeconds(5));

        // When the token expires, Then the edge says so and closes the session with 4401
        await().atMost(DEADLINE).until(d.closed::isDone);
        assertThat(d.closeCode()).contains(4401);
        assertThat(d.framesOfType("error")).extracting(f -> f.path("code").asText()).containsExactly("token_expired");
    }

    @Test
    void shouldKeepASessionWhoseTokenWasRefreshedAndCloseOneRefreshedWithAnotherUsersToken() throws Exception {
        // Given an edge that tolerates no clock skew, and a device on a token valid for 5 s
        EdgeApp edge = startOwnEdge("t11-edges", Map.of("auth.jwt.clock.skew", "0s"));
        String user = "t11-refreshing";
        java.time.Instant shortExpiry = java.time.Instant.now().plusSeconds(5);
        WsDevice d = liveOnShortToken(edge, user, Duration.ofSeconds(5));

        // When it refreshes with a token valid for an hour
        d.send("{\"type\":\"refresh\",\"token\":\"" + token(user) + "\"}");

        // Then the edge confirms, and after the first token's expiry the session still answers a ping
        await().atMost(DEADLINE).untilAsserted(() -> assertThat(d.framesOfType("refreshed")).hasSize(1));
        await().atMost(DEADLINE).until(() -> java.time.Instant.now().isAfter(shortExpiry.plusSeconds(1)));
        int pongs = d.framesOfType("pong").size();
        d.send("{\"type\":\"ping\"}");
        await().atMost(DEADLINE).untilAsserted(() -> assertThat(d.framesOfType("pong")).hasSizeGreaterThan(pongs));
        assertThat(d.closeCode()).isEmpty();
        assertThat(d.framesOfType("error")).isEmpty();

        // When it refreshes with another user's token, Then it is refused and closed with 4401
        d.send("{\"type\":\"refresh\",\"token\":\"" + token("t11-someone-else") + "\"}");
        await().atMost(DEADLINE).until(d.closed::isDone);
        assertThat(d.closeCode()).contains(4401);
        assertThat(d.framesOfType("error")).extracting(f -> f.path("code").asText()).containsExactly("token_user_mismatch");
    }

    @Test
    void shouldAnswerASyncKeyAheadOfTheInboxWithItsRealHeadOnTheSocketAndOnLongPoll() throws Exception {
        // Given a user with one inbox entry, stored, on an edge (in its own group) that waits 2 s for the sink
        EdgeApp edge = startOwnEdge("t12-edges", Map.of("edge.catch.up.timeout", "2s"));
        String user = "t12-ahead";
        createDirect("t12-friend", user);
        await().atMost(DEADLINE).until(() -> latestInboxSeq(user) == 1);

        // When a device says hello with a SyncKey of 1,000 (another user's, say)
        WsDevice d = WsDevice.connect(edge.url(), token(user), user, "phone", 1_000);
        toClose.add(d);

        // Then it is told its SyncKey is ahead, with the real head, and closed with 4009 without going live
        await().atMost(DEADLINE).until(d.closed::isDone);
        assertThat(d.closeCode()).contains(4009);
        assertThat(d.framesOfType("error")).singleElement().satisfies(f -> {
            assertThat(f.path("code").asText()).isEqualTo("sync_key_ahead");
            assertThat(f.path("inbox_seq").asLong()).isEqualTo(1);
        });
        assertThat(d.framesOfType("ready")).isEmpty();

        // When it long-polls with the same SyncKey, Then 409 sync_key_ahead with the head
        JsonNode refused = poll(httpOf(edge.url()), user, 1_000, 20_000, 409);
        assertThat(refused.at("/error/code").asText()).isEqualTo("sync_key_ahead");
        assertThat(refused.at("/error/inbox_seq").asLong()).isEqualTo(1);

        // And with the head it resumes
        WsDevice resumed = WsDevice.connect(edge.url(), token(user), user, "phone", 1);
        toClose.add(resumed);
        awaitReady(resumed);
        assertThat(resumed.framesOfType("ready").get(0).path("inbox_seq").asLong()).isEqualTo(1);
    }

    @Test
    void shouldRefuseNegativeAndOverflowingSeqsAndLimitsPreciselyAndStayOpen() throws Exception {
        // Given a device that has not said hello yet
        String user = "t13-numbers";
        String dm = createDirect(user, "t13-friend");
        WsDevice d = open(mainEdge().url(), user, "phone");
        String overflow = "99999999999999999999";

        // When hello carries a negative, an overflowing and a fractional SyncKey, then a good one
        d.send("{\"type\":\"hello\",\"since_inbox_seq\":-1}");
        d.send("{\"type\":\"hello\",\"since_inbox_seq\":" + overflow + "}");
        d.send("{\"type\":\"hello\",\"since_inbox_seq\":1.5}");
        d.hello(0);
        awaitReady(d);

        // And ack and read carry negative and overflowing seqs, then a ping marks the end
        d.send("{\"type\":\"ack\",\"inbox_seq\":-3}");
        d.send("{\"type\":\"ack\",\"inbox_seq\":" + overflow + "}");
        d.send("{\"type\":\"read\",\"conversation_id\":\"" + dm + "\",\"seq\":-1}");
        d.send("{\"type\":\"read\",\"conversation_id\":\"" + dm + "\",\"seq\":" + overflow + "}");
        d.send("{\"type\":\"ping\"}");
        await().atMost(DEADLINE).untilAsserted(() -> assertThat(d.framesOfType("pong")).isNotEmpty());

        // Then each is refused with invalid_field naming its field, and the session stays open
        assertThat(d.framesOfType("error")).extracting(f -> f.path("code").asText() + " " + f.path("message").asText().split(" ")[0])
                .containsExactly("invalid_field since_inbox_seq", "invalid_field since_inbox_seq", "invalid_field since_inbox_seq",
                        "invalid_field inbox_seq", "invalid_field inbox_seq", "invalid_field seq", "invalid_field seq");
        assertThat(d.closeCode()).isEmpty();

        // And long-poll refuses the same with 400 invalid_parameter
        String edge = httpOf(mainEdge().url());
        for (String query : List.of("since=-1", "since=" + overflow, "since=1.5", "timeout_ms=-1", "timeout_ms=" + overflow)) {
            HttpResponse<String> r = send("GET", edge, token(user), "/v1/poll?" + query, null);
            assertThat(r.statusCode()).as("poll?%s: %s", query, r.body()).isEqualTo(400);
            assertThat(JSON.readTree(r.body()).at("/error/code").asText()).isEqualTo("invalid_parameter");
        }
    }

    @Test
    void shouldRefuseAnOversizedFrameWith1009BeforeReadingItWhole() throws Exception {
        // Given a live connection
        RawWsClient c = liveRawClient("t14-big");

        // When it starts a 10 MB frame and has sent the first 80 kB of it (above the 64 kB limit)
        c.sendTextStart(10L * 1024 * 1024, "x".repeat(80 * 1024).getBytes(java.nio.charset.StandardCharsets.US_ASCII));

        // Then the edge closes with 1009 without waiting for the rest
        RawWsClient.Frame close = c.readUntil("close");
        assertThat(close.isClose()).isTrue();
        assertThat(close.closeCode()).isEqualTo(1009);
    }

    @Test
    void shouldAnswerABinaryFrameWithBinaryNotSupportedAndClose1003() throws Exception {
        // Given a live connection
        RawWsClient c = liveRawClient("t15-binary");

        // When it sends a binary frame
        c.sendBinary(new byte[] {1, 2, 3});

        // Then the edge answers binary_not_supported and closes with 1003
        RawWsClient.Frame error = c.readUntil("error");
        assertThat(error.json().path("code").asText()).isEqualTo("binary_not_supported");
        RawWsClient.Frame close = c.readUntil("close");
        assertThat(close.closeCode()).isEqualTo(1003);
    }

    // ------------------------------------------------------------------ helpers

    private static EdgeApp mainEdge() {
        return platform.edge();
    }

    /** Starts another edge in the platform's group and waits until the partitions are shared out. */
    private EdgeApp startSecondEdge() throws Exception {
        EdgeApp second = EdgeApp.start(EdgeConfig.from(platform.appSettings()).withPorts(TestPlatforms.freePort(), 0),
                platform.topics(), platform.session(), LocalPlatform.KEYSPACE);
        toClose.add(second);
        await().atMost(DEADLINE).untilAsserted(() -> {
            Set<Integer> onSecond = second.ownedPartitions();
            Set<Integer> onMain = mainEdge().ownedPartitions();
            assertThat(onSecond).isNotEmpty().doesNotContainAnyElementsOf(onMain);
            Set<Integer> union = new HashSet<>(onSecond);
            union.addAll(onMain);
            assertThat(union).hasSize(partitions);
        });
        return second;
    }

    /** A device that said hello on a token valid for {@code ttl}, and got ready. */
    private WsDevice liveOnShortToken(EdgeApp edge, String user, Duration ttl) throws Exception {
        WsDevice d = WsDevice.connect(edge.url(), platform.token(user, ttl), user, "phone", 0);
        toClose.add(d);
        awaitReady(d);
        return d;
    }

    /** A hand-written client of the platform's edge that said hello and got ready. */
    private RawWsClient liveRawClient(String user) throws Exception {
        RawWsClient c = RawWsClient.connect(mainEdge().url(), token(user), 65_536);
        toClose.add(c);
        c.sendText("{\"type\":\"hello\",\"device_id\":\"phone\",\"since_inbox_seq\":0}");
        assertThat(c.readUntil("ready").type()).isEqualTo("ready");
        return c;
    }

    /** Starts an edge in a group of its own (so it serves every user) with some settings changed. */
    private EdgeApp startOwnEdge(String groupId, Map<String, String> settings) {
        Map<String, String> all = new java.util.HashMap<>(settings);
        all.put("edge.group.id", groupId);
        EdgeApp edge = EdgeApp.start(EdgeConfig.from(platform.appSettings().with(all)).withPorts(TestPlatforms.freePort(), 0),
                platform.topics(), platform.session(), LocalPlatform.KEYSPACE);
        toClose.add(edge);
        return edge;
    }

    /** A user id per inbox partition: prefix-0, prefix-1, ... until every partition has one. */
    private static Map<Integer, String> onePerPartition(String prefix) {
        Map<Integer, String> out = new TreeMap<>();
        for (int i = 0; out.size() < partitions; i++) {
            String user = prefix + "-" + i;
            out.putIfAbsent(EdgeDirectory.partitionOf(user, partitions), user);
        }
        return out;
    }

    /** An edge with the platform's settings and {@code settings} (its own {@code edge.group.id}), closed after the test. */
    private EdgeApp startEdgeInItsOwnGroup(Map<String, String> settings) {
        EdgeApp edge = EdgeApp.start(EdgeConfig.from(platform.appSettings().with(settings)).withPorts(TestPlatforms.freePort(), 0),
                platform.topics(), platform.session(), LocalPlatform.KEYSPACE);
        toClose.add(edge);
        return edge;
    }

    private WsDevice device(String edgeUrl, String user, String device, long since) throws Exception {
        WsDevice d = WsDevice.connect(edgeUrl, token(user), user, device, since);
        toClose.add(d);
        return d;
    }

    private WsDevice open(String edgeUrl, String user, String device) throws Exception {
        WsDevice d = WsDevice.open(edgeUrl, token(user), user, device);
        toClose.add(d);
        return d;
    }

    /** Connects as a client does: ask ingress which edge, connect there, retry while the answer is stale. */
    private WsDevice connectToOwner(String user, long since) {
        java.util.concurrent.atomic.AtomicReference<WsDevice> connected = new java.util.concurrent.atomic.AtomicReference<>();
        await().atMost(DEADLINE).pollInterval(Duration.ofMillis(200)).until(() -> {
            HttpResponse<String> located = send("GET", platform.ingressUrl(), token(user), "/v1/edge", null);
            if (located.statusCode() != 200) {
                return false;
            }
            WsDevice d = device(JSON.readTree(located.body()).path("edge").asText(), user, "phone", since);
            await().atMost(DEADLINE).until(() -> !d.framesOfType("ready").isEmpty() || d.closed.isDone());
            connected.set(d);
            return !d.framesOfType("ready").isEmpty();
        });
        return connected.get();
    }

    private static void assertRedirected(WsDevice d, String owner) {
        await().atMost(DEADLINE).until(d.closed::isDone);
        assertThat(d.closeCode()).as("close code of %s", d.user).contains(4002);
        assertThat(d.framesOfType("redirect")).singleElement()
                .satisfies(f -> assertThat(f.path("edge").asText()).isEqualTo(owner));
        assertThat(d.framesOfType("ready")).isEmpty();
    }

    private static void awaitReady(WsDevice d) {
        await().atMost(DEADLINE).untilAsserted(() -> assertThat(d.framesOfType("ready")).as("ready of %s", d.user).isNotEmpty());
    }

    private static void awaitErrors(WsDevice d, String... codes) {
        await().atMost(DEADLINE).untilAsserted(() -> assertThat(d.framesOfType("error"))
                .extracting(f -> f.path("code").asText()).containsExactly(codes));
    }

    /** Every user got each message once over its successive connections, and their inbox seqs run 1, 2, 3... */
    private static void awaitEveryMessageOnceAndGapFree(Map<String, List<WsDevice>> connections, String conversation,
            List<String> sent) {
        for (Map.Entry<String, List<WsDevice>> e : connections.entrySet()) {
            await().atMost(DEADLINE).untilAsserted(() -> {
                List<String> got = new ArrayList<>();
                e.getValue().forEach(d -> got.addAll(d.messages(conversation)));
                assertThat(got).as("messages of %s", e.getKey()).containsExactlyInAnyOrderElementsOf(sent);
            });
            List<Long> seqs = new ArrayList<>();
            e.getValue().forEach(d -> seqs.addAll(d.inboxSeqs()));
            assertThat(seqs).as("inbox seqs of %s", e.getKey())
                    .containsExactlyElementsOf(LongStream.rangeClosed(1, seqs.size()).boxed().toList());
        }
    }

    private static WsDevice last(List<WsDevice> list) {
        return list.get(list.size() - 1);
    }

    private static void assertLocatedAt(String base, String user, int partition, String owner) throws Exception {
        HttpResponse<String> r = send("GET", base, token(user), "/v1/edge", null);
        assertThat(r.statusCode()).as("GET %s/v1/edge for %s: %s", base, user, r.body()).isEqualTo(200);
        JsonNode body = JSON.readTree(r.body());
        assertThat(body.path("user_id").asText()).isEqualTo(user);
        assertThat(body.path("partition").asInt()).isEqualTo(partition);
        assertThat(body.path("edge").asText()).as("owner of %s per %s", user, base).isEqualTo(owner);
    }

    private static JsonNode poll(String edge, String user, long since, long timeoutMs, int status) throws Exception {
        HttpResponse<String> r = send("GET", edge, token(user), "/v1/poll?since=" + since + "&timeout_ms=" + timeoutMs, null);
        assertThat(r.statusCode()).as("poll: %s", r.body()).isEqualTo(status);
        return JSON.readTree(r.body());
    }

    private static JsonNode pollUnchecked(String edge, String user, long since, long timeoutMs) {
        try {
            return poll(edge, user, since, timeoutMs, 200);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static List<Long> inboxSeqs(JsonNode pollAnswer) {
        List<Long> out = new ArrayList<>();
        pollAnswer.path("entries").forEach(e -> out.add(e.path("inbox_seq").asLong()));
        return out;
    }

    private static long latestInboxSeq(String user) throws Exception {
        HttpResponse<String> r = send("GET", platform.ingressUrl(), token(user), "/v1/sync?since=0&limit=1", null);
        assertThat(r.statusCode()).isEqualTo(200);
        return JSON.readTree(r.body()).path("latest_inbox_seq").asLong();
    }

    /** The message id prefix ("m0042") of an event frame's MessagePosted body, if it is one. */
    private static java.util.Optional<String> messageId(JsonNode eventFrame) {
        JsonNode payload = eventFrame.at("/entry/item/payload");
        return payload.path("type").asText().equals("MessagePosted")
                ? java.util.Optional.of(payload.path("body").asText().substring(0, 5)) : java.util.Optional.empty();
    }

    /** Sends one 4,000-code-point message per id (16 kB of UTF-8 each) over HTTP, a few at a time. */
    private static void sendConcurrently(String sender, String conversation, List<String> ids) throws Exception {
        String padding = "\uD83D\uDE00".repeat(3_994);
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<String>> sends = new ArrayList<>();
            for (String id : ids) {
                sends.add(pool.submit(() -> sendHttp(sender, conversation, id, id + ":" + padding)));
            }
            for (Future<String> s : sends) {
                s.get(DEADLINE.toSeconds(), java.util.concurrent.TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    /** The client_msg_ids of the SendMessage commands produced for a conversation, read from chat.commands. */
    private static List<String> sendCommandIds(String conversation) {
        Topic<String, ChatCommand> commands = platform.topics().commands();
        List<String> out = new ArrayList<>();
        try (KafkaConsumer<String, ChatCommand> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, platform.bootstrapServers(),
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"),
                commands.keySerde().deserializer(), commands.valueSerde().deserializer())) {
            List<TopicPartition> tps = IntStream.range(0, commands.partitions())
                    .mapToObj(p -> new TopicPartition(commands.name(), p)).toList();
            consumer.assign(tps);
            consumer.seekToBeginning(tps);
            Map<TopicPartition, Long> end = consumer.endOffsets(tps);
            long deadline = System.nanoTime() + DEADLINE.toNanos();
            while (tps.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp)) && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, ChatCommand> r : consumer.poll(Duration.ofMillis(200))) {
                    if (conversation.equals(r.key()) && r.value().getPayload() instanceof SendMessage m) {
                        out.add(m.getClientMsgId());
                    }
                }
            }
            assertThat(tps).allSatisfy(tp -> assertThat(consumer.position(tp)).isGreaterThanOrEqualTo(end.get(tp)));
        }
        return out;
    }

    private static String createDirect(String creator, String other) throws Exception {
        return post(creator, "/v1/conversations", "{\"kind\":\"direct\",\"members\":[\"" + other + "\"]}")
                .get("conversation_id").asText();
    }

    private static String createGroup(String creator, java.util.Collection<String> members) throws Exception {
        String list = String.join("\",\"", members);
        return post(creator, "/v1/conversations", "{\"kind\":\"group\",\"name\":\"edge test\",\"members\":[\"" + list + "\"]}")
                .get("conversation_id").asText();
    }

    private static String sendHttp(String sender, String conversation, String body) throws Exception {
        return sendHttp(sender, conversation, body, body);
    }

    private static String sendHttp(String sender, String conversation, String clientMsgId, String body) throws Exception {
        post(sender, "/v1/conversations/" + conversation + "/messages",
                JSON.createObjectNode().put("client_msg_id", clientMsgId).put("body", body).toString());
        return clientMsgId;
    }

    private static JsonNode post(String user, String path, String body) throws Exception {
        HttpResponse<String> r = send("POST", platform.ingressUrl(), token(user), path, body);
        assertThat(r.statusCode()).as("POST %s -> %s", path, r.body()).isEqualTo(202);
        return JSON.readTree(r.body());
    }

    private static HttpResponse<String> send(String method, String base, String token, String path, String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body))
                .header("Content-Type", "application/json")
                .timeout(DEADLINE);
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static String token(String user) {
        return platform.token(user, Duration.ofHours(1));
    }

    /** The HTTP base of an edge from its WebSocket URL. */
    private static String httpOf(String wsUrl) {
        return wsUrl.replace("ws://", "http://").replace("/v1/ws", "");
    }

}
