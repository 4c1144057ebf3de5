package dev.kchat.api;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.MemberDescription;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.utils.Utils;

/**
 * Which edge serves a user: the edge that owns the user's {@code chat.inbox} partition in the edges'
 * consumer group. The group's assignment is the sharding map, so there is no other coordinator.
 *
 * <p>An edge announces its address in its consumer's {@code client.id} ({@link #clientIdOf});
 * the directory reads the group's members and assignments through the Admin client and caches
 * them briefly, since assignments change only on rebalances.
 */
public final class EdgeDirectory {

    static final String CLIENT_ID_PREFIX = "kchat-edge_";
    private static final Duration CACHE_FOR = Duration.ofSeconds(2);

    private final Admin admin;
    private final String groupId;
    private final String inboxTopic;
    private final int inboxPartitions;
    private final Clock clock;
    private Map<Integer, String> owners = Map.of();
    private Instant fetchedAt = Instant.EPOCH;

    public EdgeDirectory(Admin admin, String groupId, String inboxTopic, int inboxPartitions, Clock clock) {
        this.admin = admin;
        this.groupId = groupId;
        this.inboxTopic = inboxTopic;
        this.inboxPartitions = inboxPartitions;
        this.clock = clock;
    }

    /** The inbox partition of a user: Kafka's default partitioner on the UTF-8 user id. */
    public static int partitionOf(String userId, int partitions) {
        return Utils.toPositive(Utils.murmur2(userId.getBytes(StandardCharsets.UTF_8))) % partitions;
    }

    /** The consumer {@code client.id} through which an edge announces its host and port. */
    public static String clientIdOf(String host, int port) {
        return CLIENT_ID_PREFIX + host + "_" + port;
    }

    /** The WebSocket URL announced by a {@code client.id}, if it is an edge's. */
    public static Optional<String> urlOf(String clientId) {
        if (clientId == null || !clientId.startsWith(CLIENT_ID_PREFIX)) {
            return Optional.empty();
        }
        String hostPort = clientId.substring(CLIENT_ID_PREFIX.length());
        int sep = hostPort.lastIndexOf('_');
        if (sep <= 0) {
            return Optional.empty();
        }
        return Optional.of("ws://" + hostPort.substring(0, sep) + ":" + hostPort.substring(sep + 1) + "/v1/ws");
    }

    /** A user's partition and its edge. */
    public record Location(String userId, int partition, Optional<String> edgeUrl) {
    }

    /**
     * Where a user is served, as of at most {@code CACHE_FOR} ago: the answer may name the previous
     * owner for that long after a rebalance (the client is then redirected once more). The edge is
     * empty while no edge owns the partition (e.g. during a rebalance). Reads the group through the
     * Admin client when the cache is stale: call it off I/O threads.
     */
    public synchronized Location locate(String userId) {
        int partition = partitionOf(userId, inboxPartitions);
        if (Duration.between(fetchedAt, clock.instant()).compareTo(CACHE_FOR) > 0 || !owners.containsKey(partition)) {
            refresh();
        }
        return new Location(userId, partition, Optional.ofNullable(owners.get(partition)));
    }

    /**
     * Where a user is served right now: reads the group's assignment (and refreshes the cache). For
     * an edge that knows the cached answer is wrong, e.g. one that has just lost the partition.
     */
    public Location locateNow(String userId) {
        return new Location(userId, partitionOf(userId, inboxPartitions),
                Optional.ofNullable(ownersNow().get(partitionOf(userId, inboxPartitions))));
    }

    /** Every partition's edge right now (partitions that no edge owns are absent); refreshes the cache. */
    public synchronized Map<Integer, String> ownersNow() {
        refresh();
        return owners;
    }

    private void refresh() {
        owners = Map.copyOf(fetchOwners());
        fetchedAt = clock.instant();
    }

    private Map<Integer, String> fetchOwners() {
        try {
            ConsumerGroupDescription group = admin.describeConsumerGroups(List.of(groupId)).all()
                    .get(5, TimeUnit.SECONDS).get(groupId);
            Map<Integer, String> out = new HashMap<>();
            for (MemberDescription member : group.members()) {
                Optional<String> url = urlOf(member.clientId());
                if (url.isEmpty()) {
                    continue;
                }
                for (TopicPartition tp : member.assignment().topicPartitions()) {
                    if (tp.topic().equals(inboxTopic)) {
                        out.put(tp.partition(), url.get());
                    }
                }
            }
            return out;
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("cannot read the edges' consumer group " + groupId + ": " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while reading the edge directory", e);
        }
    }
}
