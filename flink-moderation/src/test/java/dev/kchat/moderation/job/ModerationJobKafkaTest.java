package dev.kchat.moderation.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.kchat.events.moderation.ModerationAction;
import dev.kchat.events.moderation.ModerationStats;
import dev.kchat.events.moderation.Mute;
import dev.kchat.events.moderation.Redact;
import dev.kchat.events.moderation.Severity;
import dev.kchat.events.moderation.Verdict;
import dev.kchat.events.platform.ProcessingError;
import dev.kchat.localkafka.TopicReader;
import dev.kchat.moderation.ModerationConfig;
import dev.kchat.moderation.Verdicts;
import dev.kchat.schemas.topic.Topics;
import dev.kchat.service.Settings;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;
import org.apache.flink.core.execution.JobClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The job from Kafka to Kafka on a MiniCluster at parallelism 2: Avro through the registry over
 * HTTP, rules changed at run time through {@code moderation.rules}, exactly-once sinks read with
 * {@code read_committed}.
 */
class ModerationJobKafkaTest {

    private static final Instant T0 = JobFixtures.T0;
    /** K = 3 per 10 s; a flood is the same 16+ characters in more than 2 conversations. */
    private static final ModerationConfig CONFIG = ModerationConfig.from(Settings.of(Map.of(
            ModerationConfig.BURST_MAX_MESSAGES, "3",
            ModerationConfig.FLOOD_MAX_CONVERSATIONS, "2",
            ModerationConfig.SENSITIVE_MUTE, "30m",
            ModerationConfig.FLOOD_MUTE, "2h")));

    private static KafkaJobFixture kafka;
    private static final AtomicLong probeSeq = new AtomicLong();

    @BeforeAll
    static void start() {
        kafka = new KafkaJobFixture();
    }

    @AfterAll
    static void stop() {
        kafka.close();
    }

