package dev.kchat.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import dev.kchat.events.chat.ReadPositionChanged;
import dev.kchat.events.presence.SessionClosed;
import dev.kchat.events.presence.SessionEvent;
import dev.kchat.events.presence.SessionOpened;
import dev.kchat.push.deliver.WebhookSignature;
import dev.kchat.schemas.topic.Topic;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Offline push through the real platform (ingress, routing, fanout, presence from the edge, the
 * push gateway's decider and delivery) to a real webhook receiver that checks every signature.
 * bea has no connected device; cal has one; both registered a webhook token. bea's old tablet has a
 * handle the receiver no longer knows (it answers 410): its token ends invalid, and bea's settings
 * screen ({@code GET /v1/push/devices}, read from the store the sink writes) says so, and that her
 * phone's pushes were delivered.
 *
 * <p>A group above {@code fanout.broadcast.threshold} (3 here) is read-diffused: its members get no
 * inbox entry for a message, and routing's push candidates make the decider push to an offline one;
 * a mentioned member gets an inbox entry, which pushes as a mention.
 *
 * <p>Every absence is asserted after a later push of the same user has arrived: one user's
 * requests are decided in inbox order and delivered in order, so a push that should not exist
 * would have come before the marker.
 */
class PushEndToEndTest {

    private static final Duration DEADLINE = Duration.ofSeconds(60);
    private static final String SECRET = "e2e-webhook-secret";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Receiver RECEIVER = Receiver.start();

    @RegisterExtension
    static final TestPlatforms.Running RUNNING = TestPlatforms.running(Map.of(
            "push.webhook.url", RECEIVER.url(),
            "push.webhook.secret", SECRET,
            // Wide enough that four sends over HTTP on a busy CI machine stay one burst.
            "push.collapse.window", "3s",
            // Groups above 3 members are read-diffused (push candidates); the first test's chats and group of two are not.
            "fanout.broadcast.threshold", "3"));

    @AfterAll
    static void stopReceiver() {
        RECEIVER.close();
    }

    @Test
    void shouldPushOncePerBurstToAnOfflineUserAndNothingToAConnectedOneOrForAMutedConversation() throws Exception {
        // Given: bea and cal registered webhook tokens; ann has a chat with each and a group with bea
        token("bea", "bea-phone");
        token("bea", "bea-tablet", "bea-gone");
        token("cal", "cal-phone");
        String withBea = create("ann", "{\"kind\":\"direct\",\"members\":[\"bea\"]}");
        String withCal = create("ann", "{\"kind\":\"direct\",\"members\":[\"cal\"]}");
        String group = create("ann", "{\"kind\":\"group\",\"name\":\"noisy\",\"members\":[\"bea\"]}");
        // And: cal's laptop is connected (its session opened on presence.sessions)
        WsDevice calsLaptop = WsDevice.connect(RUNNING.platform().edgeUrl(), RUNNING.platform().token("cal", Duration.ofHours(1)),
                "cal", "cal-laptop", 0);
        awaitSession("cal", e -> e.getEvent() instanceof SessionOpened);

        // When: ann sends bea four messages in a burst, and cal one
        for (int i = 1; i <= 4; i++) {
            send("ann", withBea, "burst-" + i, "burst " + i);
        }
        send("ann", withCal, "live-1", "you are online");

        // Then: one push for the whole burst, signed, with the latest text, the count and the badge
        JsonNode burst = await().atMost(DEADLINE).until(() -> RECEIVER.pushesFor("bea"), l -> !l.isEmpty()).get(0);
        assertThat(burst.get("collapse_key").asText()).isEqualTo(withBea);
        assertThat(burst.get("count").asInt()).isEqualTo(4);
        assertThat(burst.get("body").asText()).isEqualTo("burst 4 (+3 more)");
        assertThat(burst.get("title").asText()).isEqualTo("ann");
        assertThat(burst.get("badge").asLong()).as("four unread messages after the chat's creation").isGreaterThanOrEqualTo(4);
        assertThat(burst.get("device_id").asText()).isEqualTo("bea-phone");
        await().atMost(DEADLINE).untilAsserted(() -> assertThat(calsLaptop.messages(withCal)).contains("you are online"));

        // When: bea mutes the group, ann writes there, then writes bea again (the marker)
        RUNNING.client().expect("bea", "PUT", "/v1/push/mutes/" + group, null, 202);
        send("ann", group, "muted-1", "nobody hears this");
        send("ann", withBea, "marker-bea", "after the mute");

        // Then: the marker's push is bea's second, and nothing came for the muted group before it
        List<JsonNode> bea = await().atMost(DEADLINE).until(() -> RECEIVER.pushesFor("bea"), l -> l.size() >= 2);
        assertThat(bea).extracting(p -> p.get("collapse_key").asText()).containsExactly(withBea, withBea);
        assertThat(bea.get(1).get("body").asText()).isEqualTo("after the mute");
        assertThat(bea.get(1).get("count").asInt()).isEqualTo(1);

        // When: cal's laptop disconnects, and ann writes cal again (the marker)
        calsLaptop.close();
        awaitSession("cal", e -> e.getEvent() instanceof SessionClosed);
        send("ann", withCal, "marker-cal", "now offline");

        // Then: cal's only push is the marker's: the message that reached his laptop pushed nothing
        List<JsonNode> cal = await().atMost(DEADLINE).until(() -> RECEIVER.pushesFor("cal"), l -> !l.isEmpty());
        assertThat(cal).hasSize(1);
        assertThat(cal.get(0).get("body").asText()).isEqualTo("now offline");
        assertThat(cal.get(0).get("count").asInt()).isEqualTo(1);
        assertThat(RECEIVER.pushesFor("bea")).hasSize(2);
        assertThat(RECEIVER.badSignatures()).isZero();
        // And bea's tablet was asked once, for the first burst: its 410 removed the token before the marker
        assertThat(RECEIVER.refusedFor("bea")).extracting(p -> p.get("device_id").asText()).containsExactly("bea-tablet");

        // And bea's settings screen shows the phone's last push delivered (the marker's) and the tablet's token
        // refused; the sink stores push.outcomes and push.settings a moment later, so it is read until it shows
        String beasLast = bea.get(1).get("push_id").asText();
        JsonNode beaDevices = await().atMost(DEADLINE).until(() -> devices("bea"),
                d -> beasLast.equals(d.at("/bea-phone/last_outcome/push_id").asText())
                        && "token_invalid".equals(d.at("/bea-tablet/state").asText()));
        JsonNode phone = beaDevices.get("bea-phone");
        assertThat(phone.get("platform").asText()).isEqualTo("webhook");
        assertThat(phone.get("state").asText()).isEqualTo("active");
        assertThat(phone.at("/last_outcome/status").asText()).isEqualTo("DELIVERED");
        assertThat(phone.at("/last_outcome/detail").asText()).isEqualTo("HTTP 204");
        assertThat(phone.at("/recent/delivered").asInt()).isEqualTo(2);
        JsonNode tablet = beaDevices.get("bea-tablet");
        assertThat(tablet.get("token_invalid_detail").asText()).isEqualTo("HTTP 410");
        assertThat(tablet.at("/last_outcome/status").asText()).isEqualTo("TOKEN_INVALID");
        assertThat(tablet.at("/recent/pushes").asInt()).isEqualTo(1);
        // And cal's shows his one push, and only his device
        String calsOnly = cal.get(0).get("push_id").asText();
        JsonNode calDevices = await().atMost(DEADLINE).until(() -> devices("cal"),
                d -> calsOnly.equals(d.at("/cal-phone/last_outcome/push_id").asText()));
        assertThat(calDevices.size()).isEqualTo(1);
        assertThat(calDevices.at("/cal-phone/last_outcome/status").asText()).isEqualTo("DELIVERED");
    }

    @Test
    void shouldPushAReadDiffusedGroupsMessageToAnOfflineMemberWithTheBadgeAndItsMentionAsAMention() throws Exception {
        // Given: dan and fio registered webhook tokens; ann's group of five is read-diffused (5 > 3)
        token("dan", "dan-phone");
        token("fio", "fio-phone");
        String group = create("ann", "{\"kind\":\"group\",\"name\":\"large\",\"members\":[\"dan\",\"eli\",\"fio\",\"gus\"]}");
        // And: dan has read the creation (seq 1): its read position is in his inbox
        RUNNING.client().expect("dan", "POST", "/v1/conversations/" + group + "/read", "{\"seq\":1}", 202);
        awaitRecord(RUNNING.platform().topics().inbox(), "dan",
                e -> e.getItem() instanceof ReadPositionChanged r && r.getConversationId().equals(group) && r.getReadSeq() == 1);

        // When: ann posts at seq 2, mentioning fio
        RUNNING.client().expect("ann", "POST", "/v1/conversations/" + group + "/messages",
                "{\"client_msg_id\":\"large-1\",\"body\":\"hello everyone\",\"mentions\":[\"fio\"]}", 202);

        // Then: dan's push came from his push candidate (no inbox entry): the id and seq are the conversation's
        JsonNode dan = await().atMost(DEADLINE).until(() -> RECEIVER.pushesFor("dan"), l -> !l.isEmpty()).get(0);
        assertThat(dan.get("collapse_key").asText()).isEqualTo(group);
        assertThat(dan.get("kind").asText()).isEqualTo("MESSAGE");
        assertThat(dan.get("title").asText()).isEqualTo("ann");
        assertThat(dan.get("body").asText()).isEqualTo("hello everyone");
        assertThat(dan.get("count").asInt()).isEqualTo(1);
        assertThat(dan.get("badge").asLong()).as("seq 2, read up to 1").isEqualTo(1);
        assertThat(dan.get("push_id").asText()).isEqualTo("dan:dan-phone:" + group + "@2");
        assertThat(dan.get("last_conv_seq").asLong()).isEqualTo(2);
        assertThat(dan.get("last_inbox_seq").asLong()).isZero();
        // And fio's came from her inbox entry, as a mention
        JsonNode fio = await().atMost(DEADLINE).until(() -> RECEIVER.pushesFor("fio"), l -> !l.isEmpty()).get(0);
        assertThat(fio.get("kind").asText()).isEqualTo("MENTION");
        assertThat(fio.get("body").asText()).isEqualTo("hello everyone");
        assertThat(fio.has("last_conv_seq")).isFalse();
        assertThat(fio.get("last_inbox_seq").asLong()).isPositive();

        // When: ann posts again (the marker)
        send("ann", group, "large-2", "second");

        // Then: dan's and fio's next pushes are the marker's: the mention made fio no second push
        assertThat(await().atMost(DEADLINE).until(() -> RECEIVER.pushesFor("dan"), l -> l.size() >= 2).get(1).get("body").asText())
                .isEqualTo("second");
        List<JsonNode> fios = await().atMost(DEADLINE).until(() -> RECEIVER.pushesFor("fio"), l -> l.size() >= 2);
        assertThat(fios).hasSize(2);
        assertThat(fios.get(1).get("body").asText()).isEqualTo("second");
        assertThat(fios.get(1).get("push_id").asText()).isEqualTo("fio:fio-phone:" + group + "@3");
        assertThat(RECEIVER.badSignatures()).isZero();
    }

    /** {@code GET /v1/push/devices} as {@code user}: the devices by id. */
    private static JsonNode devices(String user) throws Exception {
        com.fasterxml.jackson.databind.node.ObjectNode byId = JSON.createObjectNode();
        RUNNING.client().expect(user, "GET", "/v1/push/devices", null, 200).get("devices")
                .forEach(d -> byId.set(d.get("device_id").asText(), d));
        return byId;
    }

    private static void token(String user, String device) throws Exception {
        token(user, device, user + "-handle");
    }

    private static void token(String user, String device, String handle) throws Exception {
        RUNNING.client().expect(user, "POST", "/v1/push/tokens", "{\"platform\":\"webhook\",\"token\":\"" + handle
                + "\",\"app_id\":\"kchat-e2e\",\"device_id\":\"" + device + "\"}", 202);
    }

    private static String create(String user, String body) throws Exception {
        PlatformClient.Answer a = RUNNING.client().call(user, "POST", "/v1/conversations", body, true, null);
        assertThat(a.status()).as("%s", a.body()).isEqualTo(201);
        return a.body().get("conversation_id").asText();
    }

    private static void send(String user, String conversation, String clientMsgId, String text) throws Exception {
        RUNNING.client().expect(user, "POST", "/v1/conversations/" + conversation + "/messages",
                "{\"client_msg_id\":\"" + clientMsgId + "\",\"body\":\"" + text + "\"}", 202);
    }

    /** Waits until {@code presence.sessions} has an event of {@code user} that {@code matches}. */
    private static void awaitSession(String user, Predicate<SessionEvent> matches) {
        awaitRecord(RUNNING.platform().topics().presenceSessions(), user, matches);
    }

    /** Waits until a user-keyed topic has a record of {@code user} that {@code matches}. */
    private static <V> void awaitRecord(Topic<String, V> topic, String user, Predicate<V> matches) {
        try (KafkaConsumer<String, V> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, RUNNING.platform().bootstrapServers()),
                new StringDeserializer(), topic.valueSerde().deserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic.name()).stream()
                    .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            await().atMost(DEADLINE).until(() -> {
                for (ConsumerRecord<String, V> r : consumer.poll(Duration.ofMillis(200))) {
                    if (user.equals(r.key()) && matches.test(r.value())) {
                        return true;
                    }
                }
                return false;
            });
        }
    }

    /**
     * A webhook receiver: checks each request's signature and keeps the pushes in arrival order; a
     * push to a handle ending {@code -gone} is answered 410 (the device is gone) and kept apart.
     */
    static final class Receiver implements AutoCloseable {

        private final HttpServer server;
        private final List<JsonNode> pushes = new ArrayList<>();
        private final List<JsonNode> refused = new ArrayList<>();
        private int badSignatures;

        private Receiver(HttpServer server) {
            this.server = server;
        }

        static Receiver start() {
            try {
                HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
                Receiver receiver = new Receiver(server);
                server.createContext("/push", exchange -> {
                    int status;
                    try (InputStream in = exchange.getRequestBody()) {
                        status = receiver.take(in.readAllBytes(), exchange.getRequestHeaders().getFirst(WebhookSignature.TIMESTAMP_HEADER),
                                exchange.getRequestHeaders().getFirst(WebhookSignature.SIGNATURE_HEADER),
                                exchange.getRequestHeaders().getFirst(WebhookSignature.PUSH_ID_HEADER));
                    }
                    exchange.sendResponseHeaders(status, -1);
                    exchange.close();
                });
                server.start();
                return receiver;
            } catch (IOException e) {
                throw new IllegalStateException("cannot start the webhook receiver", e);
            }
        }

        /** Keeps a push and says the status to answer. */
        private synchronized int take(byte[] body, String timestamp, String signature, String pushId) throws IOException {
            if (!WebhookSignature.verify(SECRET.getBytes(StandardCharsets.UTF_8), timestamp, body, signature,
                    Instant.now().getEpochSecond(), 300)) {
                badSignatures++;
                return 204;
            }
            JsonNode push = JSON.readTree(body);
            if (!push.get("push_id").asText().equals(pushId)) {
                badSignatures++;
                return 204;
            }
            if (push.get("token").asText().endsWith("-gone")) {
                refused.add(push);
                return 410;
            }
            pushes.add(push);
            return 204;
        }

        String url() {
            return "http://127.0.0.1:" + server.getAddress().getPort() + "/push";
        }

        synchronized List<JsonNode> pushesFor(String user) {
            return pushes.stream().filter(p -> p.get("user_id").asText().equals(user)).toList();
        }

        synchronized List<JsonNode> refusedFor(String user) {
            return refused.stream().filter(p -> p.get("user_id").asText().equals(user)).toList();
        }

        synchronized int badSignatures() {
            return badSignatures;
        }

        @Override
        public void close() {
            server.stop(0);
        }
    }
}
