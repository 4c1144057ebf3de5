package dev.kchat.moments;

import dev.kchat.events.social.FriendAdded;
import dev.kchat.events.social.FriendBlocked;
import dev.kchat.events.social.FriendRemoved;
import dev.kchat.events.social.FriendRequested;
import dev.kchat.events.social.FriendUnblocked;
import dev.kchat.events.social.SocialGraphEvent;
import java.time.Instant;
import java.util.Collections;
import java.util.HashMap;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * One user's side of the friend graph, as {@code social.graph} builds it: their friends and their
 * pending friend requests. An immutable value; {@link #apply} returns the next state.
 *
 * <p>{@code social.graph} carries one record per side of each edge, keyed by the side's user, so
 * this state needs only the records of its own key, in partition order.
 *
 * <p><b>Idempotent and ordered.</b> Delivery is at least once, so a record can come again, also
 * after newer records about the same pair (a replay from an older offset). The state keeps, per
 * other user, the time of the last change applied; a record older than that is stale and changes
 * nothing, and a record equal to what the state already says changes nothing. Records with equal
 * times apply in arrival order. The cost is one timestamp per user this user ever had an edge or a
 * request with, removed friends included: forgetting them would let a replayed
 * {@code FriendAdded} resurrect a removed friend.
 *
 * <p>Transitions, per other user:
 * <ul>
 *   <li>{@code FriendRequested}: a pending request (outgoing on the requester's side, incoming on
 *       the other), unless they are already friends or a block stands between them, in which case
 *       it is ignored.</li>
 *   <li>{@code FriendAdded}: a friend from that time on; any pending request is settled. Adding a
 *       friend already there keeps the original time.</li>
 *   <li>{@code FriendRemoved}: not a friend, no pending request (it also stands for a declined or
 *       withdrawn request).</li>
 *   <li>{@code FriendBlocked}: not a friend, no pending request, and blocked ({@code outgoing}: this
 *       user blocked the other) or blocked by the other; both can hold at once.</li>
 *   <li>{@code FriendUnblocked}: that block is lifted; no friendship comes back.</li>
 * </ul>
 */
public final class FriendGraph {

    /** Which way a pending request goes, seen from this graph's user. */
    public enum Direction {
        /** This user asked the other. */
        OUTGOING,
        /** The other user asked this one. */
        INCOMING
    }

    private final String userId;
    private final NavigableMap<String, Instant> friends;
    private final NavigableMap<String, Direction> pending;
    private final Map<String, Instant> lastChange;
    private final Set<String> blocked;
    private final Set<String> blockedBy;

    private FriendGraph(String userId, NavigableMap<String, Instant> friends,
                        NavigableMap<String, Direction> pending, Map<String, Instant> lastChange,
                        Set<String> blocked, Set<String> blockedBy) {
        this.userId = userId;
        this.friends = friends;
        this.pending = pending;
        this.lastChange = lastChange;
        this.blocked = blocked;
        this.blockedBy = blockedBy;
    }

    /** A user with no friends and no requests. */
    public static FriendGraph empty(String userId) {
        Objects.requireNonNull(userId, "userId");
        return new FriendGraph(userId, new TreeMap<>(), new TreeMap<>(), Map.of(), Set.of(), Set.of());
    }

    /**
     * The state with these contents, as {@link #friendsSince()}, {@link #pendingRequests()} and
     * {@link #lastChanges()} gave them: how a store restores a saved graph.
     *
     * @throws IllegalArgumentException if the user is among their own friends or requests
     */
    public static FriendGraph restore(String userId, Map<String, Instant> friends, Map<String, Direction> pending,
                                      Map<String, Instant> lastChange) {
        return restore(userId, friends, pending, lastChange, Set.of(), Set.of());
    }

    /**
     * As {@link #restore(String, Map, Map, Map)}, with the users this one blocked ({@link #blocked()})
     * and those who blocked them ({@link #blockedBy()}).
     */
    public static FriendGraph restore(String userId, Map<String, Instant> friends, Map<String, Direction> pending,
                                      Map<String, Instant> lastChange, Set<String> blocked, Set<String> blockedBy) {
        Objects.requireNonNull(userId, "userId");
        if (friends.containsKey(userId) || pending.containsKey(userId) || blocked.contains(userId) || blockedBy.contains(userId)) {
            throw new IllegalArgumentException("user " + userId + " cannot befriend or block themselves");
        }
        return new FriendGraph(userId, new TreeMap<>(friends), new TreeMap<>(pending), Map.copyOf(lastChange),
                new TreeSet<>(blocked), new TreeSet<>(blockedBy));
    }

    /** The state after applying these records in order to an empty graph. */
    public static FriendGraph replay(String userId, Iterable<SocialGraphEvent> events) {
        FriendGraph graph = empty(userId);
        for (SocialGraphEvent event : events) {
            graph = graph.apply(event);
        }
        return graph;
    }

    /**
     * The state after one {@code social.graph} record of this user.
     *
     * @return the next state; {@code this} when the record is stale or changes nothing
     * @throws IllegalArgumentException if the record belongs to another user, names the user as
     *                                  their own friend, or carries an unknown event (the
     *                                  topology sends such a record to {@code platform.errors})
     */
    public FriendGraph apply(SocialGraphEvent event) {
        if (!userId.equals(event.getUserId())) {
            throw new IllegalArgumentException(
                    "record of user " + event.getUserId() + " applied to the graph of " + userId);
        }
        String other = event.getOtherUserId();
        if (other == null || other.equals(userId)) {
            throw new IllegalArgumentException("user " + userId + " cannot befriend " + other);
        }
        Instant at = event.getAt();
        Instant previous = lastChange.get(other);
        if (previous != null && at.isBefore(previous)) {
            return this;
        }
        Object kind = event.getEvent();
        NavigableMap<String, Instant> nextFriends = friends;
        NavigableMap<String, Direction> nextPending = pending;
        Set<String> nextBlocked = blocked;
        Set<String> nextBlockedBy = blockedBy;
        if (kind instanceof FriendRequested requested) {
            // A request between friends is meaningless, and a block stops requests both ways; only a
            // stranger's request is pending.
            if (!friends.containsKey(other) && !isBlocked(other)) {
                nextPending = new TreeMap<>(pending);
                nextPending.put(other, requested.getOutgoing() ? Direction.OUTGOING : Direction.INCOMING);
            }
        } else if (kind instanceof FriendAdded) {
            if (!friends.containsKey(other) && !isBlocked(other)) {
                nextFriends = new TreeMap<>(friends);
                nextFriends.put(other, at);
            }
            nextPending = withoutPending(other);
        } else if (kind instanceof FriendRemoved) {
            if (friends.containsKey(other)) {
                nextFriends = new TreeMap<>(friends);
                nextFriends.remove(other);
            }
            nextPending = withoutPending(other);
        } else if (kind instanceof FriendBlocked block) {
            if (friends.containsKey(other)) {
                nextFriends = new TreeMap<>(friends);
                nextFriends.remove(other);
            }
            nextPending = withoutPending(other);
            if (block.getOutgoing()) {
                nextBlocked = with(blocked, other);
            } else {
                nextBlockedBy = with(blockedBy, other);
            }
        } else if (kind instanceof FriendUnblocked unblock) {
            if (unblock.getOutgoing()) {
                nextBlocked = without(blocked, other);
            } else {
                nextBlockedBy = without(blockedBy, other);
            }
        } else {
            throw new IllegalArgumentException("unknown social.graph event "
                    + (kind == null ? "null" : kind.getClass().getName()) + " for user " + userId);
        }
        // Every record that is not stale advances the pair's clock, also when it changes nothing
        // else: a later replay of an older record must then find itself stale.
        Map<String, Instant> nextChange = lastChange;
        if (!at.equals(previous)) {
            nextChange = new HashMap<>(lastChange);
            nextChange.put(other, at);
        }
        if (nextFriends.equals(friends) && nextPending.equals(pending) && nextChange == lastChange
                && nextBlocked.equals(blocked) && nextBlockedBy.equals(blockedBy)) {
            return this;
        }
        return new FriendGraph(userId, nextFriends, nextPending, nextChange, nextBlocked, nextBlockedBy);
    }

    private static Set<String> with(Set<String> set, String id) {
        if (set.contains(id)) {
            return set;
        }
        Set<String> next = new TreeSet<>(set);
        next.add(id);
        return next;
    }

    private static Set<String> without(Set<String> set, String id) {
        if (!set.contains(id)) {
            return set;
        }
        Set<String> next = new TreeSet<>(set);
        next.remove(id);
        return next;
    }

    private NavigableMap<String, Direction> withoutPending(String other) {
        if (!pending.containsKey(other)) {
            return pending;
        }
        NavigableMap<String, Direction> next = new TreeMap<>(pending);
        next.remove(other);
        return next;
    }

    /** The user this state belongs to. */
    public String userId() {
        return userId;
    }

    /** The user's friends, in id order. */
    public Set<String> friends() {
        return Collections.unmodifiableSet(friends.keySet());
    }

    /** Friends with the time each became one, in id order. */
    public Map<String, Instant> friendsSince() {
        return Collections.unmodifiableMap(friends);
    }

    /** Per other user, the time of the last record applied about the pair: what makes a replay stale. */
    public Map<String, Instant> lastChanges() {
        return Collections.unmodifiableMap(lastChange);
    }

    /** The number of friends: what {@link FeedPolicy} decides on. */
    public int friendCount() {
        return friends.size();
    }

    /** True if {@code other} is this user's friend. */
    public boolean isFriend(String other) {
        return friends.containsKey(other);
    }

    /** Since when {@code other} has been a friend, if they are one. */
    public Optional<Instant> friendSince(String other) {
        return Optional.ofNullable(friends.get(other));
    }

    /** The users this user blocked, in id order. */
    public Set<String> blocked() {
        return Collections.unmodifiableSet(blocked);
    }

    /** The users who blocked this user, in id order. */
    public Set<String> blockedBy() {
        return Collections.unmodifiableSet(blockedBy);
    }

    /** True if a block stands between this user and {@code other}, either way. */
    public boolean isBlocked(String other) {
        return blocked.contains(other) || blockedBy.contains(other);
    }

    /** Pending requests by the other user's id, in id order. */
    public Map<String, Direction> pendingRequests() {
        return Collections.unmodifiableMap(pending);
    }

    /** Two graphs are equal when they hold the same friends, requests, blocks and change times. */
    @Override
    public boolean equals(Object o) {
        return o instanceof FriendGraph g && userId.equals(g.userId) && friends.equals(g.friends)
                && pending.equals(g.pending) && lastChange.equals(g.lastChange)
                && blocked.equals(g.blocked) && blockedBy.equals(g.blockedBy);
    }

    @Override
    public int hashCode() {
        return Objects.hash(userId, friends, pending, lastChange, blocked, blockedBy);
    }

    @Override
    public String toString() {
        return "FriendGraph[" + userId + ", friends=" + friends.keySet() + ", pending=" + pending
                + (blocked.isEmpty() ? "" : ", blocked=" + blocked) + (blockedBy.isEmpty() ? "" : ", blockedBy=" + blockedBy) + "]";
    }
}
