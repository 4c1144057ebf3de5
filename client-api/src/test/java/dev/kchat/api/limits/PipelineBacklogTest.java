package dev.kchat.api.limits;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.kchat.localkafka.KafkaBroker;
import dev.kchat.service.Settings;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The backlog read from a real broker: committed offsets of the named groups against the partitions' ends. */
class PipelineBacklogTest {

    private static KafkaBroker broker;
    private static Admin admin;

    @BeforeAll
    static void start() throws Exception {
        broker = KafkaBroker.startTemporary();
        admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()));
        admin.createTopics(List.of(new NewTopic("commands", 2, (short) 1), new NewTopic("log", 1, (short) 1))).all().get();
    }

    @AfterAll
    static void stop() {
        admin.close();
        broker.close();
    }

    @Test
    void shouldSumWhatEachNamedGroupHasNotConsumedAndFollowItsCommits() throws Exception {
        // Given 10 records on each partition of commands and 10 on log
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()), new StringSerializer(), new StringSerializer())) {
            for (int i = 0; i < 10; i++) {
                producer.send(new ProducerRecord<>("commands", 0, "k", "v" + i));
                producer.send(new ProducerRecord<>("commands", 1, "k", "v" + i));
                producer.send(new ProducerRecord<>("log", 0, "k", "v" + i));
            }
        }
        // And "routing" has consumed 4 and 10 of commands, "fanout" 7 of log, "other" none of anything
        commit("routing", Map.of(new TopicPartition("commands", 0), 4L, new TopicPartition("commands", 1), 10L));
        commit("fanout", Map.of(new TopicPartition("log", 0), 7L));
        commit("other", Map.of(new TopicPartition("log", 0), 0L));

        // When the backlog of routing and fanout is read
        AdmissionConfig config = AdmissionConfig.from(Settings.of(Map.of(
                "limits.admission.groups", "routing, fanout, nobody", "limits.admission.check.interval", "100ms")));
        SimpleMeterRegistry metrics = new SimpleMeterRegistry();
        try (PipelineBacklog backlog = PipelineBacklog.start(admin, config, metrics)) {
            // Then it is 5 + 0 + 2 (a partition's last record is taken for its transaction marker), the group
            // that never committed adds nothing, and the gauge says so
            await().atMost(Duration.ofSeconds(30)).until(() -> backlog.records() == 7);
            assertThat(metrics.get(PipelineBacklog.METRIC).gauge().value()).isEqualTo(7.0);

            // And when routing catches up, it follows, and the 6 records it cleared count in the clearing rate
            commit("routing", Map.of(new TopicPartition("commands", 0), 10L));
            await().atMost(Duration.ofSeconds(30)).until(() -> backlog.records() == 2);
            assertThat(backlog.clearedPerSecond()).isPositive();
        }
    }

    @Test
    void shouldMeasureTheClearingRateOverTheWindowAndStartOverWhenOffsetsGoBack() {
        ClearingRate rate = new ClearingRate(Duration.ofSeconds(10));
        long s = 1_000_000_000L;
        // 0 s: 1,000 committed; 5 s: 6,000; 10 s: 11,000: 1,000 a second
        rate.observe(0, 1_000);
        rate.observe(5 * s, 6_000);
        rate.observe(10 * s, 11_000);
        assertThat(rate.perSecond()).isEqualTo(1_000.0);
        // 20 s: 31,000: over the last 10 s (from 10 s on) 2,000 a second; the reads before fall out of the window
        rate.observe(20 * s, 31_000);
        assertThat(rate.perSecond()).isEqualTo(2_000.0);
        // offsets went back (a group reset): nothing to compare with yet
        rate.observe(21 * s, 500);
        assertThat(rate.perSecond()).isZero();
    }

    @Test
    void shouldExpectTheSumOfEachStagesWaitNotTheRatioOfAllBacklogsOverAllRates() {
        AdmissionConfig config = AdmissionConfig.from(Settings.of(Map.of("limits.admission.rate.window", "10s")));
        try (PipelineBacklog backlog = PipelineBacklog.start(admin, config, new SimpleMeterRegistry())) {
            long s = 1_000_000_000L;
            // Given routing clearing 100 commands a second with 600 queued, and fanout 1,000 entries a
            // second with 1,000 queued (one message is ten entries)
            backlog.observe(0, Map.of("routing/commands", new long[] {600, 0}, "fanout/unsequenced", new long[] {1_000, 0}));
            backlog.observe(10 * s, Map.of("routing/commands", new long[] {600, 1_000},
                    "fanout/unsequenced", new long[] {1_000, 10_000}));
            // Then a message admitted now waits 6 s in routing and 1 s in fanout: 7 s (1,600 records over
            // 1,100 a second would say 1.45 s)
            assertThat(backlog.records()).isEqualTo(1_600);
            assertThat(backlog.clearedPerSecond()).isEqualTo(1_100.0);
            assertThat(backlog.expectedWait()).isEqualTo(Duration.ofSeconds(7));
            assertThat(backlog.expectedWaitSeconds()).isEqualTo(7.0);
            // And a stage that holds a queue and clears nothing makes the wait endless; empty stages add nothing
            backlog.observe(20 * s, Map.of("routing/commands", new long[] {5, 1_000},
                    "fanout/unsequenced", new long[] {0, 20_000}));
            assertThat(backlog.expectedWait()).isGreaterThan(Duration.ofDays(365));
            assertThat(backlog.expectedWaitSeconds()).isEqualTo(86_400.0);
            backlog.observe(30 * s, Map.of("routing/commands", new long[] {0, 1_005},
                    "fanout/unsequenced", new long[] {0, 20_000}));
            assertThat(backlog.expectedWait()).isZero();
        }
    }

    private static void commit(String group, Map<TopicPartition, Long> offsets) throws Exception {
        Map<TopicPartition, OffsetAndMetadata> committed = new java.util.HashMap<>();
        offsets.forEach((tp, o) -> committed.put(tp, new OffsetAndMetadata(o)));
        admin.alterConsumerGroupOffsets(group, committed).all().get();
    }
}
