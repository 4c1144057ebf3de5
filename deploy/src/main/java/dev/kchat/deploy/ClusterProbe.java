package dev.kchat.deploy;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import java.util.function.Predicate;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.GroupListing;
import org.apache.kafka.clients.admin.ListConsumerGroupOffsetsOptions;
import org.apache.kafka.clients.admin.ListConsumerGroupOffsetsSpec;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.GroupState;
import org.apache.kafka.common.GroupType;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;

/**
 * What {@link MigrationChecks} and {@link ChangelogCopier} read from the cluster: topics, offsets,
 * groups, and whether a range of a partition holds committed records. Every request waits at most
 * the timeout; a failure or a timeout is an {@link IllegalStateException} naming the request.
 */
final class ClusterProbe {

    private static final Duration POLL = Duration.ofMillis(200);

    private final Admin admin;
    private final Function<String, KafkaConsumer<byte[], byte[]>> consumers;
    private final Duration timeout;

    /**
     * @param consumers makes a {@code read_committed} byte consumer without a group, its client id
     *                  suffixed with the given purpose
     */
    ClusterProbe(Admin admin, Function<String, KafkaConsumer<byte[], byte[]>> consumers, Duration timeout) {
        this.admin = admin;
        this.consumers = consumers;
        this.timeout = timeout;
    }

    Admin admin() {
        return admin;
    }

    Duration timeout() {
        return timeout;
    }

