package dev.kchat.store.sink;

import static dev.kchat.store.TestEvents.created;
import static dev.kchat.store.TestEvents.delivered;
import static dev.kchat.store.TestEvents.edited;
import static dev.kchat.store.TestEvents.posted;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.kchat.events.chat.ConversationEvent;
import dev.kchat.events.common.ConversationKind;
import dev.kchat.events.platform.ProcessingError;
import dev.kchat.schemas.topic.Topics;
import dev.kchat.store.TestEvents;
import dev.kchat.store.TestStore;
import dev.kchat.store.read.ChatRepository;
import dev.kchat.store.read.HistoryReader.Direction;
import dev.kchat.store.read.HistoryReader.Order;
import dev.kchat.store.read.StoredEvent;
import dev.kchat.store.sink.SinkTestKafka.RunningSink;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The sink end to end: a real Kafka broker, the real local CQL server. */
class StoreSinkTest {

    private static final Duration DEADLINE = SinkTestKafka.DEADLINE;
    private static SinkTestKafka kafka;
    private static Topics topics;
    private static TestEvents events;

    @BeforeAll
    static void startBroker() {
        kafka = SinkTestKafka.start();
        topics = kafka.topics;
        events = kafka.events;
    }

    @AfterAll
    static void stopBroker() {
        if (kafka != null) {
            kafka.close();
        }
    }

    @Test
    void shouldSendAPoisonRecordToTheErrorTopicWhileStoringTheRecordsAfterIt() throws Exception {
        // Given a running sink
        String keyspace = TestStore.newKeyspace("sink");
        ChatRepository repository = new ChatRepository(TestStore.session(), keyspace);
        try (RunningSink sink = kafka.sink(keyspace, "sink-poison")) {

            // When the log carries two events, an undecodable record, then more events and an inbox entry
            String c = "g-poison";
            log(created(c, ConversationKind.GROUP, "alice", "bob"));
            log(posted(c, 2, "alice", "before the poison"));
            byte[] poison = "definitely not avro".getBytes(StandardCharsets.UTF_8);
            RecordMetadata poisoned = send(topics.conversationLog().name(), c, poison);
            log(posted(c, 3, "bob", "after the poison"));
            log(edited(c, 4, "alice", 2, "edited after the poison"));
            var entry = delivered("bob", 1, posted(c, 3, "bob", "after the poison"));
            send(topics.inbox().name(), "bob", events.bytes(entry));

            // Then the records after the poison are stored
            await().atMost(DEADLINE).untilAsserted(() -> {
                assertThat(repository.history(c, Direction.AFTER, 0, 50, Order.OLDEST_FIRST).events())
                        .extracting(StoredEvent::seq).containsExactly(1L, 2L, 3L, 4L);
                assertThat(repository.event(c, 2).orElseThrow().body()).isEqualTo("edited after the poison");
                assertThat(repository.sync("bob", 0, 10).entries()).hasSize(1);
            });

            // And the poison is on the error topic with its coordinates, bytes and cause, and nothing else is
            List<ConsumerRecord<String, ProcessingError>> errors = readErrors(1);
            ProcessingError error = errors.get(0).value();
            assertThat(errors.get(0).key()).isEqualTo(StoreSink.APP_ID);
            assertThat(error.getAppId()).isEqualTo(StoreSink.APP_ID);
            assertThat(error.getSourceTopic()).isEqualTo(topics.conversationLog().name());
            assertThat(error.getSourceOffset()).isEqualTo(poisoned.offset());
            assertThat(error.getValue()).isEqualTo(ByteBuffer.wrap(poison));
            assertThat(error.getErrorClass()).isEqualTo("org.apache.kafka.common.errors.SerializationException");

            // And the offsets are committed past every record, the poison included
            await().atMost(DEADLINE).untilAsserted(() ->
                    assertThat(committed("sink-poison")).isEqualTo(endOffsets()));

            // And outcomes, write latency and lag are measured under their stable names (docs/operations.md)
            assertThat(sink.metrics.scrape())
                    .contains("kchat_sink_records_total{outcome=\"error_topic\"} 1.0")
                    .contains("kchat_sink_batch_seconds_bucket{le=")
                    .contains("kchat_consumer_lag_records{topic=\"chat.conversation.log\"}");
        }
    }

    @Test
    void shouldChangeNothingWhenASecondGroupReplaysTheTopics() throws Exception {
        // Given a sink that stored a conversation
        String keyspace = TestStore.newKeyspace("sinkreplay");
        String c = "g-replay";
        log(created(c, ConversationKind.GROUP, "carol", "dave"));
        for (long seq = 2; seq <= 30; seq++) {
            log(seq % 7 == 0 ? edited(c, seq, "carol", seq - 1, "edit " + seq) : posted(c, seq, "dave", "msg " + seq));
        }
        try (RunningSink first = kafka.sink(keyspace, "sink-replay-1")) {
            await().atMost(DEADLINE).untilAsserted(() -> assertThat(committed("sink-replay-1")).isEqualTo(endOffsets()));
        }
        List<String> before = TestStore.snapshot(keyspace, "messages_by_conversation");

        // When another consumer group reads every record again into the same store
        try (RunningSink second = kafka.sink(keyspace, "sink-replay-2")) {
            await().atMost(DEADLINE).untilAsserted(() -> assertThat(committed("sink-replay-2")).isEqualTo(endOffsets()));
        }

        // Then the rows are identical
        assertThat(TestStore.snapshot(keyspace, "messages_by_conversation")).isEqualTo(before).isNotEmpty();
    }

