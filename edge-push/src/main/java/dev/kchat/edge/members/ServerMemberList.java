package dev.kchat.edge.members;

import dev.kchat.edge.live.LiveSubscriber;
import dev.kchat.edge.protocol.MemberListMessages;
import dev.kchat.edge.protocol.MemberListMessages.Range;
import dev.kchat.events.chat.ConversationEvent;
import dev.kchat.events.chat.ServerMemberLeft;
import dev.kchat.store.servers.ServerRows.MemberLine;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import java.util.function.LongConsumer;

/**
 * One server's member list at this edge while a connection here subscribes to it: the sorted index
 * ({@link MemberListIndex}, null until read from the store), the subscriptions, and the presence of the
 * users in their ranges (the only users of the server whose presence this edge watches for it).
 *
 * <p>Opened before the server's partition is read and before the store is asked, it remembers the
 * server's last {@link #REMEMBERED_EVENTS} events: the index read from the store is brought up to date
 * by applying them again, in order (every event states the value it sets, so what the store had
 * already changes nothing), as {@code ServerStateCache} does for the permission state.
 *
 * <p>Thread-safe: every method holds this object's lock; frames are written under it (writes do not
 * block), so a subscription's frames go out in the order decided.
 */
final class ServerMemberList {

    /** Server events remembered, to bring what is read from the store up to date. */
    static final int REMEMBERED_EVENTS = 1_000;
    /** Presence of a member whose presence is not known (not answered by the presence app, or none asked). */
    static final String OFFLINE = "offline";

    private final String serverId;
    private final WatchedUsers watched;
    private final Deque<ConversationEvent> recent = new ArrayDeque<>();
    private MemberListIndex index;
    /** Completes when the read of the index under way ends; null when none is. */
    private CompletableFuture<Boolean> loading;
    private final Map<LiveSubscriber, MemberListSubscription> subscriptions = new LinkedHashMap<>();
    /** The latest known presence of the users in some range here. */
    private final Map<String, String> presence = new HashMap<>();
    /** How many subscriptions here have each user in a range. */
    private final Map<String, Integer> inRanges = new HashMap<>();

    /** Where the users whose presence a member list needs are registered (see {@link MemberPresence}). */
    interface WatchedUsers {
        void watch(String userId, ServerMemberList list);

        void unwatch(String userId, ServerMemberList list);
    }

    /** What a subscription's admission found. */
    enum Admission { GONE, NOT_A_MEMBER, ADMITTED }

    ServerMemberList(String serverId, WatchedUsers watched) {
        this.serverId = serverId;
        this.watched = watched;
    }

    String serverId() {
        return serverId;
    }

    /**
     * The index, read if need be: the first caller reads the store, on its own thread (a worker) and
     * outside the lock, and completes the answer; the others get the same answer, completed then, so
     * that a thousand subscribers arriving at once read a 100,000-member server once and none of them
     * blocks a worker meanwhile. A failed read is tried again by the next caller.
     *
     * @param built told the nanoseconds the read and the index took, once an index is built
     * @return completes with false if the store has no such server, exceptionally if it cannot answer
     */
    CompletableFuture<Boolean> index(Function<String, Optional<MemberListStore.Members>> read, LongConsumer built) {
        CompletableFuture<Boolean> pending;
        synchronized (this) {
            if (index != null) {
                return CompletableFuture.completedFuture(true);
            }
            if (loading != null) {
                return loading;
            }
            loading = new CompletableFuture<>();
            pending = loading;
        }
        try {
            long start = System.nanoTime();
            Optional<MemberListStore.Members> members = read.apply(serverId);
            MemberListIndex loaded = members.map(m -> MemberListIndex.of(serverId, m.rolePositions(), m.members())).orElse(null);
            synchronized (this) {
                loading = null;
                if (loaded != null && index == null) {
                    index = loaded;
                    // Everything remembered, again: what the store already had changes nothing.
                    recent.forEach(index::apply);
                }
            }
            if (loaded != null) {
                built.accept(System.nanoTime() - start);
            }
            pending.complete(members.isPresent());
        } catch (RuntimeException e) {
            synchronized (this) {
                loading = null;
            }
            pending.completeExceptionally(e);
        }
        return pending;
    }

