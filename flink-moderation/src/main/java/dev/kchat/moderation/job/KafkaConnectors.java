package dev.kchat.moderation.job;

import dev.kchat.events.moderation.ModerationAction;
import dev.kchat.events.moderation.ModerationStats;
import dev.kchat.events.moderation.Verdict;
import dev.kchat.events.platform.ProcessingError;
import dev.kchat.moderation.ModerationConfig;
import dev.kchat.schemas.topic.Topics;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.flink.connector.kafka.sink.KafkaSink;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.flink.connector.kafka.source.reader.deserializer.KafkaRecordDeserializationSchema;

/**
 * The job's real sources and sinks: Kafka with the platform's topics and formats.
 *
 * <p>Sources read {@code read_committed} (the log is written by routing's transactions) and
 * commit their offsets to {@link JobSettings#groupId} on checkpoints; their positions live in the
 * checkpoints. {@code moderation.rules} is always read from its beginning on a start without
 * state: it is compacted and every rule must be known. Sinks are transactional
 * ({@link JobSettings#deliveryGuarantee}, exactly-once by default): what they write becomes
 * visible to {@code read_committed} readers when the checkpoint that covers it completes.
 */
public final class KafkaConnectors {

    private KafkaConnectors() {
    }

    /** The job over Kafka with these settings. */
    public static ModerationJob job(JobSettings settings, ModerationConfig config) {
        return new ModerationJob(sources(settings), sinks(settings), config, ModerationJob.Timing.of(settings));
    }

    public static ModerationJob.Sources sources(JobSettings s) {
        return new ModerationJob.Sources(
                source(s, Topics.CONVERSATION_LOG, KafkaFormats.ContentDeserializer.chatLog(s.schemaRegistryUrl()),
                        OffsetsInitializer.committedOffsets(s.offsetReset())),
                source(s, Topics.MOMENTS_EVENTS, KafkaFormats.ContentDeserializer.moments(s.schemaRegistryUrl()),
                        OffsetsInitializer.committedOffsets(s.offsetReset())),
                source(s, Topics.MODERATION_RULES, new KafkaFormats.RuleDeserializer(s.schemaRegistryUrl()),
                        OffsetsInitializer.earliest()));
    }

    public static ModerationJob.Sinks sinks(JobSettings s) {
        String registry = s.schemaRegistryUrl();
        return new ModerationJob.Sinks(
                sink(s, "verdicts", new KafkaFormats.AvroSerializer<>(Topics.MODERATION_VERDICTS, registry, Verdict.class,
                        Detection::subjectUserId, Detection::toVerdict)),
                sink(s, "actions", new KafkaFormats.AvroSerializer<>(Topics.MODERATION_ACTIONS, registry, ModerationAction.class,
                        Enforcement::userId, Enforcement::toAction)),
                sink(s, "stats", new KafkaFormats.AvroSerializer<>(Topics.MODERATION_STATS, registry, ModerationStats.class,
                        Stats.Window::key, Stats.Window::toStats)),
                sink(s, "errors", new KafkaFormats.AvroSerializer<>(Topics.ERRORS, registry, ProcessingError.class,
                        f -> Failure.APP_ID, Failure::toError)));
    }

    private static <T> KafkaSource<T> source(JobSettings s, String topic, KafkaRecordDeserializationSchema<T> format,
            OffsetsInitializer start) {
        return KafkaSource.<T>builder()
                .setBootstrapServers(s.bootstrapServers())
                .setTopics(topic)
                .setGroupId(s.groupId())
                .setClientIdPrefix(s.groupId() + "-" + topic)
                .setStartingOffsets(start)
                .setDeserializer(format)
                .setProperty("isolation.level", "read_committed")
                .build();
    }

    private static <T> KafkaSink<T> sink(JobSettings s, String name, KafkaRecordSerializationSchema<T> format) {
        return KafkaSink.<T>builder()
                .setBootstrapServers(s.bootstrapServers())
                .setRecordSerializer(format)
                .setDeliveryGuarantee(s.deliveryGuarantee())
                .setTransactionalIdPrefix(s.transactionalIdPrefix() + "-" + name)
                .setProperty("transaction.timeout.ms", String.valueOf(s.transactionTimeout().toMillis()))
                .build();
    }
}
