package dev.kchat.push;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kchat.events.chat.ConversationEvent;
import dev.kchat.events.chat.InboxEntry;
import dev.kchat.events.chat.MessagePosted;
import dev.kchat.events.push.PushOutcome;
import dev.kchat.events.push.PushPlatform;
import dev.kchat.events.push.PushSettingsEvent;
import dev.kchat.events.push.PushStatus;
import dev.kchat.events.push.PushTokenRegistered;
import dev.kchat.events.push.PushTokenRemoved;
import dev.kchat.events.push.TokenRemovalReason;
import dev.kchat.localkafka.KafkaBroker;
import dev.kchat.localkafka.TopicReader;
import dev.kchat.push.decide.DeciderConfig;
import dev.kchat.push.deliver.DeliveryConfig;
import dev.kchat.push.deliver.WebhookSignature;
import dev.kchat.schemas.registry.InMemorySchemaRegistry;
import dev.kchat.schemas.topic.Topic;
import dev.kchat.schemas.topic.Topics;
import dev.kchat.service.Settings;
import com.sun.net.httpserver.HttpServer;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The gateway on a real KRaft broker, decider and delivery side together, with a real webhook
 * receiver that answers 410 for one device's handle: the invalid token's outcome and its removal
 * are events, the decider stops pushing to it, and a token registered afterwards gets pushes.
 */
class PushGatewayBrokerTest {

    private static final String SECRET = "broker-test-secret";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static KafkaBroker broker;

    @BeforeAll
    static void startBroker() {
        broker = KafkaBroker.startTemporary();
    }

    @AfterAll
    static void stopBroker() {
        broker.close();
    }