    /** For tests and metrics: the members in the list now, or -1 before it was read. */
    synchronized int total() {
        return index == null ? -1 : index.total();
    }

    /** Adds a subscription, replacing the connection's earlier one (whose users are no longer watched for it). */
    synchronized void put(MemberListSubscription sub) {
        MemberListSubscription before = subscriptions.put(sub.subscriber(), sub);
        if (before != null) {
            retarget(before.inRanges(), Set.of());
        }
    }

    /** Removes the connection's subscription. @return whether it had one */
    synchronized boolean remove(LiveSubscriber subscriber) {
        MemberListSubscription gone = subscriptions.remove(subscriber);
        if (gone == null) {
            return false;
        }
        retarget(gone.inRanges(), Set.of());
        return true;
    }

    /** Removes this subscription if it is still the connection's. @return whether it was */
    synchronized boolean remove(MemberListSubscription sub) {
        return subscriptions.get(sub.subscriber()) == sub && remove(sub.subscriber());
    }

    synchronized boolean has(LiveSubscriber subscriber) {
        return subscriptions.containsKey(subscriber);
    }

    synchronized boolean isEmpty() {
        return subscriptions.isEmpty();
    }

    synchronized int subscriptions() {
        return subscriptions.size();
    }

    /**
     * The index is read: checks the subscriber's membership and fixes what its first answer holds (its
     * users are watched from now on). A subscription replaced or ended meanwhile is {@code GONE}; one of a
     * non-member is removed.
     *
     * @param unknown filled with the users in its ranges whose presence is not known here yet
     */
    synchronized Admission admit(MemberListSubscription sub, List<String> unknown) {
        if (subscriptions.get(sub.subscriber()) != sub) {
            return Admission.GONE;
        }
        if (!index.contains(sub.subscriber().userId())) {
            remove(sub.subscriber());
            return Admission.NOT_A_MEMBER;
        }
        see(sub);
        sub.inRanges().stream().filter(u -> !presence.containsKey(u)).forEach(unknown::add);
        return Admission.ADMITTED;
    }

    /**
     * Sends the subscription's {@code member_list}, with the presence looked up for the users that had
     * none (a change that arrived meanwhile wins), and makes it ready for updates.
     *
     * @return false if it was replaced or ended meanwhile
     */
    synchronized boolean answer(MemberListSubscription sub, Map<String, String> looked) {
        learn(looked);
        if (subscriptions.get(sub.subscriber()) != sub) {
            return false;
        }
        sub.subscriber().sendLive(MemberListMessages.memberList(serverId, index.total(), ranges(sub, null), this::presenceOf));
        sub.flushed(false);
        sub.ready(true);
        return true;
    }

    /**
     * One of the server's own events, in log order: remembered, and applied to the index if it is read.
     * A subscriber who is no longer a member loses the subscription, told by {@code member_list_ended}.
     *
     * @return the subscriptions that ended
     */
    synchronized List<MemberListSubscription> onEvent(ConversationEvent event) {
        recent.addLast(event);
        if (recent.size() > REMEMBERED_EVENTS) {
            recent.removeFirst();
        }
        if (index == null || !index.apply(event) || !(event.getPayload() instanceof ServerMemberLeft left)) {
            return List.of();
        }
        List<MemberListSubscription> ended = new ArrayList<>();
        for (MemberListSubscription sub : List.copyOf(subscriptions.values())) {
            if (sub.subscriber().userId().equals(left.getUserId())) {
                remove(sub.subscriber());
                sub.subscriber().sendLive(MemberListMessages.ended(serverId, left.getKind().name().toLowerCase()));
                ended.add(sub);
            }
        }
        return ended;
    }

    /** A watched user's presence changed: kept, and pending for the ready subscriptions with them in a range. */
    synchronized void presenceChanged(String userId, String state) {
        if (!inRanges.containsKey(userId)) {
            return;
        }
        presence.put(userId, state);
        for (MemberListSubscription sub : subscriptions.values()) {
            if (sub.ready() && sub.inRanges().contains(userId)) {
                sub.pendingPresence().put(userId, state);
            }
        }
    }

