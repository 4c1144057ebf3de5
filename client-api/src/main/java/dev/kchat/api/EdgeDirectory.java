package dev.kchat.api;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
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
 *
 * <p>One read of the group is in flight at a time, and nobody holds a lock while it runs: callers that
 * need a fresh answer share it; callers whose partition is in a slightly stale copy get that copy at
 * once while it is renewed (an edge that no longer owns the partition redirects once more). Under a
 * connect storm every wrong-edge hello asks the directory, and serialising them behind one slow Admin
 * call (as a synchronized cache did) left WebSockets waiting past their idle timeout.
 */
public final class EdgeDirectory {

    static final String CLIENT_ID_PREFIX = "kchat-edge_";
    /** How long a read of the group is used without asking again. */
    static final Duration CACHE_FOR = Duration.ofSeconds(2);
    /** How long a stale copy may still answer while a newer read is in flight. */
    static final Duration STALE_FOR = Duration.ofSeconds(5);
    private static final Duration FETCH_TIMEOUT = Duration.ofSeconds(5);

    private final Supplier<CompletableFuture<Map<Integer, String>>> fetch;
    private final int inboxPartitions;
    private final Clock clock;
    private volatile Snapshot snapshot = new Snapshot(Map.of(), Instant.EPOCH);
    /** The read in flight, else null; guarded by {@code this}. */
    private CompletableFuture<Snapshot> inFlight;

    private record Snapshot(Map<Integer, String> owners, Instant fetchedAt) {
    }

    public EdgeDirectory(Admin admin, String groupId, String inboxTopic, int inboxPartitions, Clock clock) {
        this(() -> fetchOwners(admin, groupId, inboxTopic), inboxPartitions, clock);
    }

    /** A directory over any source of the partition → edge URL map (tests). */
    EdgeDirectory(Supplier<CompletableFuture<Map<Integer, String>>> fetch, int inboxPartitions, Clock clock) {
        this.fetch = fetch;
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
     * Where a user is served, as of at most {@code CACHE_FOR} ago (or {@code STALE_FOR} while a newer
     * read is in flight): the answer may name the previous owner for that long after a rebalance (the
     * client is then redirected once more). The edge is empty while no edge owns the partition (e.g.
     * during a rebalance). May wait for a read of the group: call it off I/O threads.
     *
     * @throws IllegalStateException if the group cannot be read and no usable copy is cached
     */
    public Location locate(String userId) {
        int partition = partitionOf(userId, inboxPartitions);
        Snapshot s = snapshot;
        Duration age = Duration.between(s.fetchedAt(), clock.instant());
        boolean known = s.owners().containsKey(partition);
        if (known && age.compareTo(CACHE_FOR) <= 0) {
            return location(userId, partition, s);
        }
        CompletableFuture<Snapshot> next = refresh();
        if (known && age.compareTo(STALE_FOR) <= 0) {
            return location(userId, partition, s);
        }
        return location(userId, partition, await(next));
    }

    /**
     * Where a user is served now: waits for a read of the group that started no earlier than this
     * call's predecessor (the one in flight, else a new one). For an edge that knows the cached
     * answer is wrong, e.g. one that has just lost the partition.
     */
    public Location locateNow(String userId) {
        int partition = partitionOf(userId, inboxPartitions);
        return location(userId, partition, await(refresh()));
    }

    /** Every partition's edge as the group says now (partitions no edge owns are absent). */
    public Map<Integer, String> ownersNow() {
        return await(refresh()).owners();
    }

    /**
     * Forgets the copy: the next call waits for a new read of the group, and a read in flight is not
     * kept. For a member of the group that has just seen a rebalance.
     */
    public synchronized void invalidate() {
        snapshot = new Snapshot(snapshot.owners(), Instant.EPOCH);
        inFlight = null;
    }

    private static Location location(String userId, int partition, Snapshot s) {
        return new Location(userId, partition, Optional.ofNullable(s.owners().get(partition)));
    }

    /** The read in flight, or a new one. */
    private synchronized CompletableFuture<Snapshot> refresh() {
        if (inFlight != null) {
            return inFlight;
        }
        CompletableFuture<Snapshot> f;
        try {
            f = fetch.get().thenApply(owners -> new Snapshot(Map.copyOf(owners), clock.instant()));
        } catch (RuntimeException e) {
            f = CompletableFuture.failedFuture(e);
        }
        CompletableFuture<Snapshot> read = f.orTimeout(FETCH_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        inFlight = read;
        read.whenComplete((next, error) -> {
            synchronized (EdgeDirectory.this) {
                if (inFlight != read) {
                    return; // invalidated while in flight: its answer may predate the rebalance
                }
                if (next != null) {
                    snapshot = next;
                }
                inFlight = null;
            }
        });
        return read;
    }

    private static Snapshot await(CompletableFuture<Snapshot> f) {
        try {
            return f.get();
        } catch (ExecutionException e) {
            throw new IllegalStateException("cannot read the edges' consumer group: " + e.getCause(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while reading the edge directory", e);
        }
    }

    private static CompletableFuture<Map<Integer, String>> fetchOwners(Admin admin, String groupId, String inboxTopic) {
        return admin.describeConsumerGroups(List.of(groupId)).all().toCompletionStage().toCompletableFuture()
                .thenApply(groups -> {
                    ConsumerGroupDescription group = groups.get(groupId);
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
                });
    }
}
