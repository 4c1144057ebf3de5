package dev.kchat.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
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
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code bin/migrate-fanout-state} on a real KRaft broker. Fanout's state is seeded by hand as
 * Kafka Streams would have left it: changelogs written in transactions (one aborted), tombstones and
 * headers among the records, committed offsets of fanout's group on its inputs. Each test uses its
 * own application ids, so the tests share the broker and the platform's topics.
 */
class FanoutStateMigrationTest {

    private static final int PARTITIONS = 3;
    private static final AtomicInteger RUNS = new AtomicInteger();

    static KafkaBroker broker;
    static Admin admin;

    @BeforeAll
    static void start() {
        broker = KafkaBroker.startTemporary();
        broker.createTopics(Topics.create(new InMemorySchemaRegistry(), PARTITIONS, PARTITIONS));
        admin = broker.admin();
    }

    @AfterAll
    static void stop() {
        admin.close();
        broker.close();
    }

    /** The two application ids of one test, and fanout's state as the seed left it. */
    record Apps(String fanout, String routing) {

        static Apps fresh() {
            int n = RUNS.incrementAndGet();
            return new Apps("kchat-fanout-" + n, "kchat-routing-" + n);
        }

        MigrateFanoutStateConfig config() {
            return MigrateFanoutStateConfig.from(settings());
        }