    /** The topics that exist among {@code names}, described; a missing one is absent from the map. */
    Map<String, TopicDescription> describeExisting(Collection<String> names) {
        Map<String, TopicDescription> out = new HashMap<>();
        admin.describeTopics(names).topicNameValues().forEach((name, future) -> {
            try {
                out.put(name, future.get(timeout.toMillis(), TimeUnit.MILLISECONDS));
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof UnknownTopicOrPartitionException)) {
                    throw failed("describing topic " + name, e.getCause());
                }
            } catch (InterruptedException | TimeoutException e) {
                throw failed("describing topic " + name, e);
            }
        });
        return out;
    }

    /** The topic-level overrides of a topic (its dynamic configs, e.g. cleanup.policy=compact). */
    Map<String, String> topicOverrides(String topic) {
        ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, topic);
        Map<String, String> out = new HashMap<>();
        await(admin.describeConfigs(List.of(resource)).all(), "describing the configs of " + topic).get(resource)
                .entries().stream()
                .filter(e -> e.source() == ConfigEntry.ConfigSource.DYNAMIC_TOPIC_CONFIG)
                .forEach(e -> out.put(e.name(), e.value()));
        return out;
    }

    /** The end offsets a {@code read_committed} reader sees (the last stable offsets). */
    Map<TopicPartition, Long> committedEnds(Collection<TopicPartition> partitions) {
        return offsets(partitions, OffsetSpec.latest(), IsolationLevel.READ_COMMITTED);
    }

    /** The high watermarks: beyond the last stable offset while a transaction is open. */
    Map<TopicPartition, Long> highWatermarks(Collection<TopicPartition> partitions) {
        return offsets(partitions, OffsetSpec.latest(), IsolationLevel.READ_UNCOMMITTED);
    }

    Map<TopicPartition, Long> logStarts(Collection<TopicPartition> partitions) {
        return offsets(partitions, OffsetSpec.earliest(), IsolationLevel.READ_UNCOMMITTED);
    }

    private Map<TopicPartition, Long> offsets(Collection<TopicPartition> partitions, OffsetSpec spec,
            IsolationLevel isolation) {
        Map<TopicPartition, OffsetSpec> request = new HashMap<>();
        partitions.forEach(tp -> request.put(tp, spec));
        Map<TopicPartition, Long> out = new HashMap<>();
        await(admin.listOffsets(request, new ListOffsetsOptions(isolation)).all(), "listing offsets of " + partitions)
                .forEach((tp, info) -> out.put(tp, info.offset()));
        return out;
    }

    /**
     * A group's committed offsets on these partitions, stable ones only (the broker answers once no
     * transaction that commits offsets of the group is open); a partition without one is absent.
     */
    Map<TopicPartition, OffsetAndMetadata> committedOffsets(String group, Collection<TopicPartition> partitions) {
        ListConsumerGroupOffsetsSpec spec = new ListConsumerGroupOffsetsSpec().topicPartitions(partitions);
        Map<TopicPartition, OffsetAndMetadata> all = await(admin.listConsumerGroupOffsets(Map.of(group, spec),
                        new ListConsumerGroupOffsetsOptions().requireStable(true)).partitionsToOffsetAndMetadata(group),
                "listing the committed offsets of group " + group);
        Map<TopicPartition, OffsetAndMetadata> out = new HashMap<>();
        all.forEach((tp, offset) -> {
            if (offset != null) {
                out.put(tp, offset);
            }
        });
        return out;
    }

    /**
     * Why the group cannot be considered stopped, if it cannot: its members (client id and host),
     * or its state where it has no consumer-group description. Empty when the group is empty or
     * does not exist.
     */
    Optional<String> activity(String group) {
        Optional<GroupListing> listing = await(admin.listGroups().all(), "listing the groups").stream()
                .filter(g -> g.groupId().equals(group)).findFirst();
        if (listing.isEmpty()) {
            return Optional.empty();
        }
        GroupState state = listing.get().groupState().orElse(GroupState.UNKNOWN);
        if (state == GroupState.EMPTY || state == GroupState.DEAD) {
            return Optional.empty();
        }
        GroupType type = listing.get().type().orElse(GroupType.UNKNOWN);
        if (type == GroupType.CLASSIC || type == GroupType.CONSUMER) {
            ConsumerGroupDescription described = await(admin.describeConsumerGroups(List.of(group)).describedGroups()
                    .get(group), "describing group " + group);
            List<String> members = described.members().stream()
                    .map(m -> m.clientId() + " at " + m.host()
                            + m.groupInstanceId().map(id -> " (static member " + id + ")").orElse(""))
                    .sorted().toList();
            if (members.isEmpty()) {
                return Optional.of("is " + state);
            }
            return Optional.of("has " + members.size() + " active member" + (members.size() == 1 ? "" : "s")
                    + ": " + String.join(", ", members));
        }
        return Optional.of("is " + state + " (a " + type + " group)");
    }

    /**
     * The partitions that hold at least one committed record in {@code [from, to)}: a transaction
     * marker takes an offset but is no record, so a range of markers and aborted records is empty.
     *
     * @param ranges partition -> {from, to}
     */
    Set<TopicPartition> holdingRecords(Map<TopicPartition, long[]> ranges) {
        Set<TopicPartition> holding = new HashSet<>();
        read("probe", ranges, r -> {
            holding.add(new TopicPartition(r.topic(), r.partition()));
            return false;
        });
        return holding;
    }

    /**
     * Hands {@code visit} each committed record of each partition's range {@code [from, to)}, in
     * offset order, until the partition reaches {@code to} or {@code visit} returns false for it. An
     * offset before the log start reads from the log start.
     *
     * @param ranges partition -> {from, to}
     * @throws IllegalStateException if the ends are not reached within the timeout
     */
    void read(String purpose, Map<TopicPartition, long[]> ranges, Predicate<ConsumerRecord<byte[], byte[]>> visit) {
        Map<TopicPartition, Long> open = new HashMap<>();
        ranges.forEach((tp, r) -> {
            if (r[0] < r[1]) {
                open.put(tp, r[1]);
            }
        });
        if (open.isEmpty()) {
            return;
        }
        try (KafkaConsumer<byte[], byte[]> consumer = consumers.apply(purpose)) {
            consumer.assign(open.keySet());
            open.keySet().forEach(tp -> consumer.seek(tp, ranges.get(tp)[0]));
            Instant deadline = Instant.now().plus(timeout);
            while (!open.isEmpty()) {
                if (Instant.now().isAfter(deadline)) {
                    throw new IllegalStateException("reading " + open.keySet() + " did not reach the end offsets within "
                            + timeout + " (" + MigrateFanoutStateConfig.TIMEOUT + ")");
                }
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(POLL)) {
                    TopicPartition tp = new TopicPartition(record.topic(), record.partition());
                    Long end = open.get(tp);
                    if (end != null && record.offset() < end && !visit.test(record)) {
                        open.remove(tp);
                    }
                }
                for (TopicPartition tp : new ArrayList<>(open.keySet())) {
                    if (consumer.position(tp) >= open.get(tp)) {
                        open.remove(tp);
                    }
                }
                consumer.pause(consumer.assignment().stream().filter(tp -> !open.containsKey(tp)).toList());
            }
        }
    }

    <T> T await(KafkaFuture<T> future, String what) {
        try {
            return future.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw failed(what, e.getCause());
        } catch (InterruptedException | TimeoutException e) {
            throw failed(what, e);
        }
    }

    private IllegalStateException failed(String what, Throwable cause) {
        if (cause instanceof InterruptedException) {
            Thread.currentThread().interrupt();
        }
        String reason = cause instanceof TimeoutException ? "no answer within " + timeout : String.valueOf(cause);
        return new IllegalStateException(what + " failed: " + reason, cause);
    }
}
