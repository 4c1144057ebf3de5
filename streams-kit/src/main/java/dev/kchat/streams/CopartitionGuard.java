package dev.kchat.streams;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.DescribeTopicsOptions;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;

/**
 * The start-time check that the topics an app needs co-partitioned have equal partition counts.
 *
 * <p>Kafka Streams enforces co-partitioning only for the inputs of a join. An app whose processors
 * merely share stores across two topics (routing: a conversation's commands and its receipts; fanout: a
 * user's unsequenced entries and Moments notifications) relies on "partition p of one topic holds the
 * same keys as partition p of the other" just as much, and a mismatch is silent: a receipt lands on a
 * task that never saw its conversation and is refused as unknown, a user's inbox is numbered by two
 * tasks. So each app names its groups and {@link StreamsService} refuses to start unless every group's
 * topics have one count, with one {@code Admin.describeTopics} for all of them. The fix of a mismatch is
 * the partition migration of docs/operations.md, not a restart.
 */
public final class CopartitionGuard {

    private CopartitionGuard() {
    }

    /**
     * Reads the partition counts of every topic named in {@code groups} (one describe call) and checks
     * them.
     *
     * @throws IllegalStateException naming the topics and their counts if a group's counts differ, naming
     *                               the topics that do not exist, or if the counts cannot be read within
     *                               {@code timeout}
     */
    public static void check(Admin admin, Collection<? extends Collection<String>> groups, Duration timeout) {
        Set<String> names = groups.stream().flatMap(Collection::stream).collect(Collectors.toCollection(LinkedHashSet::new));
        if (names.isEmpty()) {
            return;
        }
        Map<String, KafkaFuture<TopicDescription>> described = admin
                .describeTopics(names, new DescribeTopicsOptions().timeoutMs((int) Math.min(Integer.MAX_VALUE, timeout.toMillis())))
                .topicNameValues();
        Map<String, Integer> counts = new TreeMap<>();
        List<String> missing = new ArrayList<>();
        for (Map.Entry<String, KafkaFuture<TopicDescription>> topic : described.entrySet()) {
            try {
                counts.put(topic.getKey(), topic.getValue().get(timeout.toMillis(), TimeUnit.MILLISECONDS).partitions().size());
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof UnknownTopicOrPartitionException)) {
                    throw new IllegalStateException("cannot read the partition count of " + topic.getKey() + ": " + e.getCause(), e.getCause());
                }
                missing.add(topic.getKey());
            } catch (TimeoutException e) {
                throw new IllegalStateException("cannot read the partition count of " + topic.getKey() + " within " + timeout, e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while reading the partition counts of " + names, e);
            }
        }
        if (!missing.isEmpty()) {
            throw new IllegalStateException("topics " + missing + " do not exist (create them with bin/provision)");
        }
        List<String> mismatches = mismatches(groups, counts);
        if (!mismatches.isEmpty()) {
            throw new IllegalStateException("topics that must be co-partitioned have different partition counts: "
                    + String.join("; ", mismatches) + " (repartition them as docs/operations.md describes)");
        }
    }

    /**
     * The groups whose topics have different counts, each as {@code a=6, b=3}, in the order given; empty
     * if every group is co-partitioned.
     */
    static List<String> mismatches(Collection<? extends Collection<String>> groups, Map<String, Integer> counts) {
        List<String> mismatches = new ArrayList<>();
        for (Collection<String> group : groups) {
            if (group.stream().map(counts::get).distinct().count() > 1) {
                mismatches.add(group.stream().map(topic -> topic + "=" + counts.get(topic)).collect(Collectors.joining(", ")));
            }
        }
        return mismatches;
    }
}
