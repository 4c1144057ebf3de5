package dev.kchat.edge.members;

import dev.kchat.api.ApiException;
import dev.kchat.api.EdgeDirectory;
import dev.kchat.api.presence.UserPresence;
import dev.kchat.edge.live.LiveHub;
import dev.kchat.edge.live.LiveSubscriber;
import dev.kchat.edge.live.PresenceLookup;
import dev.kchat.edge.protocol.MemberListMessages;
import dev.kchat.edge.servers.ServerBroadcastSource;
import dev.kchat.events.chat.ServerBroadcast;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Member-list subscriptions at the edge ({@code subscribe_members}, Discord's lazy member list): a
 * connection subscribes to at most {@link #MAX_RANGES} ranges of a server's sorted member list and gets
 * them at once ({@code member_list}), then, once per interval at most, what changed in them
 * ({@code member_list_update}, sent by {@link MemberListFlusher}).
 *
 * <p>A server with a subscriber here has a {@link ServerMemberList}: opened at the first subscription,
 * its partition of {@code chat.server.broadcast} wanted from then on (the reader reads the union of what
 * viewed channels and member lists want), its index read from the store once the partition is read,
 * then kept current by the server's events; dropped with its last subscription. The subscriber must be
 * a member; losing membership ends the subscription ({@code member_list_ended}).
 *
 * <p>Locks: this object's lock guards which subscriptions and lists exist, and may take a list's lock
 * inside it; a list's lock never takes this one. Nothing blocking runs under either.
 */
public final class MemberListSubscriptions {

    /** Ranges one subscription may hold. */
    public static final int MAX_RANGES = 3;
    /** Members one range may hold ({@code [0,99]} is the longest from 0). */
    public static final int MAX_RANGE_LENGTH = 100;
    /** Servers whose member list one connection may subscribe to at once. */
    public static final int MAX_LISTS_PER_CONNECTION = 5;

    private static final Logger log = LoggerFactory.getLogger(MemberListSubscriptions.class);
    /** How long a subscription waits for its partition to be read before it is refused ({@code kafka_unavailable}). */
    static final Duration PARTITION_WAIT = Duration.ofSeconds(30);

    private final ServerBroadcastSource reader;
    private final int partitions;
    private final Runnable partitionsChanged;
    private final MemberListStore store;
    /** Null when the edge has no presence app to ask: members are offline until a change says otherwise. */
    private final PresenceLookup lookup;
    private final Executor workers;
    private final MeterRegistry metrics;
    private final Timer indexBuild;
    private final MemberPresence presence = new MemberPresence();
    /** server -> its list (guarded by this). */
    private final Map<String, ServerMemberList> lists = new LinkedHashMap<>();
    /** connection -> the servers it subscribes to (guarded by this). */
    private final Map<LiveSubscriber, Set<String>> bySubscriber = new HashMap<>();

    /**
     * @param partitions        partitions of {@code chat.server.broadcast}
     * @param partitionsChanged told (outside any lock) when the set of wanted partitions changed
     * @param lookup            current presence; null if the edge has none
     */
    public MemberListSubscriptions(ServerBroadcastSource reader, int partitions, Runnable partitionsChanged, MemberListStore store,
            PresenceLookup lookup, Executor workers, MeterRegistry metrics) {
        this.reader = reader;
        this.partitions = partitions;
        this.partitionsChanged = partitionsChanged;
        this.store = store;
        this.lookup = lookup;
        this.workers = workers;
        this.metrics = metrics;
        this.indexBuild = Timer.builder("kchat.edge.members.index.build")
                .description("reading a server's member list from the store and building its sorted index").register(metrics);
        metrics.gauge("kchat.edge.members.subscriptions", this, MemberListSubscriptions::subscriptions);
        metrics.gauge("kchat.edge.members.lists", this, MemberListSubscriptions::listCount);
        metrics.gauge("kchat.edge.members.watched.users", presence, MemberPresence::users);
        reader.serve(this::wantedPartitions, this::deliver);
    }

    /** What hands this edge's member lists the presence changes of the users in their ranges. */
    public LiveHub.PresenceListener presenceListener() {
        return presence;
    }

    /**
     * {@code subscribe_members}: replaces the connection's subscription to the server's list, if any,
     * and answers later ({@code member_list}, or an {@code error} frame naming the server) once the
     * server's partition is read and the list is loaded.
     *
     * @param ranges at most {@link #MAX_RANGES}, each at most {@link #MAX_RANGE_LENGTH} long (checked by the caller)
     * @param ref    the frame's {@code client_msg_id}, echoed in a refusal; may be null
     * @throws ApiException {@code too_many_member_lists} when the connection subscribes to its maximum of servers already
     */
    public void subscribe(LiveSubscriber subscriber, String serverId, List<ListRange> ranges, String ref) {
        MemberListSubscription sub = new MemberListSubscription(subscriber, serverId, ranges, ref);
        ServerMemberList list;
        boolean partitionAdded = false;
        synchronized (this) {
            Set<String> mine = bySubscriber.computeIfAbsent(subscriber, s -> new LinkedHashSet<>());
            if (!mine.contains(serverId) && mine.size() >= MAX_LISTS_PER_CONNECTION) {
                throw ApiException.badRequest("too_many_member_lists", "a connection subscribes to the member lists of at most "
                        + MAX_LISTS_PER_CONNECTION + " servers at once: unsubscribe_members one first");
            }
            mine.add(serverId);
            list = lists.get(serverId);
            if (list == null) {
                partitionAdded = !partitionWanted(partitionOf(serverId));
                list = new ServerMemberList(serverId, presence);
                lists.put(serverId, list);
            }
            list.put(sub);
        }
        if (partitionAdded) {
            partitionsChanged.run();
        }
        ServerMemberList target = list;
        // A copy: the reader's future is shared by everyone waiting for that partition.
        reader.whenReading(partitionOf(serverId)).copy()
                .orTimeout(PARTITION_WAIT.toMillis(), TimeUnit.MILLISECONDS)
                .whenCompleteAsync((ok, failure) -> {
                    if (failure != null) {
                        refuse(target, sub, "kafka_unavailable", "the server's member list cannot be read right now; subscribe again later");
                    } else {
                        admit(target, sub);
                    }
                }, workers);
    }

    /**
     * The partition is read: the list is read if need be (once for everyone waiting for it), then the
     * subscription is admitted on a worker. On a worker.
     */
    private void admit(ServerMemberList list, MemberListSubscription sub) {
        list.index(store::members, nanos -> built(list, nanos))
                .whenCompleteAsync((found, failure) -> admit(list, sub, found, failure), workers);
    }

    /** The list is read (or could not be): checks membership, answers. On a worker. */
    private void admit(ServerMemberList list, MemberListSubscription sub, Boolean found, Throwable failure) {
        String serverId = list.serverId();
        if (failure != null) {
            log.warn("member list of {} not available for {}: {}", serverId, sub.subscriber().userId(), failure.toString());
            refuse(list, sub, "store_unavailable", "the server's member list cannot be read right now; subscribe again later");
            return;
        }
        if (!found) {
            refuse(list, sub, "server_not_found", "no server '" + serverId + "'");
            return;
        }
        List<String> unknown = new ArrayList<>();
        switch (list.admit(sub, unknown)) {
            case GONE -> { }
            case NOT_A_MEMBER -> {
                forget(list, sub.subscriber());
                refused(sub, "not_a_member", "you are not a member of '" + serverId + "'");
            }
            case ADMITTED -> list.answer(sub, presenceOf(unknown));
        }
    }

    private void built(ServerMemberList list, long nanos) {
        indexBuild.record(nanos, TimeUnit.NANOSECONDS);
        log.info("member list of {} read and indexed for this edge: {} members in {} ms", list.serverId(), list.total(),
                nanos / 1_000_000);
    }

    /**
     * The current presence of users, as the member-list frames name it, in one batch (the presence app's
     * batches); users it does not answer for are offline. Blocks: workers and the flusher only.
     */
    Map<String, String> presenceOf(List<String> users) {
        Map<String, String> out = new HashMap<>();
        if (users.isEmpty()) {
            return out;
        }
        if (lookup != null) {
            for (UserPresence p : lookup.current(users)) {
                out.put(p.userId(), MemberPresence.stateOf(p.state()));
            }
        }
        users.forEach(u -> out.putIfAbsent(u, ServerMemberList.OFFLINE));
        return out;
    }

    private void refuse(ServerMemberList list, MemberListSubscription sub, String code, String message) {
        if (list.remove(sub)) {
            forget(list, sub.subscriber());
            refused(sub, code, message);
        }
    }

    private void refused(MemberListSubscription sub, String code, String message) {
        sub.subscriber().sendLive(MemberListMessages.refused(code, message, sub.serverId(), sub.ref()));
        metrics.counter("kchat.edge.members.refused", "code", code).increment();
    }

    /**
     * {@code unsubscribe_members}: the connection's subscription to the server's list ends.
     *
     * @return false if it had none
     */
    public boolean unsubscribe(LiveSubscriber subscriber, String serverId) {
        ServerMemberList list;
        synchronized (this) {
            list = lists.get(serverId);
            if (list == null || !list.remove(subscriber)) {
                return false;
            }
        }
        forget(list, subscriber);
        ended("unsubscribed");
        return true;
    }

    /** The connection closed: its subscriptions end. */
    public void closed(LiveSubscriber subscriber) {
        boolean partitionRemoved = false;
        synchronized (this) {
            Set<String> mine = bySubscriber.remove(subscriber);
            if (mine == null) {
                return;
            }
            for (String serverId : mine) {
                ServerMemberList list = lists.get(serverId);
                if (list != null) {
                    list.remove(subscriber);
                    partitionRemoved |= dropIfEmpty(list);
                }
            }
        }
        if (partitionRemoved) {
            partitionsChanged.run();
        }
    }

    /** A subscription of the connection to the list's server was removed from the list: the indexes follow. */
    private void forget(ServerMemberList list, LiveSubscriber subscriber) {
        boolean partitionRemoved;
        synchronized (this) {
            if (list.has(subscriber)) {
                return; // subscribed again meanwhile
            }
            Set<String> mine = bySubscriber.get(subscriber);
            if (mine != null) {
                mine.remove(list.serverId());
                if (mine.isEmpty()) {
                    bySubscriber.remove(subscriber);
                }
            }
            partitionRemoved = dropIfEmpty(list);
        }
        if (partitionRemoved) {
            partitionsChanged.run();
        }
    }

    /** Under this lock. @return whether the list's partition is no longer wanted */
    private boolean dropIfEmpty(ServerMemberList list) {
        if (!list.isEmpty() || lists.get(list.serverId()) != list) {
            return false;
        }
        lists.remove(list.serverId());
        log.debug("member list of {} dropped: no subscriber here", list.serverId());
        return !partitionWanted(partitionOf(list.serverId()));
    }

    private void ended(String reason) {
        metrics.counter("kchat.edge.members.ended", "reason", reason).increment();
    }

    /** One record of {@code chat.server.broadcast}; on the reader's thread. Only the server's own events matter here. */
    void deliver(ServerBroadcast b) {
        if (!b.getConversationId().equals(b.getServerId())) {
            return;
        }
        ServerMemberList list;
        synchronized (this) {
            list = lists.get(b.getServerId());
        }
        if (list == null) {
            return;
        }
        for (MemberListSubscription gone : list.onEvent(b.getEvent())) {
            forget(list, gone.subscriber());
            ended("not_a_member");
        }
    }

    /** The lists on this edge now, for the flusher. */
    synchronized List<ServerMemberList> lists() {
        return List.copyOf(lists.values());
    }

    /** The partitions of {@code chat.server.broadcast} holding a server with a member-list subscriber here. */
    public synchronized Set<Integer> wantedPartitions() {
        Set<Integer> out = new LinkedHashSet<>();
        lists.keySet().forEach(s -> out.add(partitionOf(s)));
        return out;
    }

    private boolean partitionWanted(int partition) {
        return lists.keySet().stream().anyMatch(s -> partitionOf(s) == partition);
    }

    private int partitionOf(String serverId) {
        return EdgeDirectory.partitionOf(serverId, partitions);
    }

    /** Subscriptions on this edge (answered or waiting). */
    public synchronized int subscriptions() {
        return lists.values().stream().mapToInt(ServerMemberList::subscriptions).sum();
    }

    private synchronized int listCount() {
        return lists.size();
    }
}
