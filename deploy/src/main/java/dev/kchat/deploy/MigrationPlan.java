package dev.kchat.deploy;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

/**
 * What {@link FanoutStateMigration} does once {@link MigrationChecks} found it safe.
 *
 * @param copies         one per changelogged receipt store (none for {@code --offsets-only})
 * @param receiptOffsets fanout's committed offsets on chat.receipts by partition, which routing's group takes
 * @param receiptsTopic  chat.receipts
 * @param routingGroup   routing's application id, its consumer group
 */
public record MigrationPlan(List<ChangelogCopy> copies, SortedMap<Integer, OffsetAndMetadata> receiptOffsets,
        String receiptsTopic, String routingGroup) {

    public MigrationPlan {
        copies = List.copyOf(copies);
    }

    /**
     * One changelog to copy partition for partition.
     *
     * @param source            fanout's changelog
     * @param target            routing's changelog
     * @param partitions        of both
     * @param createTarget      the target does not exist yet: created with {@code targetConfigs}
     * @param replicationFactor of a created target: the source's
     * @param targetConfigs     of a created target: the source's topic-level configs, compacted
     * @param starts            per partition, the source's log start offset
     * @param ends              per partition, the source's last stable offset: the copy stops there
     */
    public record ChangelogCopy(String source, String target, int partitions, boolean createTarget,
            short replicationFactor, Map<String, String> targetConfigs, SortedMap<Integer, Long> starts,
            SortedMap<Integer, Long> ends) {

        public ChangelogCopy {
            targetConfigs = Map.copyOf(targetConfigs);
        }

        /** The source's offsets to read, an upper bound of its records (markers and compaction take some). */
        public long offsetsToRead() {
            return ends.keySet().stream().mapToLong(p -> ends.get(p) - starts.get(p)).sum();
        }

        TopicPartition sourcePartition(int p) {
            return new TopicPartition(source, p);
        }
    }

    /** What the plan does, one line per step, for {@code --dry-run} and the log. */
    public List<String> describe() {
        List<String> lines = new ArrayList<>();
        for (ChangelogCopy c : copies) {
            lines.add(String.format("copy %s -> %s: %d partitions, up to %d records (offsets %s to %s)%s",
                    c.source(), c.target(), c.partitions(), c.offsetsToRead(), c.starts().values(), c.ends().values(),
                    c.createTarget() ? String.format(", creating the target (replication factor %d, %s)",
                            c.replicationFactor(), c.targetConfigs()) : ", the target exists"));
        }
        lines.add(String.format("set group %s's offsets on %s to %s", routingGroup, receiptsTopic,
                receiptOffsets.isEmpty() ? "none (fanout committed none: routing starts there as fanout would have)"
                        : offsetsText(receiptOffsets)));
        return lines;
    }

    static String offsetsText(SortedMap<Integer, OffsetAndMetadata> offsets) {
        List<String> parts = new ArrayList<>();
        offsets.forEach((p, o) -> parts.add(p + ":" + o.offset()));
        return String.join(", ", parts);
    }
}
