package dev.kchat.schemas.topic;

import dev.kchat.schemas.registry.Compatibility;
import dev.kchat.schemas.registry.SchemaRegistryClient;
import dev.kchat.schemas.serde.AvroSerde;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Creates the platform's topics on a cluster and registers their value schemas, idempotently:
 * what exists is checked, not recreated. Used by the local runner, by tests and by an operator's
 * one-off provisioning against a real cluster.
 */
public final class TopicProvisioner {

    private static final Logger log = LoggerFactory.getLogger(TopicProvisioner.class);

    private TopicProvisioner() {
    }

    /**
     * Creates every missing topic with its partitions, replication factor and configs.
     *
     * @return names of the topics created now (empty if all existed)
     * @throws IllegalStateException if an existing topic has fewer partitions than the registry
     *                               says (co-partitioning and the edge's user map depend on them)
     */
    public static List<String> createTopics(Admin admin, Topics topics, short replicationFactor, Duration timeout) {
        try {
            Set<String> existing = admin.listTopics().names().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            List<NewTopic> missing = new ArrayList<>();
            List<String> present = new ArrayList<>();
            for (Topic<?, ?> topic : topics.all()) {
                if (existing.contains(topic.name())) {
                    present.add(topic.name());
                } else {
                    missing.add(new NewTopic(topic.name(), topic.partitions(), replicationFactor)
                            .configs(topic.creationConfigs()));
                }
            }
            if (!present.isEmpty()) {
                Map<String, TopicDescription> described = admin.describeTopics(present).allTopicNames()
                        .get(timeout.toMillis(), TimeUnit.MILLISECONDS);
                for (TopicDescription d : described.values()) {
                    int expected = topics.byName(d.name()).partitions();
                    if (d.partitions().size() < expected) {
                        throw new IllegalStateException("topic " + d.name() + " has " + d.partitions().size()
                                + " partitions, the platform needs " + expected);
                    }
                }
            }
            if (!missing.isEmpty()) {
                admin.createTopics(missing).all().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
                log.info("created topics {}", missing.stream().map(NewTopic::name).toList());
                awaitLeaders(admin, missing.stream().map(NewTopic::name).toList(), timeout);
            }
            return missing.stream().map(NewTopic::name).toList();
        } catch (ExecutionException e) {
            throw new IllegalStateException("cannot create topics: " + e.getCause(), e.getCause());
        } catch (TimeoutException e) {
            throw new IllegalStateException("cannot create topics: no answer from the cluster within " + timeout, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while creating topics", e);
        }
    }

    /**
     * Waits until every partition of new topics has a leader. Producing before that gets
     * NOT_LEADER errors, and an idempotent producer whose first batch to a partition fails that way
     * can be left retrying OUT_OF_ORDER_SEQUENCE_NUMBER until its delivery timeout drops the batch.
     */
    private static void awaitLeaders(Admin admin, List<String> names, Duration timeout)
            throws InterruptedException, ExecutionException, TimeoutException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            Map<String, TopicDescription> described = admin.describeTopics(names).allTopicNames()
                    .get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            boolean allLed = described.values().stream().flatMap(d -> d.partitions().stream())
                    .allMatch(p -> p.leader() != null && !p.leader().isEmpty());
            if (allLed) {
                awaitLeadersServing(admin, described, deadline);
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new TimeoutException("partitions of " + names + " have no leader after " + timeout);
            }
            Thread.sleep(50);
        }
    }

    /**
     * Waits until the leader of every new partition answers a request for that partition. A leader
     * in the metadata is not yet a leader that serves: right after creation the first produce could
     * still get NOT_LEADER_OR_FOLLOWER (seen in CI), with the consequence above. A ListOffsets request
     * goes to the partition's leader and reads nothing, so it probes without writing a record;
     * the Admin client retries it through leader changes until it succeeds or the deadline passes.
     */
    private static void awaitLeadersServing(Admin admin, Map<String, TopicDescription> described, long deadline)
            throws InterruptedException, ExecutionException, TimeoutException {
        Map<TopicPartition, OffsetSpec> probe = new LinkedHashMap<>();
        described.values().forEach(d -> d.partitions().forEach(p -> probe.put(new TopicPartition(d.name(), p.partition()),
                OffsetSpec.latest())));
        long left = Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime()));
        admin.listOffsets(probe).all().get(left, TimeUnit.MILLISECONDS);
    }

    /**
     * Sets each value subject to the platform's compatibility level and registers the current
     * schema, so consumers can decode before the first record is written.
     *
     * @return schema id by subject
     */
    public static Map<String, Integer> registerSchemas(SchemaRegistryClient registry, Topics topics) {
        Map<String, Integer> ids = new LinkedHashMap<>();
        for (Topic<?, ?> topic : topics.all()) {
            if (topic.valueSerde() instanceof AvroSerde<?> avro) {
                registry.setCompatibility(topic.valueSubject(), Compatibility.PLATFORM_DEFAULT);
                ids.put(topic.valueSubject(), registry.register(topic.valueSubject(), avro.schema()));
            }
        }
        log.info("registered {} value schemas at compatibility {}", ids.size(), Compatibility.PLATFORM_DEFAULT);
        return ids;
    }
}
