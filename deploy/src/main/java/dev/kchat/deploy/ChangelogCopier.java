package dev.kchat.deploy;

import dev.kchat.deploy.MigrationPlan.ChangelogCopy;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Copies a changelog partition for partition: raw key and value bytes (a null value, the tombstone,
 * stays null), timestamp and headers, everything a {@code read_committed} reader sees from the log
 * start to the end offset the plan took (aborted records and transaction markers are not records).
 * The producer is idempotent, so a retried send is not written twice; the copy checks that each
 * target partition grew by exactly the records it sent.
 */
final class ChangelogCopier {

    private static final Logger log = LoggerFactory.getLogger(ChangelogCopier.class);
    /** What one changelog's copy wrote, per partition. */
    public record Copied(String source, String target, SortedMap<Integer, Long> records,
            SortedMap<Integer, Long> tombstones) {

        public long totalRecords() {
            return records.values().stream().mapToLong(Long::longValue).sum();
        }

        public long totalTombstones() {
            return tombstones.values().stream().mapToLong(Long::longValue).sum();
        }

        public String describe() {
            return String.format("copied %s -> %s: %d records (%d tombstones), per partition %s", source, target,
                    totalRecords(), totalTombstones(), records);
        }
    }

    private final ClusterProbe cluster;
    private final KafkaProducer<byte[], byte[]> producer;

    ChangelogCopier(ClusterProbe cluster, KafkaProducer<byte[], byte[]> producer) {
        this.cluster = cluster;
        this.producer = producer;
    }

    /**
     * Creates the target if the plan says so, then copies.
     *
     * @throws IllegalStateException if the cluster refuses, a send fails, reading does not reach the
     *                               end in time, or a target partition did not grow by what was sent
     */
    Copied copy(ChangelogCopy plan) {
        if (plan.createTarget()) {
            NewTopic topic = new NewTopic(plan.target(), plan.partitions(), plan.replicationFactor())
                    .configs(plan.targetConfigs());
            cluster.await(cluster.admin().createTopics(List.of(topic)).all(), "creating " + plan.target());
            log.info("created {} ({} partitions, replication factor {}, {})", plan.target(), plan.partitions(),
                    plan.replicationFactor(), plan.targetConfigs());
        }
        List<TopicPartition> targets = new ArrayList<>();
        for (int p = 0; p < plan.partitions(); p++) {
            targets.add(new TopicPartition(plan.target(), p));
        }
        Map<TopicPartition, Long> before = cluster.highWatermarks(targets);

        SortedMap<Integer, Long> records = new TreeMap<>();
        SortedMap<Integer, Long> tombstones = new TreeMap<>();
        Map<TopicPartition, long[]> ranges = new HashMap<>();
        plan.ends().forEach((p, end) -> {
            records.put(p, 0L);
            tombstones.put(p, 0L);
            ranges.put(plan.sourcePartition(p), new long[] {plan.starts().get(p), end});
        });
        AtomicReference<Exception> sendFailure = new AtomicReference<>();
        cluster.read("copy-" + plan.source(), ranges, r -> {
            if (sendFailure.get() != null) {
                throw new IllegalStateException("copying " + plan.source() + " to " + plan.target()
                        + ": a send failed: " + sendFailure.get(), sendFailure.get());
            }
            producer.send(new ProducerRecord<>(plan.target(), r.partition(), r.timestamp(), r.key(), r.value(),
                    r.headers()), (metadata, e) -> {
                        if (e != null) {
                            sendFailure.compareAndSet(null, e);
                        }
                    });
            records.merge(r.partition(), 1L, Long::sum);
            if (r.value() == null) {
                tombstones.merge(r.partition(), 1L, Long::sum);
            }
            return true;
        });
        producer.flush();
        if (sendFailure.get() != null) {
            throw new IllegalStateException("copying " + plan.source() + " to " + plan.target() + ": a send failed: "
                    + sendFailure.get(), sendFailure.get());
        }
        Map<TopicPartition, Long> after = cluster.highWatermarks(targets);
        for (TopicPartition tp : targets) {
            long grew = after.get(tp) - before.get(tp);
            if (grew != records.get(tp.partition())) {
                throw new IllegalStateException(tp + " grew by " + grew + " records during the copy, "
                        + records.get(tp.partition()) + " were sent: something else writes it");
            }
        }
        Copied copied = new Copied(plan.source(), plan.target(), records, tombstones);
        log.info("{}", copied.describe());
        return copied;
    }
}
