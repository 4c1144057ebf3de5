package dev.kchat.moderation.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.kchat.events.chat.ConversationEvent;
import dev.kchat.events.chat.MessagePosted;
import dev.kchat.events.moderation.Severity;
import dev.kchat.events.moderation.Verdict;
import dev.kchat.localkafka.TopicReader;
import dev.kchat.moderation.ModerationConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.flink.core.execution.JobClient;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A measurement, not a check (run with {@code -Dmoderation.bench=true}): N chat messages already
 * on the log, the job started at parallelism 1 on a MiniCluster, the time until the verdict of a
 * last marker message is committed. The figure includes the job's start (~3 s) and one
 * checkpoint interval; docs/moderation.md quotes it. {@code -Dmoderation.checkpoint.changelog=false}
 * measures full checkpoints instead of the changelog; the log line also gives the newest
 * checkpoint's folder size and the changelog's bytes per checkpoint. With
 * {@code -Dmoderation.bench.rate=R} (messages per second) the job then goes on at a steady R for
 * {@code moderation.bench.seconds} (60), the platform's case, and the JVM's CPU over that phase is
 * logged as cores (this thread, which sends, left out; the producer's I/O thread counted).
 */
@EnabledIfSystemProperty(named = "moderation.bench", matches = "true")
class ModerationJobThroughputTest {

    private static final Logger log = LoggerFactory.getLogger(ModerationJobThroughputTest.class);
    private static final int MESSAGES = Integer.getInteger("moderation.bench.messages", 200_000);
    private static final int RATE = Integer.getInteger("moderation.bench.rate", 0);
    private static final int STEADY_SECONDS = Integer.getInteger("moderation.bench.seconds", 60);

    @Test
    void measureEventsPerSecondOfOneSubtask(@TempDir Path checkpoints) throws Exception {
        try (KafkaJobFixture kafka = new KafkaJobFixture()) {
            // Given a 500-phrase dictionary and N messages from 5,000 senders in 1,000 conversations
            List<String> words = new ArrayList<>();
            for (int i = 0; i < 500; i++) {
                words.add("forbidden" + i);
            }
            kafka.rule(JobFixtures.rule("bench-dict", true, Severity.MEDIUM, 0, words, Map.of()));
            Instant t0 = JobFixtures.T0;
            try (KafkaProducer<String, ConversationEvent> producer = new KafkaProducer<>(Map.of(
                    ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.broker.bootstrapServers(), ProducerConfig.LINGER_MS_CONFIG, 20),
                    kafka.topics.conversationLog().keySerde().serializer(), kafka.topics.conversationLog().valueSerde().serializer())) {
                for (int i = 0; i <= MESSAGES; i++) {
                    producer.send(message(kafka, i, i == MESSAGES, t0.plusMillis(i * 5L)));
                }
                producer.flush();
            }
            JobSettings settings = kafka.settings(checkpoints, "bench", Map.of(JobSettings.CHECKPOINT_CHANGELOG,
                    System.getProperty(JobSettings.CHECKPOINT_CHANGELOG, "true")));
            settings = new JobSettings(settings.bootstrapServers(), settings.schemaRegistryUrl(), settings.groupId(), settings.offsetReset(),
                    settings.transactionalIdPrefix(), settings.transactionTimeout(), settings.deliveryGuarantee(), settings.checkpointInterval(),
                    settings.checkpointDir(), settings.changelog(), settings.materializationInterval(), 1, settings.outOfOrderness(), settings.idleness(), settings.statsWindow(),
                    false, false, settings.adminHost(), settings.adminPort());

            // When the job reads them all
            long start = System.nanoTime();
            // CPU of this JVM (the MiniCluster and its job; the broker is a child JVM of its own).
            com.sun.management.OperatingSystemMXBean os =
                    (com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean();
            long cpuStart = os.getProcessCpuTime();
            JobClient job = KafkaJobFixture.start(settings, ModerationConfig.defaults(), Optional.empty());
            try (TopicReader<String, Verdict> verdicts = new TopicReader<>(kafka.broker.bootstrapServers(), kafka.topics.moderationVerdicts())) {
                await().atMost(Duration.ofMinutes(10)).pollInterval(Duration.ofMillis(200))
                        .until(() -> verdicts.poll().stream().anyMatch(r -> r.value().getSubjectUserId().equals("marker")));
                double seconds = (System.nanoTime() - start) / 1e9;
                double cpuSeconds = (os.getProcessCpuTime() - cpuStart) / 1e9;

                // Then (a figure for the docs)
                log.info("BENCH {} messages through the job at parallelism 1 in {} s: {} messages/s (start and one checkpoint included);"
                                + " the job's JVM used {} CPU s: {} messages per CPU second ({} core-us per message)",
                        MESSAGES, String.format("%.1f", seconds), String.format("%.0f", MESSAGES / seconds),
                        String.format("%.1f", cpuSeconds), String.format("%.0f", MESSAGES / cpuSeconds),
                        String.format("%.0f", cpuSeconds * 1e6 / MESSAGES));
                Path newest = Checkpoints.latest(checkpoints.toUri().toString()).orElseThrow();
                long completed = Long.parseLong(newest.getFileName().toString().substring("chk-".length()));
                long changelogBytes = CheckpointContents.bytes(checkpoints.resolve(Checkpoints.CHANGELOG_FOLDER));
                log.info("BENCH changelog {}: {} checkpoints, the newest ({}) {} KB; the changelog {} KB in all, {} KB per checkpoint",
                        settings.changelog(), completed, newest.getFileName(), CheckpointContents.bytes(newest) / 1024,
                        changelogBytes / 1024, changelogBytes / 1024 / Math.max(1, completed));
                assertThat(seconds).isPositive();
                if (RATE > 0) {
                    steady(kafka, os, t0.plusMillis(MESSAGES * 5L), settings);
                }
            } finally {
                KafkaJobFixture.cancel(job);
            }
        }
    }

    /** The steady phase: RATE messages a second for STEADY_SECONDS, the JVM's CPU over it as cores. */
    private static void steady(KafkaJobFixture kafka, com.sun.management.OperatingSystemMXBean os, Instant from, JobSettings settings)
            throws InterruptedException {
        java.lang.management.ThreadMXBean threads = java.lang.management.ManagementFactory.getThreadMXBean();
        try (KafkaProducer<String, ConversationEvent> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.broker.bootstrapServers(), ProducerConfig.LINGER_MS_CONFIG, 5),
                kafka.topics.conversationLog().keySerde().serializer(), kafka.topics.conversationLog().valueSerde().serializer())) {
            long start = System.nanoTime();
            long cpuStart = os.getProcessCpuTime() - threads.getCurrentThreadCpuTime();
            long total = (long) RATE * STEADY_SECONDS;
            for (long n = 0; n < total; n++) {
                long due = start + n * 1_000_000_000L / RATE;
                long wait = due - System.nanoTime();
                if (wait > 0) {
                    Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
                }
                int i = MESSAGES + 1 + (int) n;
                producer.send(message(kafka, i, false, from.plusNanos(System.nanoTime() - start)));
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            double cores = (os.getProcessCpuTime() - threads.getCurrentThreadCpuTime() - cpuStart) / 1e9 / seconds;
            log.info("BENCH steady, changelog {}: {} msg/s for {} s, the job's JVM {} cores ({} core-us per message)",
                    settings.changelog(), RATE, String.format("%.0f", seconds), String.format("%.3f", cores),
                    String.format("%.0f", cores * 1e6 / RATE));
        }
    }

    /** Chat message {@code i} (or the marker) from one of 5,000 senders in one of 1,000 conversations. */
    private static ProducerRecord<String, ConversationEvent> message(KafkaJobFixture kafka, int i, boolean marker, Instant at) {
        String conversation = "b-c" + (i % 1000);
        String body = marker ? "the end forbidden7 marker" : "an ordinary chat message number " + i + " about the weather and lunch";
        return new ProducerRecord<>(kafka.topics.conversationLog().name(), conversation, ConversationEvent.newBuilder()
                .setConversationId(conversation).setSeq(i).setEventId("e" + i).setActorId(marker ? "marker" : "b-u" + (i % 5000))
                .setOccurredAt(at)
                .setPayload(MessagePosted.newBuilder().setMessageId("m" + i).setClientMsgId("c" + i).setBody(body).build())
                .build());
    }
}