    @Test
    void shouldStoreTheFriendGraphPostsAndFeedsOfMomentsForTheRepository() throws Exception {
        // Given
        String keyspace = TestStore.newKeyspace("sinkmoments");
        java.time.Instant t0 = java.time.Instant.parse("2026-03-01T10:00:00Z");
        for (String[] side : new String[][] {{"m-alice", "m-bob"}, {"m-bob", "m-alice"}}) {
            send(topics.socialGraph(), side[0], dev.kchat.events.social.SocialGraphEvent.newBuilder().setUserId(side[0])
                    .setOtherUserId(side[1]).setAt(t0).setEvent(new dev.kchat.events.social.FriendAdded()).build());
        }
        send(topics.momentsEvents(), "m-bob", dev.kchat.events.social.MomentEvent.newBuilder().setEventId("e1").setPostId("mp1")
                .setAuthorId("m-bob").setActorId("m-bob").setAt(t0.plusSeconds(1))
                .setEvent(dev.kchat.events.social.PostCreated.newBuilder().setText("hello moments").build()).build());
        send(topics.momentsEvents(), "m-bob", dev.kchat.events.social.MomentEvent.newBuilder().setEventId("e2").setPostId("mp1")
                .setAuthorId("m-bob").setActorId("m-alice").setAt(t0.plusSeconds(2))
                .setEvent(new dev.kchat.events.social.PostLiked()).build());
        send(topics.momentsFeed(), "m-alice", dev.kchat.events.social.FeedEntry.newBuilder().setViewerId("m-alice")
                .setPostId("mp1").setAuthorId("m-bob").setPostedAt(t0.plusSeconds(1)).build());

        // When
        try (RunningSink sink = kafka.sink(keyspace, "sink-moments")) {
            // Then
            dev.kchat.store.moments.MomentsRepository repository = new dev.kchat.store.moments.MomentsRepository(
                    TestStore.session(), keyspace, dev.kchat.moments.MomentsConfig.defaults());
            await().atMost(DEADLINE).untilAsserted(() -> {
                var page = repository.feed("m-alice", java.util.Optional.empty(), 10);
                assertThat(page.posts()).hasSize(1);
                assertThat(page.posts().get(0).text()).isEqualTo("hello moments");
                assertThat(page.posts().get(0).likes()).extracting(dev.kchat.store.moments.MomentsRepository.Like::actorId)
                        .containsExactly("m-alice");
            });
            assertThat(repository.friends("m-bob")).extracting(dev.kchat.store.moments.MomentsRepository.Friend::userId)
                    .containsExactly("m-alice");
        }
    }

    @Test
    void shouldStoreAUsersPushDevicesAndTheirOutcomes() throws Exception {
        // Given: ann registered a phone, and two pushes to it were delivered
        String keyspace = TestStore.newKeyspace("sinkpush");
        java.time.Instant t0 = java.time.Instant.now().minusSeconds(60);
        send(topics.pushSettings(), "p-ann", dev.kchat.events.push.PushSettingsEvent.newBuilder().setUserId("p-ann").setAt(t0)
                .setEvent(dev.kchat.events.push.PushTokenRegistered.newBuilder().setDeviceId("phone")
                        .setPlatform(dev.kchat.events.push.PushPlatform.WEBHOOK).setToken("ann-handle").setAppId("kchat").build())
                .build());
        send(topics.pushOutcomes(), "p-ann", outcome("push-1", t0.plusSeconds(1)));
        send(topics.pushOutcomes(), "p-ann", outcome("push-2", t0.plusSeconds(2)));

        // When
        try (RunningSink sink = kafka.sink(keyspace, "sink-push")) {
            // Then: the phone shows the later push's outcome, both counted
            dev.kchat.store.push.PushDeviceRepository repository = new dev.kchat.store.push.PushDeviceRepository(
                    TestStore.session(), keyspace);
            await().atMost(DEADLINE).untilAsserted(() -> assertThat(repository.devices("p-ann")).singleElement()
                    .satisfies(d -> {
                        assertThat(d.deviceId()).isEqualTo("phone");
                        assertThat(d.platform()).isEqualTo("WEBHOOK");
                        assertThat(d.lastOutcome().orElseThrow().pushId()).isEqualTo("push-2");
                        assertThat(d.recent()).isEqualTo(Map.of("DELIVERED", 2));
                    }));
        }
    }

    private static dev.kchat.events.push.PushOutcome outcome(String pushId, java.time.Instant at) {
        return dev.kchat.events.push.PushOutcome.newBuilder().setPushId(pushId).setUserId("p-ann").setDeviceId("phone")
                .setPlatform(dev.kchat.events.push.PushPlatform.WEBHOOK).setStatus(dev.kchat.events.push.PushStatus.DELIVERED)
                .setAttempts(1).setDetail("HTTP 204").setAt(at).build();
    }

    private static <V> void send(dev.kchat.schemas.topic.Topic<String, V> topic, String key, V value) throws Exception {
        kafka.send(topic, key, value);
    }

    private static void log(ConversationEvent event) throws Exception {
        kafka.log(event);
    }

    private static RecordMetadata send(String topic, String key, byte[] value) throws ExecutionException, InterruptedException {
        return kafka.send(topic, key, value);
    }

    private static List<ConsumerRecord<String, ProcessingError>> readErrors(int expected) {
        return kafka.readErrors(expected);
    }

    private static Map<TopicPartition, Long> committed(String group) throws Exception {
        return kafka.committed(group);
    }

    private static Map<TopicPartition, Long> endOffsets() throws Exception {
        return kafka.endOffsets();
    }
}
