package dev.kchat.moderation.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.kchat.events.moderation.Severity;
import dev.kchat.events.moderation.Verdict;
import dev.kchat.localkafka.TopicReader;
import dev.kchat.moderation.ModerationConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import org.apache.flink.core.execution.JobClient;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The job cancelled mid-stream and started again from its newest retained checkpoint: every
 * message judged once, no verdict lost and none duplicated for a {@code read_committed} reader,
 * and the rules come back from the checkpoint's broadcast state.
 */
class ModerationJobRestartTest {

    private static final Instant T0 = JobFixtures.T0;
    private static final int PER_BATCH = 20;

    private static KafkaJobFixture kafka;
    private static long probeSeq;

    @BeforeAll
    static void start() {
        kafka = new KafkaJobFixture();
    }

    @AfterAll
    static void stop() {
        kafka.close();
    }

    /** One message with the dictionary's word per sender, so only the dictionary reports them. */
    private static void batch(int batch) {
        for (int i = 0; i < PER_BATCH; i++) {
            String conversation = "r-c" + (i % 6);
            kafka.post("r-" + batch + "-" + i, conversation, batch * 1000L + i, T0.plusSeconds(batch * 10L).plusMillis(i),
                    "this is forbidden text " + batch + "-" + i);
        }
    }

    @Test
    void shouldJudgeEveryMessageExactlyOnceAcrossACancelAndARestoreFromTheCheckpoint(@TempDir Path checkpoints) throws Exception {
        // Given a dictionary, and the job judging a first batch
        kafka.rule(JobFixtures.dictionary("restart-dict", Severity.LOW, T0.toEpochMilli(), "forbidden"));
        JobSettings settings = kafka.settings(checkpoints, "restart-test");
        ModerationConfig config = ModerationConfig.defaults();
        JobClient first = KafkaJobFixture.start(settings, config, Optional.empty());
        try (TopicReader<String, Verdict> verdicts = new TopicReader<>(kafka.broker.bootstrapServers(), kafka.topics.moderationVerdicts())) {
            // (rules and content race at a start without state: probe until the dictionary is in)
            await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofSeconds(1)).until(() -> {
                long seq = probeSeq++;
                kafka.post("probe-" + seq, "r-probe", seq, T0.minusSeconds(3600 - seq), "probe forbidden");
                return verdicts.poll().stream().anyMatch(r -> r.value().getSubjectUserId().startsWith("probe-"));
            });
            batch(1);
            await().atMost(Duration.ofSeconds(60)).until(() -> judged(verdicts.poll()).size() >= PER_BATCH);

            // When a second batch arrives and the job is cancelled at once, part of it judged but not committed
            batch(2);
            KafkaJobFixture.cancel(first);
            Optional<Path> checkpoint = Checkpoints.latest(checkpoints.toUri().toString());
            assertThat(checkpoint).isPresent();
            // ... and the job starts again from its newest checkpoint, and a third batch arrives
            JobClient second = KafkaJobFixture.start(settings, config, checkpoint);
            try {
                batch(3);
                await().atMost(Duration.ofSeconds(120)).until(() -> judged(verdicts.poll()).size() >= 3 * PER_BATCH);
            } finally {
                KafkaJobFixture.cancel(second);
            }

            // Then every message has exactly one verdict: none lost, none repeated
            List<Verdict> judged = judged(verdicts.poll());
            Map<String, Long> perId = judged.stream().collect(Collectors.groupingBy(Verdict::getVerdictId, Collectors.counting()));
            assertThat(perId).hasSize(3 * PER_BATCH).allSatisfy((id, count) -> assertThat(count).as(id).isEqualTo(1));
            assertThat(judged).extracting(Verdict::getSubjectUserId).doesNotHaveDuplicates();
        }
    }

    /** The verdicts about the batches' messages (not the probes). */
    private static List<Verdict> judged(List<ConsumerRecord<String, Verdict>> records) {
        return records.stream().map(ConsumerRecord::value).filter(v -> v.getSubjectUserId().startsWith("r-")).toList();
    }
}
