package dev.kchat.moments;

import static dev.kchat.moments.MomentsFixtures.added;
import static dev.kchat.moments.MomentsFixtures.liked;
import static dev.kchat.moments.MomentsFixtures.postCreated;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.kchat.events.chat.InboxEntry;
import dev.kchat.events.social.FeedEntry;
import dev.kchat.events.social.MomentEvent;
import dev.kchat.events.social.MomentNotification;
import dev.kchat.events.social.SocialGraphEvent;
import dev.kchat.localkafka.KafkaBroker;
import dev.kchat.localkafka.TopicReader;
import dev.kchat.schemas.registry.InMemorySchemaRegistry;
import dev.kchat.schemas.topic.Topic;
import dev.kchat.schemas.topic.Topics;
import dev.kchat.service.Settings;
import dev.kchat.streams.StreamsAppSettings;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** MomentsApp on a real KRaft broker under exactly-once: friends, a post and a like, in and out. */
class MomentsBrokerTest {

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
    void shouldPushAFriendsPostAndNotifyTheAuthorOfALike(@TempDir Path stateDir) {
        // Given
        Topics topics = Topics.create(new InMemorySchemaRegistry());
        broker.createTopics(topics);
        try (KafkaProducer<String, SocialGraphEvent> graph = producer(topics.socialGraph());
                KafkaProducer<String, MomentEvent> events = producer(topics.momentsEvents());
                TopicReader<String, FeedEntry> feed = new TopicReader<>(broker.bootstrapServers(), topics.momentsFeed());
                TopicReader<String, InboxEntry> notifications = new TopicReader<>(broker.bootstrapServers(), topics.momentsNotifications());
                MomentsApp app = MomentsApp.start(config(stateDir), topics)) {
            assertThat(app.state()).isEqualTo(KafkaStreams.State.RUNNING);

            // When
            graph.send(new ProducerRecord<>(topics.socialGraph().name(), "alice", added("alice", "bob", 1)));
            graph.send(new ProducerRecord<>(topics.socialGraph().name(), "bob", added("bob", "alice", 1)));
            graph.flush();
            events.send(new ProducerRecord<>(topics.momentsEvents().name(), "alice", postCreated("p1", "alice", 10)));
            events.send(new ProducerRecord<>(topics.momentsEvents().name(), "alice", liked("p1", "alice", "bob")));
            events.flush();

            // Then
            await().atMost(Duration.ofSeconds(60)).until(() -> {
                feed.poll();
                notifications.poll();
                return feed.values().size() >= 2 && !notifications.values().isEmpty();
            });
            assertThat(feed.values()).extracting(FeedEntry::getViewerId).containsExactlyInAnyOrder("alice", "bob");
            assertThat(notifications.values()).singleElement().satisfies(n -> {
                assertThat(n.getUserId()).isEqualTo("alice");
                assertThat(n.getInboxSeq()).isZero();
                assertThat(((MomentNotification) n.getItem()).getActorId()).isEqualTo("bob");
                // Counted after the repartition by recipient, which the app created on the broker
                assertThat(((MomentNotification) n.getItem()).getUnread()).isEqualTo(1);
            });
        }
    }

    private static MomentsAppConfig config(Path stateDir) {
        return MomentsAppConfig.from(Settings.of(Map.of(
                StreamsAppSettings.BOOTSTRAP_SERVERS, broker.bootstrapServers(),
                MomentsAppConfig.KEYS.applicationId(), "moments-it",
                MomentsAppConfig.KEYS.stateDir(), stateDir.toString(),
                MomentsAppConfig.KEYS.adminPort(), "0",
                MomentsAppConfig.KEYS.startTimeout(), "90s")));
    }

    private static <V> KafkaProducer<String, V> producer(Topic<String, V> topic) {
        return new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers(),
                ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true,
                ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, 1),
                topic.keySerde().serializer(), topic.valueSerde().serializer());
    }
}
