package dev.kchat.deploy;

import static org.awaitility.Awaitility.await;

import dev.kchat.localkafka.KafkaBroker;
import dev.kchat.schemas.registry.InMemorySchemaRegistry;
import dev.kchat.schemas.topic.Topics;
import dev.kchat.service.Settings;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * A real KRaft broker with the platform's topics, and fanout's state seeded by hand as Kafka
 * Streams would have left it, for {@link FanoutStateMigrationTest}. Each test takes fresh
 * application ids ({@link #fresh()}), so the tests share the broker and the platform's topics.
 */
final class FanoutStateFixture implements AutoCloseable {

    private final KafkaBroker broker = KafkaBroker.startTemporary();
    private final Admin admin;
    private final int partitions;
    private final AtomicInteger runs = new AtomicInteger();

    /** Starts the broker and creates the platform's topics, each with {@code partitions}. */
    FanoutStateFixture(int partitions) {
        this.partitions = partitions;
        broker.createTopics(Topics.create(new InMemorySchemaRegistry(), partitions, partitions));
        admin = broker.admin();
    }

    Admin admin() {
        return admin;
    }

    String bootstrapServers() {
        return broker.bootstrapServers();
    }

    Apps fresh() {
        int n = runs.incrementAndGet();
        return new Apps("kchat-fanout-" + n, "kchat-routing-" + n, broker.bootstrapServers());
    }

    /** The two application ids of one test and the cluster: the tool's settings and the topic names. */
    record Apps(String fanout, String routing, String bootstrapServers) {

        MigrateFanoutStateConfig config() {
            return MigrateFanoutStateConfig.from(settings());
        }

        Settings settings() {
            return Settings.of(Map.of(
                    MigrateFanoutStateConfig.BOOTSTRAP_SERVERS, bootstrapServers,
                    MigrateFanoutStateConfig.FANOUT_APPLICATION_ID, fanout,
                    MigrateFanoutStateConfig.ROUTING_APPLICATION_ID, routing,
                    MigrateFanoutStateConfig.TIMEOUT, "30s"));
        }

        String source(String store) {
            return fanout + "-" + store + "-changelog";
        }

        String target(String store) {
            return routing + "-" + store + "-changelog";
        }

        String repartition() {
            return fanout + "-fanout-by-user-repartition";
        }
    }

    /**
     * Fanout's state as a stopped, drained fanout leaves it: each receipt changelog (created
     * compacted, as Kafka Streams creates it) gets per partition 5 records in a committed transaction
     * (the first with a header), an aborted transaction, then 2 more committed, the second a tombstone;
     * the log, chat.command.results and the repartition get records, and fanout's group committed
     * offsets at their ends (on the log before the last transaction marker, as a Streams task that
     * stopped before fetching the marker commits). Returns once every seeded transaction is complete
     * (its markers written), so the ends it read are the ends the migration sees.
     */
    void seedFanout(Apps apps) throws Exception {
        List<NewTopic> topics = new ArrayList<>();
        for (String store : List.of("fanout-receipt-positions", "fanout-receipt-window", "fanout-receipt-authors")) {
            topics.add(new NewTopic(apps.source(store), partitions, (short) 1)
                    .configs(Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT)));
        }
        topics.add(new NewTopic(apps.repartition(), partitions, (short) 1));
        admin.createTopics(topics).all().get();
        try (KafkaProducer<byte[], byte[]> producer = producer(apps.fanout() + "-seed")) {
            producer.initTransactions();
            for (NewTopic topic : topics.subList(0, 3)) {
                for (int p = 0; p < partitions; p++) {
                    String conv = "c" + p;
                    producer.beginTransaction();
                    for (int i = 0; i < 5; i++) {
                        ProducerRecord<byte[], byte[]> r = new ProducerRecord<>(topic.name(), p, 1_700_000_000_000L + i,
                                bytes(conv + "|u" + i), bytes("state " + i + " of " + topic.name()));
                        if (i == 0) {
                            r.headers().add("traceparent", bytes("00-abc"));
                        }
                        producer.send(r);
                    }
                    producer.commitTransaction();
                    producer.beginTransaction();
                    producer.send(new ProducerRecord<>(topic.name(), p, bytes("aborted"), bytes("aborted")));
                    producer.flush();
                    producer.abortTransaction();
                    producer.beginTransaction();
                    producer.send(new ProducerRecord<>(topic.name(), p, bytes(conv + "|u0"), bytes("state 0 again")));
                    producer.send(new ProducerRecord<>(topic.name(), p, bytes(conv + "|u1"), null));
                    producer.commitTransaction();
                }
            }
            for (int p = 0; p < partitions; p++) {
                producer.beginTransaction();
                producer.send(new ProducerRecord<>(Topics.CONVERSATION_LOG, p, bytes("c" + p), bytes("event")));
                producer.send(new ProducerRecord<>(Topics.COMMAND_RESULTS, p, bytes("c" + p), bytes("result")));
                producer.send(new ProducerRecord<>(apps.repartition(), p, bytes("u" + p), bytes("entry")));
                producer.send(new ProducerRecord<>(apps.repartition(), p, bytes("u" + p), bytes("entry")));
                producer.commitTransaction();
            }
        }
        // commitTransaction() returns once the coordinator has logged the commit, before the markers
        // are written; until the last transaction's are, the read_committed end of its partitions (the
        // log's, the results' and the repartition's last) is still its first offset, and offsets taken
        // from that put fanout's group before its record: "lagging", e.g. log-2 committed 7, end 10. A
        // producer with the same transactional id awaits that completion in initTransactions() (its
        // documented contract); the check after it says so if it did not.
        try (KafkaProducer<byte[], byte[]> successor = producer(apps.fanout() + "-seed")) {
            successor.initTransactions();
        }
        for (String input : List.of(Topics.CONVERSATION_LOG, Topics.COMMAND_RESULTS, apps.repartition())) {
            Map<TopicPartition, Long> stable = ends(input);
            Map<TopicPartition, Long> written = ends(input, IsolationLevel.READ_UNCOMMITTED);
            if (!stable.equals(written)) {
                throw new IllegalStateException("a transaction on " + input + " is still open after seeding: ends "
                        + stable + ", high watermarks " + written);
            }
        }
        Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
        ends(Topics.CONVERSATION_LOG).forEach((tp, end) -> offsets.put(tp, new OffsetAndMetadata(end - 1)));
        ends(Topics.COMMAND_RESULTS).forEach((tp, end) -> offsets.put(tp, new OffsetAndMetadata(end)));
        ends(apps.repartition()).forEach((tp, end) -> offsets.put(tp, new OffsetAndMetadata(end)));
        admin.alterConsumerGroupOffsets(apps.fanout(), offsets).all().get();
    }

    /** Commits fanout's offsets on chat.receipts, each with the metadata Kafka Streams would add. */
    Map<TopicPartition, OffsetAndMetadata> receiptOffsets(String group, Map<Integer, Long> offsets) throws Exception {
        try (KafkaProducer<byte[], byte[]> producer = producer(null)) {
            for (int p = 0; p < partitions; p++) {
                for (int i = 0; i < 10; i++) {
                    producer.send(new ProducerRecord<>(Topics.RECEIPTS, p, bytes("c" + p), bytes("receipt " + i)));
                }
            }
        }
        Map<TopicPartition, OffsetAndMetadata> committed = new HashMap<>();
        offsets.forEach((p, o) -> committed.put(new TopicPartition(Topics.RECEIPTS, p), new OffsetAndMetadata(o, "meta-" + p)));
        admin.alterConsumerGroupOffsets(group, committed).all().get();
        return committed;
    }

    Map<TopicPartition, OffsetAndMetadata> committed(String group, String topic) throws Exception {
        Map<TopicPartition, OffsetAndMetadata> out = new HashMap<>();
        admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get().forEach((tp, o) -> {
            if (tp.topic().equals(topic) && o != null) {
                out.put(tp, new OffsetAndMetadata(o.offset(), o.metadata()));
            }
        });
        return out;
    }

    /** The end offsets a read_committed reader sees (the last stable offsets). */
    Map<TopicPartition, Long> ends(String topic) throws Exception {
        return ends(topic, IsolationLevel.READ_COMMITTED);
    }

    private Map<TopicPartition, Long> ends(String topic, IsolationLevel isolation) throws Exception {
        Map<TopicPartition, OffsetSpec> request = new HashMap<>();
        for (int p = 0; p < partitions; p++) {
            request.put(new TopicPartition(topic, p), OffsetSpec.latest());
        }
        Map<TopicPartition, Long> out = new HashMap<>();
        admin.listOffsets(request, new ListOffsetsOptions(isolation)).all().get()
                .forEach((tp, info) -> out.put(tp, info.offset()));
        return out;
    }

    /** Every committed record of a topic by partition, as text: key, value (null: a tombstone), timestamp, headers. */
    Map<Integer, List<String>> read(String topic) throws Exception {
        Map<TopicPartition, Long> ends = ends(topic);
        Map<Integer, List<String>> out = new HashMap<>();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers(),
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
                ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class,
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class))) {
            consumer.assign(ends.keySet());
            consumer.seekToBeginning(ends.keySet());
            ends.keySet().forEach(tp -> out.put(tp.partition(), new ArrayList<>()));
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(10)).until(() -> {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(100))) {
                    List<String> headers = new ArrayList<>();
                    for (Header h : r.headers()) {
                        headers.add(h.key() + "=" + new String(h.value(), StandardCharsets.UTF_8));
                    }
                    out.get(r.partition()).add("key=" + HexFormat.of().formatHex(r.key()) + " value="
                            + (r.value() == null ? "null" : HexFormat.of().formatHex(r.value()))
                            + " timestamp=" + r.timestamp() + " headers=" + headers);
                }
                return ends.keySet().stream().allMatch(tp -> consumer.position(tp) >= ends.get(tp));
            });
        }
        return out;
    }

    KafkaProducer<byte[], byte[]> producer(String transactionalId) {
        Map<String, Object> config = new HashMap<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers(),
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class,
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class));
        if (transactionalId != null) {
            config.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId);
        }
        return new KafkaProducer<>(config);
    }

    static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    static String hex(String text) {
        return HexFormat.of().formatHex(bytes(text));
    }

    @Override
    public void close() {
        admin.close();
        broker.close();
    }
}