    @Test
    void shouldJudgeContentWithRulesChangedAtRunTimeAndWriteVerdictsActionsStatsAndErrors(@TempDir Path checkpoints) throws Exception {
        // Given a HIGH dictionary and the job running
        kafka.rule(JobFixtures.dictionary("dict-high", Severity.HIGH, T0.toEpochMilli(), "spam"));
        JobClient job = KafkaJobFixture.start(kafka.settings(checkpoints, "kafka-test"), CONFIG, Optional.empty());
        try (TopicReader<String, Verdict> verdicts = new TopicReader<>(kafka.broker.bootstrapServers(), kafka.topics.moderationVerdicts());
                TopicReader<String, ModerationAction> actions = new TopicReader<>(kafka.broker.bootstrapServers(), kafka.topics.moderationActions());
                TopicReader<String, ModerationStats> stats = new TopicReader<>(kafka.broker.bootstrapServers(), kafka.topics.moderationStats());
                TopicReader<String, ProcessingError> errors = new TopicReader<>(kafka.broker.bootstrapServers(), kafka.topics.errors())) {
            awaitRuleApplied(verdicts, "spam", "dict-high");

            // When alice writes the word disguised, bob writes nothing bad, frank sends four
            // messages in three seconds, eve pastes one text into three conversations, and a
            // record that is not Avro lands on the log
            kafka.post("alice", "c-a", 1, T0.plusSeconds(1), "buy ＳＰ Ａ m now".replace(" ", "").replace("buy", "buy "));
            kafka.post("bob", "c-a", 2, T0.plusSeconds(2), "hello there, how are you");
            for (int i = 0; i < 4; i++) {
                kafka.post("frank", "c-f", i + 1, T0.plusSeconds(10 + i), "msg " + i);
            }
            for (int i = 0; i < 3; i++) {
                kafka.post("eve", "c-e" + i, 1, T0.plusSeconds(20 + i), "visit my shop at example dot com");
            }
            kafka.sendRaw(Topics.CONVERSATION_LOG, "c-x", "not avro".getBytes(StandardCharsets.UTF_8));

            // Then alice's message is a HIGH verdict, redacted and alice muted for 30 min
            Verdict alice = awaitOne(verdicts, v -> v.getSubjectUserId().equals("alice"));
            assertThat(alice.getRule()).isEqualTo("dict-high");
            assertThat(alice.getSeverity()).isEqualTo(Severity.HIGH);
            assertThat(alice.getEvidence()).contains("\"spam\" as \"ＳＰＡm\"");
            List<ModerationAction> aliceActions = awaitAll(actions, a -> a.getUserId().equals("alice"), 2);
            assertThat(aliceActions).extracting(ModerationAction::getAction).satisfiesExactlyInAnyOrder(
                    a -> assertThat(a).isEqualTo(Redact.newBuilder().setConversationId("c-a").setSeq(1).build()),
                    a -> assertThat(a).isEqualTo(Mute.newBuilder().setUntil(T0.plusSeconds(1).plus(Duration.ofMinutes(30))).build()));
            assertThat(aliceActions).allSatisfy(a -> assertThat(a.getVerdictId()).isEqualTo(alice.getVerdictId()));
            // ... frank's fourth message is a burst, eve's third copy a flood, each muting
            Verdict frank = awaitOne(verdicts, v -> v.getSubjectUserId().equals("frank"));
            assertThat(frank.getRule()).isEqualTo(Verdicts.RATE_BURST);
            assertThat(frank.getDetectedAt()).isEqualTo(T0.plusSeconds(13));
            Verdict eve = awaitOne(verdicts, v -> v.getSubjectUserId().equals("eve"));
            assertThat(eve.getRule()).isEqualTo(Verdicts.FLOOD);
            assertThat(awaitOne(actions, a -> a.getUserId().equals("eve")).getAction())
                    .isEqualTo(Mute.newBuilder().setUntil(T0.plusSeconds(22).plus(Duration.ofHours(2))).build());
            assertThat(awaitOne(actions, a -> a.getUserId().equals("frank")).getAction()).isInstanceOf(Mute.class);
            // ... and the bad record is on platform.errors with its coordinates
            ProcessingError error = awaitOne(errors, e -> e.getSourceTopic().equals(Topics.CONVERSATION_LOG));
            assertThat(error.getAppId()).isEqualTo(Failure.APP_ID);
            assertThat(error.getErrorMessage()).contains("magic byte");

            // When a MEDIUM dictionary is added and the HIGH one switched off, at run time
            kafka.rule(JobFixtures.dictionary("dict-medium", Severity.MEDIUM, T0.plusSeconds(60).toEpochMilli(), "scam"));
            kafka.rule(JobFixtures.rule("dict-high", false, Severity.HIGH, T0.plusSeconds(60).toEpochMilli(), List.of("spam"), Map.of()));
            awaitRuleApplied(verdicts, "scam", "dict-medium");
            awaitRuleApplied(verdicts, "scam", "dict-medium"); // both rule records read: the second waits a probe longer
            kafka.post("carol", "c-c", 1, T0.plusSeconds(30), "a spam message");
            kafka.post("carol", "c-c", 2, T0.plusSeconds(31), "a scam offer");

            // Then carol's scam is a MEDIUM verdict with no action, and her spam, before it in the same conversation, none
            Verdict carol = awaitOne(verdicts, v -> v.getSubjectUserId().equals("carol"));
            assertThat(carol.getRule()).isEqualTo("dict-medium");
            assertThat(carol.getSeverity()).isEqualTo(Severity.MEDIUM);
            assertThat(verdicts.values()).filteredOn(v -> v.getSubjectUserId().equals("carol")).hasSize(1);
            assertThat(actions.poll()).noneMatch(r -> r.value().getUserId().equals("carol"));

            // When event time passes the first minute
            kafka.post("clock", "c-clock", 1, T0.plus(Duration.ofMinutes(2)), "tick");

            // Then its stats count the minute's messages, verdicts by rule and severity, and actions
            ModerationStats minute = awaitOne(stats, s -> s.getWindowStart().equals(T0));
            assertThat(minute.getWindowEnd()).isEqualTo(T0.plusSeconds(60));
            assertThat(minute.getMessages()).isEqualTo(11);
            assertThat(minute.getMoments()).isZero();
            assertThat(minute.getVerdictsByRule()).isEqualTo(Map.of("dict-high", 1L, Verdicts.RATE_BURST, 1L,
                    Verdicts.FLOOD, 1L, "dict-medium", 1L));
            assertThat(minute.getVerdictsBySeverity()).isEqualTo(Map.of("HIGH", 1L, "MEDIUM", 3L));
            assertThat(minute.getVerdicts()).isEqualTo(4);
            assertThat(minute.getActions()).isEqualTo(4); // alice: redact and mute; frank and eve: a mute each
            assertThat(stats.poll()).anySatisfy(r -> assertThat(r.key()).isEqualTo(T0.toString()));
        } finally {
            KafkaJobFixture.cancel(job);
        }
    }

    /**
     * Waits until the job judges with a rule: sends a probe (an hour before the test's messages, so
     * it never moves the watermark past them; in its own conversation and by its own sender) until one is reported under that rule. Rules
     * and content are separate streams, so there is no other way to know a rule has arrived.
     */
    private static void awaitRuleApplied(TopicReader<String, Verdict> verdicts, String word, String rule) {
        long since = verdicts.poll().size();
        await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofSeconds(1)).until(() -> {
            long seq = probeSeq.incrementAndGet();
            kafka.post("probe-" + seq, "c-probe", seq, T0.minus(Duration.ofHours(1)).plusSeconds(seq), "probe " + word);
            return verdicts.poll().stream().skip(since).anyMatch(r -> r.value().getRule().equals(rule));
        });
    }

    private static <V> V awaitOne(TopicReader<String, V> reader, Predicate<V> which) {
        return awaitAll(reader, which, 1).get(0);
    }

    private static <V> List<V> awaitAll(TopicReader<String, V> reader, Predicate<V> which, int count) {
        await().atMost(Duration.ofSeconds(60)).until(() -> reader.poll().stream().filter(r -> which.test(r.value())).count() >= count);
        List<V> found = reader.values().stream().filter(which).toList();
        assertThat(found).hasSize(count);
        return found;
    }
}
