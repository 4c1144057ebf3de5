package dev.kchat.store.sink;

import dev.kchat.service.Settings;
import dev.kchat.service.tracing.TracingSettings;
import dev.kchat.store.write.ReplicaSetBatcher;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;

/**
 * Settings of the store sink (keys in parentheses; environment {@code KCHAT_} + upper case).
 *
 * @param bootstrapServers Kafka brokers ({@code kafka.bootstrap.servers}, required)
 * @param groupId consumer group; instances of the sink share the partitions ({@code sink.group.id})
 * @param maxPollRecords records per batch ({@code sink.max.poll.records})
 * @param maxInFlight concurrent CQL writes per instance ({@code sink.max.in.flight})
 * @param pollTimeout longest wait for records ({@code sink.poll.timeout})
 * @param initialBackoff first wait after a failed write ({@code sink.retry.initial.backoff})
 * @param maxBackoff longest wait between retries; the wait doubles up to it ({@code sink.retry.max.backoff})
 * @param maxUnclassifiedAttempts attempts of a record failing with an error that is neither known
 *     transient (timeouts, unavailable nodes: retried forever) nor known permanent (invalid data: sent to
 *     the error topic at once), before it goes to the error topic ({@code sink.max.unclassified.attempts})
 * @param batchEnabled whether the statements of a polled batch's records share {@code UNLOGGED} batches, one
 *     per replica set ({@code sink.batch.enabled}, default true); off, each record's statements go on their own
 *     (one batch per partition)
 * @param batchLimits size of one such batch: estimated bytes ({@code sink.batch.max.bytes}, 4096: under
 *     Cassandra's 5 KiB warning), statements ({@code sink.batch.max.statements}, 32) and partitions
 *     ({@code sink.batch.max.partitions}, 10: Cassandra warns above 10)
 * @param consumerOverrides extra consumer configs ({@code kafka.consumer.*})
 * @param producerOverrides extra configs of the error-topic producer ({@code kafka.producer.*})
 * @param tracing the sink's spans ({@code tracing.*}; {@code service.name} kchat-sink)
 */
