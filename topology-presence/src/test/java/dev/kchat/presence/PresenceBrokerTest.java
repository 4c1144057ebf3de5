package dev.kchat.presence;

import dev.kchat.localkafka.TopicReader;

import dev.kchat.api.presence.UserPresence;
import dev.kchat.api.presence.PresenceClient;

import static dev.kchat.presence.Sessions.closed;
import static dev.kchat.presence.Sessions.opened;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.kchat.events.presence.PresenceChanged;
import dev.kchat.events.presence.PresenceState;
import dev.kchat.events.presence.SessionEvent;
import dev.kchat.localkafka.KafkaBroker;
import dev.kchat.schemas.registry.InMemorySchemaRegistry;
import dev.kchat.schemas.topic.Topic;
import dev.kchat.schemas.topic.Topics;
import dev.kchat.service.Settings;
import dev.kchat.streams.StreamsAppSettings;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.state.HostInfo;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Presence on a real KRaft broker under exactly-once with two instances: session events go in,
 * {@code presence.changes} comes out, and {@code GET /presence} on either instance answers for
 * every user, including those whose partition the other instance holds.
 */
class PresenceBrokerTest {

    private static final Duration GRACE = Duration.ofSeconds(1);

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
    void shouldAnswerForEveryUserFromEitherInstanceAndPublishOfflineAfterTheGrace(@TempDir Path stateDir) throws Exception {
        // Given: two instances sharing the six partitions of presence.sessions
        Topics topics = Topics.create(new InMemorySchemaRegistry());
        broker.createTopics(topics);
        List<String> users = IntStream.range(0, 20).mapToObj(i -> String.format("u-%02d", i)).toList();
        try (KafkaProducer<String, SessionEvent> producer = producer(topics.presenceSessions());
                TopicReader<String, PresenceChanged> changes = new TopicReader<>(broker.bootstrapServers(), topics.presenceChanges());
                PresenceApp a = PresenceApp.start(config(stateDir.resolve("a"), "presence-it-a"), topics);
                PresenceApp b = PresenceApp.start(config(stateDir.resolve("b"), "presence-it-b"), topics)) {
            await().atMost(Duration.ofSeconds(90)).until(() -> a.state() == KafkaStreams.State.RUNNING
                    && b.state() == KafkaStreams.State.RUNNING && activeTasks(a) > 0 && activeTasks(b) > 0
                    && activeTasks(a) + activeTasks(b) == topics.presenceSessions().partitions());
            HostInfo hostB = new HostInfo("127.0.0.1", b.queryPort());
            List<String> onB = users.stream().filter(u -> a.streams()
                    .queryMetadataForKey(PresenceApp.USERS_STORE, u, new StringSerializer()).activeHost().equals(hostB)).toList();
            assertThat(onB).as("users held by b").isNotEmpty().hasSizeLessThan(users.size());

            // When: every user opens a session, u-00 on two devices
            Instant at = Instant.now().truncatedTo(ChronoUnit.MILLIS);
            users.forEach(u -> send(producer, opened(u, "phone/1", at)));
            send(producer, opened("u-00", "laptop/1", at));
            producer.flush();

            // Then: one ONLINE per user on presence.changes ...
            await().atMost(Duration.ofSeconds(60)).until(() -> changes.poll().size() >= users.size());
            assertThat(changes.values()).extracting(PresenceChanged::getUserId).containsExactlyInAnyOrderElementsOf(users);
            assertThat(changes.values()).extracting(PresenceChanged::getState).containsOnly(PresenceState.ONLINE);

            // ... and both instances answer for all of them (and for a user never seen)
            List<String> asked = new ArrayList<>(users);
            asked.add("nobody");
            Map<String, UserPresence> viaA = query(a, asked);
            Map<String, UserPresence> viaB = query(b, asked);
            assertThat(viaA.keySet()).containsExactlyElementsOf(asked);
            assertThat(viaB).isEqualTo(viaA);
            for (String user : users) {
                assertThat(viaA.get(user)).isEqualTo(new UserPresence(user, PresenceState.ONLINE, at, user.equals("u-00") ? 2 : 1));
            }
            assertThat(viaA.get("nobody")).isEqualTo(UserPresence.unknown("nobody"));

            // When: a user held by b closes their only session
            // (not u-00: closing one of its two devices leaves it online)
            String leaver = onB.stream().filter(u -> !u.equals("u-00")).findFirst().orElseThrow();
            Instant closedAt = at.plusSeconds(1);
            send(producer, closed(leaver, "phone/1", closedAt));
            producer.flush();

            // Then: OFFLINE after the grace, once, and a (through b) says so too
            await().atMost(Duration.ofSeconds(90)).until(() -> changes.poll().size() >= users.size() + 1);
            PresenceChanged offline = changes.values().get(users.size());
            assertThat(offline.getUserId()).isEqualTo(leaver);
            assertThat(offline.getState()).isEqualTo(PresenceState.OFFLINE);
            assertThat(offline.getLastActiveAt()).isEqualTo(closedAt);
            assertThat(Duration.between(at, offline.getChangedAt())).isGreaterThanOrEqualTo(GRACE);
            assertThat(query(a, List.of(leaver)).get(leaver)).isEqualTo(new UserPresence(leaver, PresenceState.OFFLINE, closedAt, 0));

            // And: a bad request is refused with a precise code
            HttpResponse<String> refused = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + a.queryPort() + "/presence?users=u-01,bad%20id")).GET().build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(refused.statusCode()).isEqualTo(400);
            assertThat(refused.body()).contains("\"code\":\"invalid_user_id\"").contains("'bad id' is not a user id");
            Thread.sleep(GRACE.multipliedBy(3).toMillis());
            assertThat(changes.poll()).as("nothing more published").hasSize(users.size() + 1);
        }
    }

    /** Queries an instance, retrying while it answers 503 (e.g. the other one is rebalancing). */
    private static Map<String, UserPresence> query(PresenceApp app, List<String> users) {
        PresenceClient client = new PresenceClient(URI.create("http://127.0.0.1:" + app.queryPort()), Duration.ofSeconds(5));
        return await().atMost(Duration.ofSeconds(30)).ignoreExceptionsInstanceOf(PresenceClient.QueryException.class)
                .until(() -> client.query(users), answer -> answer.size() == users.size());
    }

    private static int activeTasks(PresenceApp app) {
        return app.streams().metadataForLocalThreads().stream().mapToInt(t -> t.activeTasks().size()).sum();
    }

    private static PresenceConfig config(Path stateDir, String instanceId) {
        return PresenceConfig.from(Settings.of(Map.of(
                StreamsAppSettings.BOOTSTRAP_SERVERS, broker.bootstrapServers(),
                PresenceConfig.KEYS.applicationId(), "presence-it",
                PresenceConfig.KEYS.stateDir(), stateDir.toString(),
                PresenceConfig.KEYS.adminPort(), "0",
                PresenceConfig.QUERY_PORT, "0",
                PresenceConfig.OFFLINE_GRACE, GRACE.toMillis() + "ms",
                PresenceConfig.PUNCTUATE_INTERVAL, "200ms",
                PresenceConfig.KEYS.startTimeout(), "90s",
                // Static membership: a closed instance leaves at once (see docs/topologies.md).
                PresenceConfig.KEYS.streamsPrefix() + "group.instance.id", instanceId)));
    }

    private static KafkaProducer<String, SessionEvent> producer(Topic<String, SessionEvent> topic) {
        return new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers(),
                ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true,
                // One request at a time per partition: a first batch refused with NOT_LEADER_OR_FOLLOWER
                // while a new topic's partitions come up is retried before the next, instead of the
                // later batches failing OUT_OF_ORDER_SEQUENCE_NUMBER for minutes (seen in CI).
                ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, 1),
                topic.keySerde().serializer(), topic.valueSerde().serializer());
    }

    private static void send(KafkaProducer<String, SessionEvent> producer, SessionEvent event) {
        producer.send(new ProducerRecord<>(Topics.PRESENCE_SESSIONS, event.getUserId(), event));
    }
}