    @Test
    void shouldRemoveATokenTheReceiverReportsGoneAndPushToTheNextOne(@TempDir Path stateDir) throws Exception {
        // Given: a receiver that knows every handle but "gone", and the gateway with its webhook
        List<String> received = new CopyOnWriteArrayList<>();
        HttpServer receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        receiver.createContext("/push", exchange -> {
            try (InputStream in = exchange.getRequestBody()) {
                byte[] body = in.readAllBytes();
                boolean signed = WebhookSignature.verify(SECRET.getBytes(StandardCharsets.UTF_8),
                        exchange.getRequestHeaders().getFirst(WebhookSignature.TIMESTAMP_HEADER), body,
                        exchange.getRequestHeaders().getFirst(WebhookSignature.SIGNATURE_HEADER), Instant.now().getEpochSecond(), 300);
                String token = JSON.readTree(body).get("token").asText();
                received.add(signed ? token : "unsigned");
                exchange.sendResponseHeaders(token.equals("gone") ? 410 : 204, -1);
            }
            exchange.close();
        });
        receiver.start();
        Topics topics = Topics.create(new InMemorySchemaRegistry());
        broker.createTopics(topics);
        Settings settings = Settings.of(Map.ofEntries(
                Map.entry("kafka.bootstrap.servers", broker.bootstrapServers()),
                Map.entry(DeciderConfig.KEYS.applicationId(), "push-it"),
                Map.entry(DeciderConfig.KEYS.stateDir(), stateDir.toString()),
                Map.entry(DeciderConfig.KEYS.adminPort(), "0"),
                Map.entry(DeciderConfig.COLLAPSE_WINDOW, "300ms"),
                Map.entry(DeliveryConfig.ADMIN_PORT, "0"),
                Map.entry(DeliveryConfig.INSTANCE_ID, "it"),
                Map.entry(DeliveryConfig.WEBHOOK_URL, "http://127.0.0.1:" + receiver.getAddress().getPort() + "/push"),
                Map.entry(DeliveryConfig.WEBHOOK_SECRET, SECRET)));
        try (KafkaProducer<String, Object> producer = producer(topics);
                TopicReader<String, PushOutcome> outcomes = new TopicReader<>(broker.bootstrapServers(), topics.pushOutcomes());
                TopicReader<String, PushSettingsEvent> settingsTopic = new TopicReader<>(broker.bootstrapServers(), topics.pushSettings());
                PushGateway gateway = PushGateway.start(DeciderConfig.from(settings), DeliveryConfig.from(settings), topics)) {
            send(producer, topics.pushSettings(), token("dan", "gone"));

            // When: a message reaches dan, whose only device's handle is gone
            send(producer, topics.inbox(), message("dan", 1, "first"));

            // Then: the outcome says so and the token is removed, as events
            await().atMost(Duration.ofSeconds(60)).until(() -> !outcomes.poll().isEmpty());
            PushOutcome gone = outcomes.values().get(0);
            assertThat(gone.getStatus()).isEqualTo(PushStatus.TOKEN_INVALID);
            assertThat(gone.getDetail()).isEqualTo("HTTP 410");
            assertThat(gone.getAttempts()).isEqualTo(1);
            await().atMost(Duration.ofSeconds(30)).until(() -> settingsTopic.poll().stream()
                    .anyMatch(r -> r.value().getEvent() instanceof PushTokenRemoved));
            PushTokenRemoved removed = settingsTopic.values().stream().map(PushSettingsEvent::getEvent)
                    .filter(PushTokenRemoved.class::isInstance).map(PushTokenRemoved.class::cast).findFirst().orElseThrow();
            assertThat(removed.getReason()).isEqualTo(TokenRemovalReason.INVALID);
            assertThat(removed.getToken()).isEqualTo("gone");
            assertThat(removed.getDeviceId()).isEqualTo("phone");

            // When: another message comes while dan has no token, then he registers a new one and gets a third
            send(producer, topics.inbox(), message("dan", 2, "nobody to tell"));
            send(producer, topics.pushSettings(), token("dan", "fresh"));
            send(producer, topics.inbox(), message("dan", 3, "third"));

            // Then: the receiver saw the gone handle once and the fresh one once, nothing in between
            await().atMost(Duration.ofSeconds(60)).until(() -> outcomes.poll().size() >= 2);
            assertThat(outcomes.values()).extracting(PushOutcome::getStatus).containsExactly(PushStatus.TOKEN_INVALID, PushStatus.DELIVERED);
            assertThat(received).containsExactly("gone", "fresh");
            String metrics = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + gateway.deliveryAdminPort() + "/metrics")).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
            assertThat(metrics.lines().filter(l -> l.startsWith("kchat_push_outcomes_total{")))
                    .anySatisfy(l -> assertThat(l).contains("status=\"TOKEN_INVALID\"").endsWith(" 1.0"))
                    .anySatisfy(l -> assertThat(l).contains("status=\"DELIVERED\"").endsWith(" 1.0"));
        } finally {
            receiver.stop(0);
        }
    }

    private static PushSettingsEvent token(String user, String handle) {
        return PushSettingsEvent.newBuilder().setUserId(user).setAt(Instant.now())
                .setEvent(PushTokenRegistered.newBuilder().setDeviceId("phone").setPlatform(PushPlatform.WEBHOOK).setToken(handle)
                        .setAppId("it").build()).build();
    }

    private static InboxEntry message(String user, long inboxSeq, String body) {
        ConversationEvent event = ConversationEvent.newBuilder().setConversationId("d:ann:" + user).setSeq(inboxSeq + 1)
                .setEventId("e-" + inboxSeq).setActorId("ann").setOccurredAt(Instant.now())
                .setPayload(MessagePosted.newBuilder().setMessageId("m-" + inboxSeq).setClientMsgId("c-" + inboxSeq).setBody(body).build())
                .build();
        return InboxEntry.newBuilder().setUserId(user).setInboxSeq(inboxSeq).setConversationId("d:ann:" + user)
                .setConvSeq(inboxSeq + 1).setCreatedAt(Instant.now()).setItem(event).build();
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private static KafkaProducer<String, Object> producer(Topics topics) {
        return new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()),
                new org.apache.kafka.common.serialization.StringSerializer(),
                (org.apache.kafka.common.serialization.Serializer) (topic, value) -> ((org.apache.kafka.common.serialization.Serializer)
                        topics.byName(topic).valueSerde().serializer()).serialize(topic, value));
    }

    private static <V> void send(KafkaProducer<String, Object> producer, Topic<String, V> topic, V value) throws Exception {
        String key = value instanceof InboxEntry e ? e.getUserId() : ((PushSettingsEvent) value).getUserId();
        producer.send(new ProducerRecord<>(topic.name(), key, value)).get();
    }
}