public record SinkConfig(
        String bootstrapServers,
        String groupId,
        int maxPollRecords,
        int maxInFlight,
        Duration pollTimeout,
        Duration initialBackoff,
        Duration maxBackoff,
        int maxUnclassifiedAttempts,
        boolean batchEnabled,
        ReplicaSetBatcher.Limits batchLimits,
        Map<String, String> consumerOverrides,
        Map<String, String> producerOverrides,
        TracingSettings tracing) {

    public static final String DEFAULT_GROUP_ID = "kchat-store-sink";
    public static final int DEFAULT_MAX_POLL_RECORDS = 500;
    /** Enough to keep a few replicas busy; the driver allows far more per connection. */
    public static final int DEFAULT_MAX_IN_FLIGHT = 64;
    public static final Duration DEFAULT_POLL_TIMEOUT = Duration.ofMillis(500);
    public static final Duration DEFAULT_INITIAL_BACKOFF = Duration.ofMillis(200);
    public static final Duration DEFAULT_MAX_BACKOFF = Duration.ofSeconds(30);
    public static final int DEFAULT_MAX_UNCLASSIFIED_ATTEMPTS = 10;
    /** {@code service.name} of the sink's spans unless {@code tracing.service.name} says otherwise. */
    public static final String SERVICE_NAME = "kchat-sink";

    public SinkConfig {
        Objects.requireNonNull(bootstrapServers, "bootstrapServers");
        Objects.requireNonNull(groupId, "groupId");
        Objects.requireNonNull(pollTimeout, "pollTimeout");
        Objects.requireNonNull(initialBackoff, "initialBackoff");
        Objects.requireNonNull(maxBackoff, "maxBackoff");
        Objects.requireNonNull(batchLimits, "batchLimits");
        Objects.requireNonNull(tracing, "tracing");
        consumerOverrides = Map.copyOf(consumerOverrides);
        producerOverrides = Map.copyOf(producerOverrides);
        if (maxPollRecords < 1 || maxInFlight < 1 || maxUnclassifiedAttempts < 1) {
            throw new IllegalArgumentException("sink.max.poll.records, sink.max.in.flight and"
                    + " sink.max.unclassified.attempts must be >= 1");
        }
        if (initialBackoff.isNegative() || initialBackoff.isZero() || maxBackoff.compareTo(initialBackoff) < 0) {
            throw new IllegalArgumentException("need 0 < sink.retry.initial.backoff <= sink.retry.max.backoff");
        }
    }

    /** Defaults for everything but the brokers. */
    public static SinkConfig defaults(String bootstrapServers) {
        return new SinkConfig(bootstrapServers, DEFAULT_GROUP_ID, DEFAULT_MAX_POLL_RECORDS, DEFAULT_MAX_IN_FLIGHT,
                DEFAULT_POLL_TIMEOUT, DEFAULT_INITIAL_BACKOFF, DEFAULT_MAX_BACKOFF, DEFAULT_MAX_UNCLASSIFIED_ATTEMPTS,
                true, ReplicaSetBatcher.Limits.defaults(), Map.of(), Map.of(), TracingSettings.off(SERVICE_NAME));
    }

    public static SinkConfig fromSettings(Settings settings) {
        return new SinkConfig(
                settings.required("kafka.bootstrap.servers"),
                settings.string("sink.group.id", DEFAULT_GROUP_ID),
                settings.integer("sink.max.poll.records", DEFAULT_MAX_POLL_RECORDS),
                settings.integer("sink.max.in.flight", DEFAULT_MAX_IN_FLIGHT),
                settings.duration("sink.poll.timeout", DEFAULT_POLL_TIMEOUT),
                settings.duration("sink.retry.initial.backoff", DEFAULT_INITIAL_BACKOFF),
                settings.duration("sink.retry.max.backoff", DEFAULT_MAX_BACKOFF),
                settings.integer("sink.max.unclassified.attempts", DEFAULT_MAX_UNCLASSIFIED_ATTEMPTS),
                settings.bool("sink.batch.enabled", true),
                new ReplicaSetBatcher.Limits(
                        settings.integer("sink.batch.max.bytes", ReplicaSetBatcher.Limits.DEFAULT_MAX_BYTES),
                        settings.integer("sink.batch.max.statements", ReplicaSetBatcher.Limits.DEFAULT_MAX_STATEMENTS),
                        settings.integer("sink.batch.max.partitions", ReplicaSetBatcher.Limits.DEFAULT_MAX_PARTITIONS)),
                settings.withPrefix("kafka.consumer."),
                settings.withPrefix("kafka.producer."),
                TracingSettings.from(settings, SERVICE_NAME));
    }

    /** A copy in another consumer group. */
    public SinkConfig withGroupId(String group) {
        return new SinkConfig(bootstrapServers, group, maxPollRecords, maxInFlight, pollTimeout, initialBackoff,
                maxBackoff, maxUnclassifiedAttempts, batchEnabled, batchLimits, consumerOverrides, producerOverrides, tracing);
    }

    /** A copy with these retry waits. */
    public SinkConfig withBackoff(Duration initial, Duration max) {
        return new SinkConfig(bootstrapServers, groupId, maxPollRecords, maxInFlight, pollTimeout, initial, max,
                maxUnclassifiedAttempts, batchEnabled, batchLimits, consumerOverrides, producerOverrides, tracing);
    }

    /** A copy with batching across records on or off, within these limits. */
    public SinkConfig withBatching(boolean enabled, ReplicaSetBatcher.Limits limits) {
        return new SinkConfig(bootstrapServers, groupId, maxPollRecords, maxInFlight, pollTimeout, initialBackoff,
                maxBackoff, maxUnclassifiedAttempts, enabled, limits, consumerOverrides, producerOverrides, tracing);
    }
}
