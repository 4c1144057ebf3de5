package dev.kchat.store.sink;

import static dev.kchat.store.TestEvents.created;
import static dev.kchat.store.TestEvents.delivered;
import static dev.kchat.store.TestEvents.posted;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.kchat.events.chat.ConversationEvent;
import dev.kchat.events.common.ConversationKind;
import dev.kchat.events.platform.ProcessingError;
import dev.kchat.store.TestStore;
import dev.kchat.store.read.ChatRepository;
import dev.kchat.store.read.HistoryReader.Direction;
import dev.kchat.store.read.HistoryReader.Order;
import dev.kchat.store.read.StoredEvent;
import dev.kchat.store.sink.SinkTestKafka.RunningSink;
import dev.kchat.store.write.ReplicaSetBatcher;
import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The sink's batches shared by many records (one replica set: the local CQL server is one node), end to
 * end: a real Kafka broker per test (a sink reads its topics from the start, error topic included), the
 * real local CQL server. Every test writes its records before the sink starts, so that one poll reads
 * them all.
 */
class SharedBatchesSinkTest {

    private static final long MESSAGES = 6;
    private SinkTestKafka kafka;

    @BeforeEach
    void startBroker() {
        kafka = SinkTestKafka.start();
    }

    @AfterEach
    void stopBroker() {
        if (kafka != null) {
            kafka.close();
        }
    }

    @Test
    void shouldStoreEveryRecordOfAPolledBatchSpanningManyPartitions() throws Exception {
        // Given 30 conversations of 6 events each on the log, and their messages in a member's inbox:
        // 330 records in more than 100 partitions
        String keyspace = TestStore.newKeyspace("sinkshared");
        int records = 0;
        for (int c = 0; c < 30; c++) {
            records += conversation("g-many-" + c, "many-a" + c, "many-b" + c);
        }

        // When a sink with the default settings (shared batches on) stores them
        try (RunningSink sink = kafka.sink(keyspace, "sink-many")) {
            await().atMost(SinkTestKafka.DEADLINE).untilAsserted(() -> assertThat(kafka.committed("sink-many"))
                    .isEqualTo(kafka.endOffsets()));

            // Then every history, inbox and conversation list is complete
            ChatRepository repository = new ChatRepository(TestStore.session(), keyspace);
            for (int c = 0; c < 30; c++) {
                assertThat(repository.history("g-many-" + c, Direction.AFTER, 0, 50, Order.OLDEST_FIRST).events())
                        .extracting(StoredEvent::seq).containsExactly(1L, 2L, 3L, 4L, 5L, 6L);
                assertThat(repository.sync("many-b" + c, 0, 50).entries()).hasSize((int) MESSAGES - 1);
                assertThat(repository.conversations("many-b" + c, 10)).singleElement()
                        .satisfies(v -> assertThat(v.lastSeq()).isEqualTo(MESSAGES));
            }
            // And every record counts as stored, none as an error
            assertThat(sink.metrics.scrape())
                    .contains("kchat_sink_records_total{outcome=\"stored\"} " + records + ".0")
                    .contains("kchat_sink_records_total{outcome=\"error_topic\"} 0.0");
        }
    }

    @Test
    void shouldSendTheOneUnstorableRecordOfASharedBatchToTheErrorTopicAndStoreTheOthers() throws Exception {
        // Given ten conversations on the log and, among them, a message the database refuses (its
        // conversation id is longer than a partition key may be), and a sink whose batches hold 10 statements
        String keyspace = TestStore.newKeyspace("sinkisolate");
        int records = 0;
        for (int c = 0; c < 5; c++) {
            records += conversation("g-iso-" + c, "iso-a" + c, "iso-b" + c);
        }
        ConversationEvent refused = posted("g-" + "x".repeat(70_000), 2, "iso-a0", "never stored");
        RecordMetadata bad = kafka.send(kafka.topics.conversationLog().name(), "g-too-long", kafka.events.bytes(refused));
        for (int c = 5; c < 10; c++) {
            records += conversation("g-iso-" + c, "iso-a" + c, "iso-b" + c);
        }
        SinkConfig tenPerBatch = kafka.config("sink-isolate").withBatching(true, new ReplicaSetBatcher.Limits(1 << 20, 10, 10));

        // When the sink stores them
        try (RunningSink sink = new RunningSink(kafka.topics, keyspace, tenPerBatch)) {
            await().atMost(SinkTestKafka.DEADLINE).untilAsserted(() -> assertThat(kafka.committed("sink-isolate"))
                    .isEqualTo(kafka.endOffsets()));

            // Then the refused record, and only it, is on the error topic, with the database's cause
            List<ConsumerRecord<String, ProcessingError>> errors = kafka.readErrors(1);
            assertThat(errors.get(0).value().getSourceOffset()).isEqualTo(bad.offset());
            assertThat(errors.get(0).value().getErrorClass())
                    .isEqualTo("com.datastax.oss.driver.api.core.servererrors.InvalidQueryException");

            // And every other record is stored
            ChatRepository repository = new ChatRepository(TestStore.session(), keyspace);
            for (int c = 0; c < 10; c++) {
                assertThat(repository.history("g-iso-" + c, Direction.AFTER, 0, 50, Order.OLDEST_FIRST).events())
                        .extracting(StoredEvent::seq).containsExactly(1L, 2L, 3L, 4L, 5L, 6L);
                assertThat(repository.sync("iso-b" + c, 0, 50).entries()).hasSize((int) MESSAGES - 1);
            }
            // And only the records of the failed shared batches were written again one by one
            String metrics = sink.metrics.scrape();
            assertThat(metrics)
                    .contains("kchat_sink_records_total{outcome=\"stored\"} " + records + ".0")
                    .contains("kchat_sink_records_total{outcome=\"error_topic\"} 1.0");
            Matcher fallbacks = Pattern.compile("kchat_sink_batch_fallbacks_total ([0-9.]+)").matcher(metrics);
            assertThat(fallbacks.find()).isTrue();
            assertThat(Double.parseDouble(fallbacks.group(1))).isBetween(1.0, records / 2.0);
        }
    }

    /** A group created by {@code a} with {@code b}, then messages 2..6 on the log and in b's inbox; returns the records sent. */
    private int conversation(String id, String a, String b) throws Exception {
        kafka.log(created(id, ConversationKind.GROUP, a, b));
        int sent = 1;
        for (long seq = 2; seq <= MESSAGES; seq++) {
            ConversationEvent message = posted(id, seq, a, "message " + seq + " in " + id);
            kafka.log(message);
            kafka.send(kafka.topics.inbox().name(), b, kafka.events.bytes(delivered(b, seq - 1, message)));
            sent += 2;
        }
        return sent;
    }
}
