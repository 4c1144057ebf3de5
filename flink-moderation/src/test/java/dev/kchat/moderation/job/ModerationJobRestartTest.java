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
 * and the rules come back from the checkpoint's broadcast state. Checkpoints go through the
 * changelog state backend by default; a deployment switching it on (an upgrade) or off restores too.
 */
class ModerationJobRestartTest {

    private static final Instant T0 = JobFixtures.T0;
    private static final int PER_BATCH = 20;
    private static final String DICTIONARY = "restart-dict";

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
        batch("r", batch);
    }

    /** {@link #batch(int)} from senders and in conversations named {@code prefix-...}. */
    private static void batch(String prefix, int batch) {
        for (int i = 0; i < PER_BATCH; i++) {
            String conversation = prefix + "-c" + (i % 6);
            kafka.post(prefix + "-" + batch + "-" + i, conversation, batch * 1000L + i, T0.plusSeconds(batch * 10L).plusMillis(i),
                    "this is forbidden text " + batch + "-" + i);
        }
    }

    /** Posts probes from {@code probe-<prefix>-N} until one is judged: the job has the dictionary. */
    private static void awaitDictionary(TopicReader<String, Verdict> verdicts, String prefix) {
        // (rules and content race at a start without state: probe until the dictionary is in)
        await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofSeconds(1)).until(() -> {
            long seq = probeSeq++;
            kafka.post("probe-" + prefix + "-" + seq, prefix + "-probe", seq, T0.minusSeconds(3600 - seq), "probe forbidden");
            return verdicts.poll().stream().anyMatch(r -> r.value().getSubjectUserId().startsWith("probe-" + prefix + "-"));
        });
    }

    @Test
    void shouldJudgeEveryMessageExactlyOnceAcrossACancelAndARestoreFromTheCheckpoint(@TempDir Path checkpoints) throws Exception {
        // Given a dictionary, and the job judging a first batch
        kafka.rule(JobFixtures.dictionary(DICTIONARY, Severity.LOW, T0.toEpochMilli(), "forbidden"));
        JobSettings settings = kafka.settings(checkpoints, "restart-test");
        ModerationConfig config = ModerationConfig.defaults();
        JobClient first = KafkaJobFixture.start(settings, config, Optional.empty());
        try (TopicReader<String, Verdict> verdicts = new TopicReader<>(kafka.broker.bootstrapServers(), kafka.topics.moderationVerdicts())) {
            awaitDictionary(verdicts, "r");
            batch(1);
            await().atMost(Duration.ofSeconds(60)).until(() -> judged(verdicts.poll()).size() >= PER_BATCH);

            // When a second batch arrives and the job is cancelled at once, part of it judged but not committed
            batch(2);
            KafkaJobFixture.cancel(first);
            Optional<Path> checkpoint = Checkpoints.latest(checkpoints.toUri().toString());
            assertThat(checkpoint).isPresent();
            // (the default: the keyed state went through the changelog, whose files are under the checkpoint folder)
            assertThat(settings.changelog()).isTrue();
            assertThat(CheckpointContents.changelogOnly(checkpoint.get())).as("changelog handles in %s", checkpoint.get()).isTrue();
            assertThat(CheckpointContents.files(checkpoints.resolve(Checkpoints.CHANGELOG_FOLDER))).isNotEmpty();
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

    @Test
    void shouldResumeWhenTheChangelogIsSwitchedOnAndOffAcrossRestores(@TempDir Path checkpoints) throws Exception {
        // Given a dictionary, and the job judging a first batch with full checkpoints (a deployment before the changelog)
        // (the same rule as the other test's: both jobs read all rules, and one dictionary gives one verdict per message)
        kafka.rule(JobFixtures.dictionary(DICTIONARY, Severity.LOW, T0.toEpochMilli(), "forbidden"));
        ModerationConfig config = ModerationConfig.defaults();
        boolean[] changelogPerRun = {false, true, false};
        try (TopicReader<String, Verdict> verdicts = new TopicReader<>(kafka.broker.bootstrapServers(), kafka.topics.moderationVerdicts())) {
            for (int run = 0; run < changelogPerRun.length; run++) {
                // When the job runs with the changelog on or off, from the previous run's newest checkpoint
                JobSettings settings = kafka.settings(checkpoints, "switch-test",
                        Map.of(JobSettings.CHECKPOINT_CHANGELOG, String.valueOf(changelogPerRun[run])));
                Optional<Path> restore = run == 0 ? Optional.empty() : Checkpoints.latest(checkpoints.toUri().toString());
                assertThat(run == 0 || restore.isPresent()).as("a checkpoint to resume run %d from", run).isTrue();
                JobClient job = KafkaJobFixture.start(settings, config, restore);
                int judgedBefore = run * PER_BATCH;
                try {
                    if (run == 0) {
                        awaitDictionary(verdicts, "s");
                    }
                    batch("s", run + 1);
                    await().atMost(Duration.ofSeconds(120)).until(() -> judged(verdicts.poll(), "s-").size() >= judgedBefore + PER_BATCH);
                } finally {
                    KafkaJobFixture.cancel(job);
                }

                // Then its checkpoints are of the kind it was told to write
                Path checkpoint = Checkpoints.latest(checkpoints.toUri().toString()).orElseThrow();
                if (changelogPerRun[run]) {
                    assertThat(CheckpointContents.changelogOnly(checkpoint)).as("changelog handles in %s", checkpoint).isTrue();
                } else {
                    assertThat(CheckpointContents.withoutChangelog(checkpoint)).as("no changelog handle in %s", checkpoint).isTrue();
                }
            }

            // ... and every message has exactly one verdict across the three runs (the rules came back each time)
            List<Verdict> judged = judged(verdicts.poll(), "s-");
            Map<String, Long> perId = judged.stream().collect(Collectors.groupingBy(Verdict::getVerdictId, Collectors.counting()));
            assertThat(perId).hasSize(changelogPerRun.length * PER_BATCH).allSatisfy((id, count) -> assertThat(count).as(id).isEqualTo(1));
            assertThat(judged).extracting(Verdict::getSubjectUserId).doesNotHaveDuplicates();
        }
    }

    /** The verdicts about the batches' messages (not the probes). */
    private static List<Verdict> judged(List<ConsumerRecord<String, Verdict>> records) {
        return judged(records, "r-");
    }

    /** The verdicts about messages from senders named {@code prefix...}. */
    private static List<Verdict> judged(List<ConsumerRecord<String, Verdict>> records, String prefix) {
        return records.stream().map(ConsumerRecord::value).filter(v -> v.getSubjectUserId().startsWith(prefix)).toList();
    }
}
