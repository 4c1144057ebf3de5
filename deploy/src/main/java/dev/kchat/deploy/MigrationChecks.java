package dev.kchat.deploy;

import dev.kchat.deploy.MigrationPlan.ChangelogCopy;
import dev.kchat.schemas.topic.Topics;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.stream.IntStream;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.TopicConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decides whether moving fanout's receipt state is safe, and what it takes: reads only. Every reason
 * to refuse is collected, so one run names them all.
 *
 * <ul>
 *   <li>Both groups have no active member (a running instance would write on, or miss, the move).</li>
 *   <li>Fanout has processed everything: no committed record after its committed offset on the log,
 *       chat.command.results and its by-user repartition (else the last fan-out, and the receipt
 *       state it writes, would be lost).</li>
 *   <li>No source changelog has an open transaction (its records could still commit or abort).</li>
 *   <li>Each source exists with chat.commands' partition count (routing's task p restores partition p);
 *       an existing target has the same count.</li>
 *   <li>No target holds records and routing has no offsets on chat.receipts, unless forced.</li>
 * </ul>
 */
final class MigrationChecks {

    private static final Logger log = LoggerFactory.getLogger(MigrationChecks.class);

    private final ClusterProbe cluster;
    private final MigrateFanoutStateConfig config;

    MigrationChecks(ClusterProbe cluster, MigrateFanoutStateConfig config) {
        this.cluster = cluster;
        this.config = config;
    }

    /**
     * @param force       accept targets that hold records and routing offsets on chat.receipts
     * @param offsetsOnly plan no copy, so check no changelog
     * @throws MigrationRefusedException with every reason found
     * @throws IllegalStateException     if the cluster fails or does not answer
     */
    MigrationPlan plan(boolean force, boolean offsetsOnly) {
        List<String> refusals = new ArrayList<>();
        String fanout = config.fanoutApplicationId();
        String routing = config.routingApplicationId();
        stopped(fanout, "fanout", refusals);
        stopped(routing, "routing", refusals);

        List<String> sources = FanoutStateMigration.STORES.keySet().stream()
                .map(store -> FanoutStateMigration.changelog(fanout, store)).toList();
        List<String> targets = FanoutStateMigration.STORES.values().stream()
                .map(store -> FanoutStateMigration.changelog(routing, store)).toList();
        String repartition = FanoutStateMigration.repartition(fanout);
        List<String> names = new ArrayList<>(sources);
        names.addAll(targets);
        names.addAll(List.of(Topics.COMMANDS, Topics.RECEIPTS, Topics.CONVERSATION_LOG, Topics.COMMAND_RESULTS, repartition));
        Map<String, TopicDescription> topics = cluster.describeExisting(names);
        for (String required : List.of(Topics.COMMANDS, Topics.RECEIPTS, Topics.CONVERSATION_LOG, Topics.COMMAND_RESULTS)) {
            if (!topics.containsKey(required)) {
                refusals.add("topic " + required + " does not exist: is " + MigrateFanoutStateConfig.BOOTSTRAP_SERVERS
                        + " the platform's cluster?");
            }
        }
        if (!refusals.isEmpty() && !topics.containsKey(Topics.COMMANDS)) {
            throw new MigrationRefusedException(refusals);
        }

        List<String> drained = new ArrayList<>(List.of(Topics.CONVERSATION_LOG, Topics.COMMAND_RESULTS));
        if (topics.containsKey(repartition)) {
            drained.add(repartition);
        } else {
            log.info("{} does not exist: nothing of fanout's to drain there", repartition);
        }
        unprocessed(fanout, drained, topics, refusals);

        int tasks = topics.get(Topics.COMMANDS).partitions().size();
        List<ChangelogCopy> copies = new ArrayList<>();
        for (int i = 0; i < sources.size() && !offsetsOnly; i++) {
            copy(sources.get(i), targets.get(i), topics, tasks, force, refusals).ifPresent(copies::add);
        }

        SortedMap<Integer, OffsetAndMetadata> receiptOffsets = new TreeMap<>();
        if (topics.containsKey(Topics.RECEIPTS)) {
            List<TopicPartition> receipts = partitions(topics.get(Topics.RECEIPTS));
            cluster.committedOffsets(fanout, receipts).forEach((tp, o) -> receiptOffsets.put(tp.partition(), o));
            Map<TopicPartition, OffsetAndMetadata> routingHas = cluster.committedOffsets(routing, receipts);
            if (!routingHas.isEmpty() && !force) {
                refusals.add("group " + routing + " already has offsets on " + Topics.RECEIPTS + " (partitions "
                        + new TreeMap<>(partitionsOf(routingHas)).keySet() + "): routing has read receipts before;"
                        + " --force replaces them with fanout's");
            }
        }
        if (!refusals.isEmpty()) {
            throw new MigrationRefusedException(refusals);
        }
        return new MigrationPlan(copies, receiptOffsets, Topics.RECEIPTS, routing);
    }

    private void stopped(String group, String app, List<String> refusals) {
        cluster.activity(group).ifPresent(activity -> refusals.add("group " + group + " " + activity
                + ": stop every " + app + " instance first (a static member stays until its session times out)"));
    }

