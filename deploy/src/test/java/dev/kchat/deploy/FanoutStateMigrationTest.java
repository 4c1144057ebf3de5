package dev.kchat.deploy;

import static dev.kchat.deploy.FanoutStateFixture.bytes;
import static dev.kchat.deploy.FanoutStateFixture.hex;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.kchat.deploy.FanoutStateFixture.Apps;
import dev.kchat.routing.state.AuthorStatus;
import dev.kchat.routing.state.ReceiptPosition;
import dev.kchat.schemas.topic.Topics;
import dev.kchat.service.Settings;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code bin/migrate-fanout-state} on a real KRaft broker. Fanout's state is seeded by hand as
 * Kafka Streams would have left it ({@link FanoutStateFixture#seedFanout}): changelogs written in
 * transactions (one aborted), tombstones and headers among the records, committed offsets of
 * fanout's group on its inputs.
 */
class FanoutStateMigrationTest {

    private static final int PARTITIONS = 3;

    static FanoutStateFixture kafka;

    @BeforeAll
    static void start() {
        kafka = new FanoutStateFixture(PARTITIONS);
    }

    @AfterAll
    static void stop() {
        kafka.close();
    }

    @Test
    void shouldCopyEveryChangelogPartitionForPartitionAndGiveRoutingFanoutsReceiptOffsets() throws Exception {
        // Given: fanout stopped and drained, its receipt changelogs and its offsets on chat.receipts
        Apps apps = kafka.fresh();
        kafka.seedFanout(apps);
        Map<TopicPartition, OffsetAndMetadata> fanoutReceipts = kafka.receiptOffsets(apps.fanout(), Map.of(0, 4L, 1, 7L, 2, 10L));

        // When
        FanoutStateMigration.Outcome outcome = new FanoutStateMigration(apps.config()).run(FanoutStateMigration.Options.DEFAULT);

        // Then: each target holds the source's records per partition: keys, values, tombstones,
        // timestamps and headers; the aborted records stay behind
        for (String store : List.of("receipt-positions", "receipt-window", "receipt-authors")) {
            String source = apps.source("fanout-" + store);
            String target = apps.target("routing-" + store);
            Map<Integer, List<String>> copied = kafka.read(target);
            Map<Integer, List<String>> original = kafka.read(source);
            for (int p = 0; p < PARTITIONS; p++) {
                assertThat(copied.get(p)).as(target + "-" + p).isEqualTo(original.get(p)).hasSize(7)
                        .anyMatch(r -> r.contains("value=null"))
                        .anyMatch(r -> r.contains("headers=[traceparent=00-abc]"))
                        .noneMatch(r -> r.contains(hex("aborted")));
            }
            assertThat(kafka.admin().describeTopics(List.of(target)).allTopicNames().get().get(target).partitions())
                    .hasSize(PARTITIONS);
            ConfigResource config = new ConfigResource(ConfigResource.Type.TOPIC, target);
            assertThat(kafka.admin().describeConfigs(List.of(config)).all().get().get(config)
                    .get(TopicConfig.CLEANUP_POLICY_CONFIG).value()).isEqualTo(TopicConfig.CLEANUP_POLICY_COMPACT);
        }
        assertThat(outcome.copied()).hasSize(3).allSatisfy(c -> {
            assertThat(c.totalRecords()).isEqualTo(7 * PARTITIONS);
            assertThat(c.totalTombstones()).isEqualTo(PARTITIONS);
        });
        // ... and routing's group has fanout's offsets on chat.receipts, metadata included
        assertThat(kafka.committed(apps.routing(), Topics.RECEIPTS)).isEqualTo(fanoutReceipts);
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
        assertThat(kafka.read(apps.target("routing-receipt-window")).get(0)).hasSize(7);
    }

    @Test
    void shouldLetRoutingRestoreItsReceiptStoresFromTheCopiedChangelogs(@TempDir Path stateDir) throws Exception {
        // Given: fanout's receipt state, records as fanout encoded them (its Avro namespace), moved
        Apps apps = kafka.fresh();
        kafka.seedFanout(apps);
        try (KafkaProducer<byte[], byte[]> producer = kafka.producer(null)) {
            producer.send(new ProducerRecord<>(apps.source("fanout-receipt-positions"), 1, bytes("c1|alice"),
                    RestoredReceiptStores.asFanoutWroteIt("ReceiptPosition-v1.avsc",
                            Map.of("read_seq", 3L, "delivered_seq", 5L, "joined_seq", 2L)))).get();
            producer.send(new ProducerRecord<>(apps.source("fanout-receipt-authors"), 2, bytes("c2|bob"),
                    RestoredReceiptStores.asFanoutWroteIt("AuthorStatus-v2.avsc",
                            Map.of("latest_seq", 5L, "delivered_count", 2, "read_count", 1, "unreported", true)))).get();
            producer.send(new ProducerRecord<>(apps.source("fanout-receipt-window"), 2,
                    bytes("c2|0000000000000000005"), bytes("bob"))).get();
        }
        new FanoutStateMigration(apps.config()).run(FanoutStateMigration.Options.DEFAULT);

        // When: routing's stores are built over the copied changelogs
        try (RestoredReceiptStores routing = RestoredReceiptStores.start(kafka.bootstrapServers(), apps.routing(), stateDir)) {
            // Then: each record restored and read by routing's serdes, and a key fanout deleted stays deleted
            assertThat(routing.position("c1|alice"))
                    .isEqualTo(ReceiptPosition.newBuilder().setReadSeq(3).setDeliveredSeq(5).setJoinedSeq(2).build());
            assertThat(routing.author("c2|bob")).isEqualTo(AuthorStatus.newBuilder().setLatestSeq(5).setDeliveredCount(2)
                    .setReadCount(1).setUnreported(true).build());
            assertThat(routing.windowAuthor("c2|0000000000000000005")).isEqualTo("bob");
            assertThat(routing.windowAuthor("c0|u1")).isNull();
            assertThat(routing.windowAuthor("c0|u0")).isEqualTo("state 0 again");
        }
    }

    @Test
    void shouldRefuseWhileFanoutHasUnprocessedRecordsAndNameThePartitions() throws Exception {
        // Given: fanout's offsets at the ends (the log's before its last transaction marker, which is
        // no record), then one result and one repartitioned record it has not processed
        Apps apps = kafka.fresh();
        kafka.seedFanout(apps);
        kafka.receiptOffsets(apps.fanout(), Map.of(0, 1L));
        try (KafkaProducer<byte[], byte[]> producer = kafka.producer(null)) {
            producer.send(new ProducerRecord<>(Topics.COMMAND_RESULTS, 1, bytes("c1"), bytes("late result"))).get();
            producer.send(new ProducerRecord<>(apps.repartition(), 2, bytes("u1"), bytes("late entry"))).get();
        }
        Map<TopicPartition, Long> ends = kafka.ends(Topics.COMMAND_RESULTS);

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
        assertThat(kafka.admin().listTopics().names().get()).doesNotContain(apps.target("routing-receipt-positions"));
        assertThat(kafka.committed(apps.routing(), Topics.RECEIPTS)).isEmpty();
    }

    @Test
    void shouldRefuseWhileRoutingHasAnActiveMember() throws Exception {
        // Given: a drained fanout, and a consumer of routing's group still running
        Apps apps = kafka.fresh();
        kafka.seedFanout(apps);
        try (KafkaConsumer<byte[], byte[]> member = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
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
        assertThat(kafka.admin().listTopics().names().get()).doesNotContain(apps.target("routing-receipt-positions"));
    }

    @Test
    void shouldSayWhatItWouldDoAndWriteNothingOnADryRun() throws Exception {
        // Given
        Apps apps = kafka.fresh();
        kafka.seedFanout(apps);
        kafka.receiptOffsets(apps.fanout(), Map.of(1, 3L));

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
        assertThat(kafka.admin().listTopics().names().get()).doesNotContain(apps.target("routing-receipt-positions"),
                apps.target("routing-receipt-window"), apps.target("routing-receipt-authors"));
        assertThat(kafka.committed(apps.routing(), Topics.RECEIPTS)).isEmpty();
    }

    @Test
    void shouldSetOnlyTheReceiptOffsetsWhenAskedForTheResetAlternative() throws Exception {
        // Given
        Apps apps = kafka.fresh();
        kafka.seedFanout(apps);
        Map<TopicPartition, OffsetAndMetadata> fanoutReceipts = kafka.receiptOffsets(apps.fanout(), Map.of(0, 2L, 2, 9L));

        // When
        int status = MigrateFanoutStateApp.run(new String[] {"--offsets-only"}, apps.settings());

        // Then: routing continues the receipts where fanout stopped, and no changelog was copied
        assertThat(status).isEqualTo(MigrateFanoutStateApp.DONE);
        assertThat(kafka.committed(apps.routing(), Topics.RECEIPTS)).isEqualTo(fanoutReceipts);
        assertThat(kafka.admin().listTopics().names().get()).doesNotContain(apps.target("routing-receipt-positions"),
                apps.target("routing-receipt-window"), apps.target("routing-receipt-authors"));
    }

    @Test
    void shouldRefuseUnknownArgumentsAndWrongSettingsWithStatus2() {
        Apps apps = kafka.fresh();
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

}