    /**
     * The first half of a flush: every ready subscription whose index changed since it was last sent
     * has its ranges compared with what it was sent (the changed ones are marked), and its users watched.
     *
     * @return the users in some range whose presence is not known here yet
     */
    synchronized List<String> prepare() {
        Set<String> unknown = new LinkedHashSet<>();
        if (index == null) {
            return List.of();
        }
        for (MemberListSubscription sub : subscriptions.values()) {
            if (sub.ready() && sub.seenVersion() != index.version()) {
                see(sub);
                sub.inRanges().stream().filter(u -> !presence.containsKey(u)).forEach(unknown::add);
            }
        }
        return List.copyOf(unknown);
    }

    /**
     * The second half of a flush: one {@code member_list_update} to each ready subscription with a
     * changed range, or with pending presence while presence is not held ({@code holdPresence}: the
     * edge sheds presence; held presence stays pending, latest per user).
     *
     * @return the number of items (presence items and members of ranges sent) of each frame sent
     */
    synchronized List<Integer> flush(Map<String, String> looked, boolean holdPresence) {
        learn(looked);
        List<Integer> sizes = new ArrayList<>();
        if (index == null) {
            return sizes;
        }
        for (MemberListSubscription sub : subscriptions.values()) {
            boolean presenceDue = !holdPresence && !sub.pendingPresence().isEmpty();
            if (!sub.ready() || (sub.changedRanges().isEmpty() && !presenceDue)) {
                continue;
            }
            List<Range> ranges = ranges(sub, sub.changedRanges());
            Map<String, String> items = new LinkedHashMap<>();
            if (presenceDue) {
                Set<String> resent = new HashSet<>();
                ranges.forEach(r -> r.members().forEach(m -> resent.add(m.userId())));
                sub.pendingPresence().forEach((user, state) -> {
                    if (!resent.contains(user)) {
                        items.put(user, state);
                    }
                });
            }
            if (ranges.isEmpty() && items.isEmpty()) {
                sub.flushed(holdPresence);
                continue;
            }
            sub.subscriber().sendLive(MemberListMessages.update(serverId, index.total(), ranges, this::presenceOf, items));
            sub.flushed(holdPresence);
            sizes.add(items.size() + ranges.stream().mapToInt(r -> r.members().size()).sum());
        }
        return sizes;
    }

    /** The subscription's ranges as the index has them now, watched; marks the changed ones. */
    private void see(MemberListSubscription sub) {
        List<List<MemberLine>> now = new ArrayList<>();
        Set<String> users = new HashSet<>();
        for (ListRange b : sub.ranges()) {
            List<MemberLine> lines = index.range(b.first(), b.last());
            now.add(lines);
            lines.forEach(m -> users.add(m.userId()));
        }
        retarget(sub.inRanges(), users);
        sub.seen(index.version(), now, users);
    }

    /** The ranges as last seen: all of them ({@code only} null) or the ones listed. */
    private static List<Range> ranges(MemberListSubscription sub, List<Integer> only) {
        List<Range> out = new ArrayList<>();
        for (int i = 0; i < sub.ranges().size(); i++) {
            if (only == null || only.contains(i)) {
                out.add(new Range(sub.ranges().get(i).first(), sub.sent().get(i)));
            }
        }
        return out;
    }

    /** Moves one subscription's users from {@code before} to {@code after}: a user in no range here any more is not watched. */
    private void retarget(Set<String> before, Set<String> after) {
        for (String user : after) {
            if (!before.contains(user) && inRanges.merge(user, 1, Integer::sum) == 1) {
                watched.watch(user, this);
            }
        }
        for (String user : before) {
            if (!after.contains(user) && inRanges.merge(user, -1, Integer::sum) == 0) {
                inRanges.remove(user);
                presence.remove(user);
                watched.unwatch(user, this);
            }
        }
    }

    /** Looked-up presence, kept for the users still watched unless a change already told newer. */
    private void learn(Map<String, String> looked) {
        looked.forEach((user, state) -> {
            if (inRanges.containsKey(user)) {
                presence.putIfAbsent(user, state);
            }
        });
    }

    private String presenceOf(String userId) {
        return presence.getOrDefault(userId, OFFLINE);
    }
}
