package dev.kchat.store.sink;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.kchat.events.chat.ConversationEvent;
import dev.kchat.events.platform.ProcessingError;
import dev.kchat.localkafka.KafkaBroker;
import dev.kchat.schemas.registry.InMemorySchemaRegistry;
import dev.kchat.schemas.topic.Topic;
import dev.kchat.schemas.topic.Topics;
import dev.kchat.store.TestEvents;
import dev.kchat.store.TestStore;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * A test class's Kafka for the sink tests: a temporary broker with the platform's topics (one partition
 * each), and what the tests do with it: send records, read the error topic, compare committed offsets
 * with the chat topics' ends, run a sink.
 */
final class SinkTestKafka implements AutoCloseable {

    static final Duration DEADLINE = Duration.ofSeconds(60);
    private static final List<String> CHAT_TOPICS = List.of(Topics.CONVERSATION_LOG, Topics.INBOX);

    final KafkaBroker broker;
    final Topics topics;
    final TestEvents events;

    private SinkTestKafka(KafkaBroker broker, Topics topics) {
        this.broker = broker;
        this.topics = topics;
        this.events = new TestEvents(topics);
    }

    static SinkTestKafka start() {
        KafkaBroker broker = KafkaBroker.startTemporary();
        Topics topics = Topics.create(new InMemorySchemaRegistry(), 1, 1);
        broker.createTopics(topics);
        return new SinkTestKafka(broker, topics);
    }

    @Override
    public void close() {
        broker.close();
    }

    <V> RecordMetadata send(Topic<String, V> topic, String key, V value) throws Exception {
        return send(topic.name(), key, topic.valueSerde().serializer().serialize(topic.name(), value));
    }

    RecordMetadata log(ConversationEvent event) throws Exception {
        return send(topics.conversationLog().name(), event.getConversationId(), events.bytes(event));
    }

    RecordMetadata send(String topic, String key, byte[] value) throws ExecutionException, InterruptedException {
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()), new StringSerializer(), new ByteArraySerializer())) {
            return producer.send(new ProducerRecord<>(topic, key, value)).get();
        }
    }

    /** Every record of the error topic, once {@code expected} have arrived; fails if there are more. */
    List<ConsumerRecord<String, ProcessingError>> readErrors(int expected) {
        try (KafkaConsumer<String, ProcessingError> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()),
                new StringDeserializer(), topics.errors().valueSerde().deserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(topics.errors().name()).stream()
                    .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            List<ConsumerRecord<String, ProcessingError>> out = new ArrayList<>();
            await().atMost(DEADLINE).until(() -> {
                consumer.poll(Duration.ofMillis(200)).forEach(out::add);
                return out.size() >= expected;
            });
            // No more records than expected.
            consumer.poll(Duration.ofSeconds(1)).forEach(out::add);
            assertThat(out).hasSize(expected);
            return out;
        }
    }

    /** The group's committed offsets on the chat topics (other tests' topics share the broker). */
    Map<TopicPartition, Long> committed(String group) throws Exception {
        Map<TopicPartition, OffsetAndMetadata> offsets;
        try (Admin admin = broker.admin()) {
            offsets = admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get();
        }
        Map<TopicPartition, Long> out = new HashMap<>();
        offsets.forEach((tp, om) -> {
            if (CHAT_TOPICS.contains(tp.topic())) {
                out.put(tp, om.offset());
            }
        });
        return out;
    }

    /** The end offsets of the chat topics that have records. */
    Map<TopicPartition, Long> endOffsets() throws Exception {
        Map<TopicPartition, OffsetSpec> request = new HashMap<>();
        for (String topic : CHAT_TOPICS) {
            request.put(new TopicPartition(topic, 0), OffsetSpec.latest());
        }
        Map<TopicPartition, Long> out = new HashMap<>();
        try (Admin admin = broker.admin()) {
            admin.listOffsets(request).all().get().forEach((tp, info) -> {
                if (info.offset() > 0) {
                    out.put(tp, info.offset());
                }
            });
        }
        return out;
    }

    /** The sink's default settings for this broker, in {@code group}, with short retry waits. */
    SinkConfig config(String group) {
        return SinkConfig.defaults(broker.bootstrapServers()).withGroupId(group)
                .withBackoff(Duration.ofMillis(50), Duration.ofSeconds(1));
    }

    /** A sink with the default settings in {@code group}, storing into {@code keyspace}. */
    RunningSink sink(String keyspace, String group) {
        return new RunningSink(topics, keyspace, config(group));
    }

    /** A sink on its own thread, closed (and joined) at the end of a test. */
    static final class RunningSink implements AutoCloseable {
        private final StoreSink sink;
        private final Thread thread;
        final PrometheusMeterRegistry metrics = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);

        RunningSink(Topics topics, String keyspace, SinkConfig config) {
            sink = StoreSink.create(config, topics, TestStore.session(), keyspace, metrics);
            thread = new Thread(sink::run, "sink-" + config.groupId());
            thread.start();
        }

        @Override
        public void close() throws InterruptedException {
            sink.close();
            thread.join(Duration.ofSeconds(30).toMillis());
            assertThat(thread.isAlive()).isFalse();
        }
    }
}