    /** Names each partition where the group's committed offset is followed by a committed record. */
    private void unprocessed(String group, List<String> drained, Map<String, TopicDescription> topics,
            List<String> refusals) {
        List<TopicPartition> partitions = new ArrayList<>();
        drained.stream().filter(topics::containsKey).forEach(t -> partitions.addAll(partitions(topics.get(t))));
        Map<TopicPartition, OffsetAndMetadata> committed = cluster.committedOffsets(group, partitions);
        Map<TopicPartition, Long> starts = cluster.logStarts(partitions);
        Map<TopicPartition, Long> ends = cluster.committedEnds(partitions);
        Map<TopicPartition, long[]> ranges = new HashMap<>();
        for (TopicPartition tp : partitions) {
            long from = committed.containsKey(tp) ? committed.get(tp).offset() : starts.get(tp);
            ranges.put(tp, new long[] {from, ends.get(tp)});
        }
        Set<TopicPartition> lagging = cluster.holdingRecords(ranges);
        if (lagging.isEmpty()) {
            return;
        }
        List<String> named = lagging.stream()
                .sorted((a, b) -> a.topic().equals(b.topic()) ? Integer.compare(a.partition(), b.partition())
                        : a.topic().compareTo(b.topic()))
                .map(tp -> tp + " (committed " + (committed.containsKey(tp) ? committed.get(tp).offset() : "none")
                        + ", end " + ends.get(tp) + ")")
                .toList();
        refusals.add("group " + group + " has not processed everything: " + String.join(", ", named)
                + "; start fanout again and let its lag reach 0 (kafka-consumer-groups --describe --group " + group
                + ") before stopping it");
    }

    private Optional<ChangelogCopy> copy(String source, String target, Map<String, TopicDescription> topics, int tasks,
            boolean force, List<String> refusals) {
        TopicDescription from = topics.get(source);
        if (from == null) {
            refusals.add("changelog " + source + " does not exist: is " + MigrateFanoutStateConfig.FANOUT_APPLICATION_ID
                    + " fanout's application id, and has this fanout version run?");
            return Optional.empty();
        }
        int count = from.partitions().size();
        if (count != tasks) {
            refusals.add(source + " has " + count + " partitions and " + Topics.COMMANDS + " " + tasks
                    + ": routing's task p restores partition p, so the counts must be equal");
            return Optional.empty();
        }
        List<TopicPartition> sourcePartitions = partitions(from);
        Map<TopicPartition, Long> ends = cluster.committedEnds(sourcePartitions);
        Map<TopicPartition, Long> highWatermarks = cluster.highWatermarks(sourcePartitions);
        List<Integer> open = sourcePartitions.stream().filter(tp -> !ends.get(tp).equals(highWatermarks.get(tp)))
                .map(TopicPartition::partition).sorted().toList();
        if (!open.isEmpty()) {
            refusals.add(source + " has an open transaction on partitions " + open
                    + ": wait until it times out (fanout's transaction.timeout.ms) and run again");
        }
        TopicDescription to = topics.get(target);
        if (to != null) {
            if (to.partitions().size() != count) {
                refusals.add(target + " has " + to.partitions().size() + " partitions and " + source + " " + count
                        + ": delete it (routing has not used it for this state) or fix the counts");
                return Optional.empty();
            }
            List<TopicPartition> targetPartitions = partitions(to);
            Map<TopicPartition, Long> targetStarts = cluster.logStarts(targetPartitions);
            Map<TopicPartition, Long> targetEnds = cluster.highWatermarks(targetPartitions);
            Map<TopicPartition, long[]> ranges = new HashMap<>();
            targetPartitions.forEach(tp -> ranges.put(tp, new long[] {targetStarts.get(tp), targetEnds.get(tp)}));
            List<Integer> holding = cluster.holdingRecords(ranges).stream().map(TopicPartition::partition).sorted().toList();
            if (!holding.isEmpty() && !force) {
                refusals.add(target + " already holds records (partitions " + holding + "): the state was moved"
                        + " before, or routing has written it; --force copies onto it (the copy wins on restore)");
            }
        }
        Map<String, String> configs = new HashMap<>(cluster.topicOverrides(source));
        configs.put(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT);
        Map<TopicPartition, Long> starts = cluster.logStarts(sourcePartitions);
        SortedMap<Integer, Long> startByPartition = new TreeMap<>();
        SortedMap<Integer, Long> endByPartition = new TreeMap<>();
        sourcePartitions.forEach(tp -> {
            startByPartition.put(tp.partition(), starts.get(tp));
            endByPartition.put(tp.partition(), ends.get(tp));
        });
        short replication = (short) from.partitions().get(0).replicas().size();
        return Optional.of(new ChangelogCopy(source, target, count, to == null, replication, configs,
                startByPartition, endByPartition));
    }

    static List<TopicPartition> partitions(TopicDescription topic) {
        return IntStream.range(0, topic.partitions().size()).mapToObj(p -> new TopicPartition(topic.name(), p)).toList();
    }

    private static Map<Integer, OffsetAndMetadata> partitionsOf(Map<TopicPartition, OffsetAndMetadata> offsets) {
        Map<Integer, OffsetAndMetadata> out = new HashMap<>();
        offsets.forEach((tp, o) -> out.put(tp.partition(), o));
        return out;
    }
}