        Settings settings() {
            return Settings.of(Map.of(
                    MigrateFanoutStateConfig.BOOTSTRAP_SERVERS, broker.bootstrapServers(),
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

    @Test
    void shouldCopyEveryChangelogPartitionForPartitionAndGiveRoutingFanoutsReceiptOffsets() throws Exception {
        // Given: fanout stopped and drained, its receipt changelogs and its offsets on chat.receipts
        Apps apps = Apps.fresh();
        seedFanout(apps);
        Map<TopicPartition, OffsetAndMetadata> fanoutReceipts = receiptOffsets(apps.fanout(), Map.of(0, 4L, 1, 7L, 2, 10L));

        // When
        FanoutStateMigration.Outcome outcome = new FanoutStateMigration(apps.config()).run(FanoutStateMigration.Options.DEFAULT);

        // Then: each target holds the source's records per partition: keys, values, tombstones,
        // timestamps and headers; the aborted records stay behind
        for (String store : List.of("receipt-positions", "receipt-window", "receipt-authors")) {
            String source = apps.source("fanout-" + store);
            String target = apps.target("routing-" + store);
            Map<Integer, List<String>> copied = read(target);
            Map<Integer, List<String>> original = read(source);
            for (int p = 0; p < PARTITIONS; p++) {
                assertThat(copied.get(p)).as(target + "-" + p).isEqualTo(original.get(p)).hasSize(7)
                        .anyMatch(r -> r.contains("value=null"))
                        .anyMatch(r -> r.contains("headers=[traceparent=00-abc]"))
                        .noneMatch(r -> r.contains(hex("aborted")));
            }
            assertThat(admin.describeTopics(List.of(target)).allTopicNames().get().get(target).partitions())
                    .hasSize(PARTITIONS);
            ConfigResource config = new ConfigResource(ConfigResource.Type.TOPIC, target);
            assertThat(admin.describeConfigs(List.of(config)).all().get().get(config)
                    .get(TopicConfig.CLEANUP_POLICY_CONFIG).value()).isEqualTo(TopicConfig.CLEANUP_POLICY_COMPACT);
        }
        assertThat(outcome.copied()).hasSize(3).allSatisfy(c -> {
            assertThat(c.totalRecords()).isEqualTo(7 * PARTITIONS);
            assertThat(c.totalTombstones()).isEqualTo(PARTITIONS);
        });
        // ... and routing's group has fanout's offsets on chat.receipts, metadata included
        assertThat(committed(apps.routing(), Topics.RECEIPTS)).isEqualTo(fanoutReceipts);
        assertThat(outcome.describe()).last().asString()
                .isEqualTo("set group " + apps.routing() + "'s offsets on chat.receipts to 0:4, 1:7, 2:10");

        // When / Then: a second run refuses, names every target and routing's offsets, and writes nothing
        assertThatThrownBy(() -> new FanoutStateMigration(apps.config()).run(FanoutStateMigration.Options.DEFAULT))
                .isInstanceOf(MigrationRefusedException.class)
                .satisfies(e -> assertThat(((MigrationRefusedException) e).reasons())
                        .contains(apps.target("routing-receipt-positions") + " already holds records (partitions [0, 1, 2]):"
                                + " the state was moved before, or routing has written it; --force copies onto it"
                                + " (the copy wins on restore)")
                        .anyMatch(r -> r.startsWith(apps.target("routing-receipt-window") + " already holds records"))
                        .anyMatch(r -> r.startsWith(apps.target("routing-receipt-authors") + " already holds records"))
                        .anyMatch(r -> r.startsWith("group " + apps.routing() + " already has offsets on chat.receipts")));
        assertThat(MigrateFanoutStateApp.run(new String[0], apps.settings())).isEqualTo(MigrateFanoutStateApp.REFUSED);
        assertThat(read(apps.target("routing-receipt-window")).get(0)).hasSize(7);
    }

    @Test
    void shouldRefuseWhileFanoutHasUnprocessedRecordsAndNameThePartitions() throws Exception {
        // Given: fanout's offsets at the ends (the log's before its last transaction marker, which is
        // no record), then one result and one repartitioned record it has not processed
        Apps apps = Apps.fresh();
        seedFanout(apps);
        receiptOffsets(apps.fanout(), Map.of(0, 1L));
        try (KafkaProducer<byte[], byte[]> producer = producer(null)) {
            producer.send(new ProducerRecord<>(Topics.COMMAND_RESULTS, 1, bytes("c1"), bytes("late result"))).get();
            producer.send(new ProducerRecord<>(apps.repartition(), 2, bytes("u1"), bytes("late entry"))).get();
        }
        Map<TopicPartition, Long> ends = ends(Topics.COMMAND_RESULTS);

        // When / Then: refused, naming exactly the two partitions with their offsets
        assertThatThrownBy(() -> new FanoutStateMigration(apps.config()).run(FanoutStateMigration.Options.DEFAULT))
                .isInstanceOf(MigrationRefusedException.class)
                .satisfies(e -> assertThat(((MigrationRefusedException) e).reasons()).containsExactly(
                        "group " + apps.fanout() + " has not processed everything: chat.command.results-1 (committed "
                                + (ends.get(new TopicPartition(Topics.COMMAND_RESULTS, 1)) - 1) + ", end "
                                + ends.get(new TopicPartition(Topics.COMMAND_RESULTS, 1)) + "), " + apps.repartition()
                                + "-2 (committed 3, end 4); start fanout again and let its lag reach 0"
                                + " (kafka-consumer-groups --describe --group " + apps.fanout() + ") before stopping it"));
        // ... nothing was created, and routing has no offsets
        assertThat(admin.listTopics().names().get()).doesNotContain(apps.target("routing-receipt-positions"));
        assertThat(committed(apps.routing(), Topics.RECEIPTS)).isEmpty();
    }

    @Test
    void shouldRefuseWhileRoutingHasAnActiveMember() throws Exception {
        // Given: a drained fanout, and a consumer of routing's group still running
        Apps apps = Apps.fresh();
        seedFanout(apps);
        try (KafkaConsumer<byte[], byte[]> member = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers(),
                ConsumerConfig.GROUP_ID_CONFIG, apps.routing(),
                ConsumerConfig.CLIENT_ID_CONFIG, "routing-instance-1",
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
                ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class,
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class))) {
            member.subscribe(List.of(Topics.RECEIPTS));
            await().atMost(Duration.ofSeconds(30)).until(() -> {
                member.poll(Duration.ofMillis(100));
                return !member.assignment().isEmpty();
            });

            // When / Then
            assertThatThrownBy(() -> new FanoutStateMigration(apps.config()).run(FanoutStateMigration.Options.DEFAULT))
                    .isInstanceOf(MigrationRefusedException.class)
                    .satisfies(e -> assertThat(((MigrationRefusedException) e).reasons()).singleElement().asString()
                            .startsWith("group " + apps.routing() + " has 1 active member: routing-instance-1 at /")
                            .endsWith(": stop every routing instance first (a static member stays until its session"
                                    + " times out)"));
        }
        assertThat(admin.listTopics().names().get()).doesNotContain(apps.target("routing-receipt-positions"));
    }

    @Test
    void shouldSayWhatItWouldDoAndWriteNothingOnADryRun() throws Exception {
        // Given
        Apps apps = Apps.fresh();
        seedFanout(apps);
        receiptOffsets(apps.fanout(), Map.of(1, 3L));

        // When
        FanoutStateMigration.Outcome outcome = new FanoutStateMigration(apps.config()).run(new FanoutStateMigration.Options(true, false, false));
        int status = MigrateFanoutStateApp.run(new String[] {"--dry-run"}, apps.settings());

        // Then
        assertThat(status).isEqualTo(MigrateFanoutStateApp.DONE);
        assertThat(outcome.describe()).hasSize(4).first().asString().startsWith("would copy "
                + apps.source("fanout-receipt-positions") + " -> " + apps.target("routing-receipt-positions")
                + ": 3 partitions, up to ");
        assertThat(outcome.describe().get(3)).isEqualTo("would set group " + apps.routing()
                + "'s offsets on chat.receipts to 1:3");
        assertThat(admin.listTopics().names().get()).doesNotContain(apps.target("routing-receipt-positions"),
                apps.target("routing-receipt-window"), apps.target("routing-receipt-authors"));
        assertThat(committed(apps.routing(), Topics.RECEIPTS)).isEmpty();
    }

    @Test
    void shouldSetOnlyTheReceiptOffsetsWhenAskedForTheResetAlternative() throws Exception {
        // Given
        Apps apps = Apps.fresh();
        seedFanout(apps);
        Map<TopicPartition, OffsetAndMetadata> fanoutReceipts = receiptOffsets(apps.fanout(), Map.of(0, 2L, 2, 9L));

        // When
        int status = MigrateFanoutStateApp.run(new String[] {"--offsets-only"}, apps.settings());

        // Then: routing continues the receipts where fanout stopped, and no changelog was copied
        assertThat(status).isEqualTo(MigrateFanoutStateApp.DONE);
        assertThat(committed(apps.routing(), Topics.RECEIPTS)).isEqualTo(fanoutReceipts);
        assertThat(admin.listTopics().names().get()).doesNotContain(apps.target("routing-receipt-positions"),
                apps.target("routing-receipt-window"), apps.target("routing-receipt-authors"));
    }

    @Test
    void shouldRefuseUnknownArgumentsAndWrongSettingsWithStatus2() {
        Apps apps = Apps.fresh();
        assertThat(MigrateFanoutStateApp.run(new String[] {"--dryrun"}, apps.settings()))
                .isEqualTo(MigrateFanoutStateApp.WRONG_SETTING);
        assertThat(MigrateFanoutStateApp.run(new String[0], apps.settings().with(Map.of(
                MigrateFanoutStateConfig.FANOUT_APPLICATION_ID, apps.routing()))))
                .isEqualTo(MigrateFanoutStateApp.WRONG_SETTING);
        assertThatThrownBy(() -> MigrateFanoutStateConfig.from(Settings.of(Map.of(MigrateFanoutStateConfig.TIMEOUT, "0s"))))
                .isInstanceOf(Settings.ConfigException.class).hasMessageContaining(MigrateFanoutStateConfig.TIMEOUT);
        MigrateFanoutStateConfig defaults = MigrateFanoutStateConfig.from(Settings.of(Map.of()));
        assertThat(defaults.fanoutApplicationId()).isEqualTo("kchat-fanout");
        assertThat(defaults.routingApplicationId()).isEqualTo("kchat-routing");
    }

    /**
     * Fanout's state as a stopped, drained fanout leaves it: each receipt changelog (created
     * compacted, as Kafka Streams creates it) gets per partition 5 records in a committed transaction
     * (the first with a header), an aborted transaction, then 2 more committed, the second a tombstone;
     * the log, chat.command.results and the repartition get records, and fanout's group committed
     * offsets at their ends (on the log before the last transaction marker, as a Streams task that
     * stopped before fetching the marker commits).
     */
    private static void seedFanout(Apps apps) throws Exception {
        List<NewTopic> topics = new ArrayList<>();
        for (String store : List.of("fanout-receipt-positions", "fanout-receipt-window", "fanout-receipt-authors")) {
            topics.add(new NewTopic(apps.source(store), PARTITIONS, (short) 1)
                    .configs(Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT)));
        }
        topics.add(new NewTopic(apps.repartition(), PARTITIONS, (short) 1));
        admin.createTopics(topics).all().get();
        try (KafkaProducer<byte[], byte[]> producer = producer(apps.fanout() + "-seed")) {
            producer.initTransactions();
            for (NewTopic topic : topics.subList(0, 3)) {
                for (int p = 0; p < PARTITIONS; p++) {
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
            for (int p = 0; p < PARTITIONS; p++) {
                producer.beginTransaction();
                producer.send(new ProducerRecord<>(Topics.CONVERSATION_LOG, p, bytes("c" + p), bytes("event")));
                producer.send(new ProducerRecord<>(Topics.COMMAND_RESULTS, p, bytes("c" + p), bytes("result")));
                producer.send(new ProducerRecord<>(apps.repartition(), p, bytes("u" + p), bytes("entry")));
                producer.send(new ProducerRecord<>(apps.repartition(), p, bytes("u" + p), bytes("entry")));
                producer.commitTransaction();
            }
        }
        Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
        ends(Topics.CONVERSATION_LOG).forEach((tp, end) -> offsets.put(tp, new OffsetAndMetadata(end - 1)));
        ends(Topics.COMMAND_RESULTS).forEach((tp, end) -> offsets.put(tp, new OffsetAndMetadata(end)));
        ends(apps.repartition()).forEach((tp, end) -> offsets.put(tp, new OffsetAndMetadata(end)));
        admin.alterConsumerGroupOffsets(apps.fanout(), offsets).all().get();
    }

    /** Commits fanout's offsets on chat.receipts, each with the metadata Kafka Streams would add. */
    private static Map<TopicPartition, OffsetAndMetadata> receiptOffsets(String group, Map<Integer, Long> offsets)
            throws Exception {
        try (KafkaProducer<byte[], byte[]> producer = producer(null)) {
            for (int p = 0; p < PARTITIONS; p++) {
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

    private static Map<TopicPartition, OffsetAndMetadata> committed(String group, String topic) throws Exception {
        Map<TopicPartition, OffsetAndMetadata> out = new HashMap<>();
        admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get().forEach((tp, o) -> {
            if (tp.topic().equals(topic) && o != null) {
                out.put(tp, new OffsetAndMetadata(o.offset(), o.metadata()));
            }
        });
        return out;
    }

    private static Map<TopicPartition, Long> ends(String topic) throws Exception {
        Map<TopicPartition, OffsetSpec> request = new HashMap<>();
        for (int p = 0; p < PARTITIONS; p++) {
            request.put(new TopicPartition(topic, p), OffsetSpec.latest());
        }
        Map<TopicPartition, Long> out = new HashMap<>();
        admin.listOffsets(request, new ListOffsetsOptions(IsolationLevel.READ_COMMITTED)).all().get()
                .forEach((tp, info) -> out.put(tp, info.offset()));
        return out;
    }

    /** Every committed record of a topic by partition, as text: key, value (null: a tombstone), timestamp, headers. */
    private static Map<Integer, List<String>> read(String topic) throws Exception {
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

    private static KafkaProducer<byte[], byte[]> producer(String transactionalId) {
        Map<String, Object> config = new HashMap<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers(),
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class,
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class));
        if (transactionalId != null) {
            config.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId);
        }
        return new KafkaProducer<>(config);
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static String hex(String text) {
        return HexFormat.of().formatHex(bytes(text));
    }
}
