package dev.kchat.edge.members;

import dev.kchat.events.chat.ConversationEvent;
import dev.kchat.events.chat.MemberBanned;
import dev.kchat.events.chat.RoleAssigned;
import dev.kchat.events.chat.RoleCreated;
import dev.kchat.events.chat.RoleDeleted;
import dev.kchat.events.chat.RoleUnassigned;
import dev.kchat.events.chat.RoleUpdated;
import dev.kchat.events.chat.ServerMemberJoined;
import dev.kchat.events.chat.ServerMemberLeft;
import dev.kchat.store.servers.ServerRows.MemberLine;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * One server's whole member list at this edge, in the list's order ({@link MemberLine#LIST_ORDER}, the
 * order the HTTP member list has), kept current by the server's own events ({@link #apply}).
 *
 * <p>Why a sorted array: a subscriber reads ranges by position ({@code [0,99]}), and an array answers a
 * position and a range in O(1) and O(range), where a balanced tree would need an order-statistics tree
 * to know positions at all. A change (a join, a leave, a role assigned) finds its place by binary search
 * and shifts the references after it: for 100,000 members one {@code System.arraycopy} of at most
 * 100,000 references, tens of microseconds, against ~n log n for sorting again per change, and nothing
 * per subscriber. A role's new position (or its deletion) moves every holder at once: that re-sorts the
 * list once (TimSort over a list that was sorted: close to linear), which is rare enough (a server's
 * roles are reordered by hand) to leave it so.
 *
 * <p>Every event states the value it sets, so applying the same run of events again to an index that
 * already has some of them changes nothing more: that is how an index read from the store catches up.
 *
 * <p>Not thread-safe: its {@link ServerMemberList} guards it.
 */
final class MemberListIndex {

    private final String serverId;
    /** The server's roles' positions by id, @everyone (id = the server id) included. */
    private final Map<String, Integer> positions;
    private final Map<String, MemberLine> byUser = new HashMap<>();
    /**
     * Each member's role ids as assigned (a role the index does not know yet included: while an index
     * catches up, an assignment may come before the role's creation is applied again).
     */
    private final Map<String, Set<String>> held = new HashMap<>();
    private final ArrayList<MemberLine> sorted;
    /** Counts the changes of order or content, so that a flush with nothing new compares nothing. */
    private long version;

    private MemberListIndex(String serverId, Map<String, Integer> positions, int expected) {
        this.serverId = serverId;
        this.positions = new HashMap<>(positions);
        this.sorted = new ArrayList<>(expected);
    }

    /**
     * The index of a server's members, each with the roles it holds (what the store read); their lines
     * are made here again from {@code positions}, so that store and index agree by construction.
     */
    static MemberListIndex of(String serverId, Map<String, Integer> positions, List<MemberLine> members) {
        MemberListIndex index = new MemberListIndex(serverId, positions, members.size());
        for (MemberLine m : members) {
            MemberLine line = MemberLine.of(serverId, m.userId(), m.roleIds(), index.positions);
            if (index.byUser.put(line.userId(), line) == null) {
                index.sorted.add(line);
            }
            index.held.put(line.userId(), m.roleIds().isEmpty() ? Set.of() : Set.copyOf(m.roleIds()));
        }
        index.sorted.sort(MemberLine.LIST_ORDER);
        return index;
    }

    String serverId() {
        return serverId;
    }

    int total() {
        return sorted.size();
    }

    long version() {
        return version;
    }

    boolean contains(String userId) {
        return byUser.containsKey(userId);
    }

    /** The members at positions {@code first} to {@code last} (inclusive), as many of them as there are: a copy. */
    List<MemberLine> range(int first, int last) {
        int from = Math.min(first, sorted.size());
        int to = Math.min(last + 1, sorted.size());
        return List.copyOf(sorted.subList(from, to));
    }

    /** The whole list, for tests: a copy. */
    List<MemberLine> all() {
        return List.copyOf(sorted);
    }

    /**
     * Applies one of the server's own events.
     *
     * @return whether the list's order or content changed
     */
    boolean apply(ConversationEvent event) {
        Object p = event.getPayload();
        boolean changed;
        if (p instanceof ServerMemberJoined j) {
            changed = !byUser.containsKey(j.getUserId()) && joined(j.getUserId());
        } else if (p instanceof ServerMemberLeft l) {
            changed = remove(l.getUserId());
        } else if (p instanceof MemberBanned b) {
            changed = remove(b.getUserId());
        } else if (p instanceof RoleAssigned a) {
            changed = withRoles(a.getUserId(), a.getRoleId(), true);
        } else if (p instanceof RoleUnassigned u) {
            changed = withRoles(u.getUserId(), u.getRoleId(), false);
        } else if (p instanceof RoleCreated c) {
            changed = rolePosition(c.getRole().getRoleId(), c.getRole().getPosition());
        } else if (p instanceof RoleUpdated u) {
            changed = rolePosition(u.getRole().getRoleId(), u.getRole().getPosition());
        } else if (p instanceof RoleDeleted d) {
            changed = !d.getRoleId().equals(serverId) && rolePosition(d.getRoleId(), null);
        } else {
            changed = false;
        }
        if (changed) {
            version++;
        }
        return changed;
    }

    private boolean joined(String userId) {
        held.put(userId, Set.of());
        return put(MemberLine.of(serverId, userId, Set.of(), positions));
    }

    private boolean put(MemberLine line) {
        byUser.put(line.userId(), line);
        int at = Collections.binarySearch(sorted, line, MemberLine.LIST_ORDER);
        sorted.add(-at - 1, line);
        return true;
    }

    private boolean remove(String userId) {
        MemberLine line = byUser.remove(userId);
        if (line == null) {
            return false;
        }
        held.remove(userId);
        sorted.remove(Collections.binarySearch(sorted, line, MemberLine.LIST_ORDER));
        return true;
    }

    /** A member gains or loses a role: their line is made again and, if it changed, moves to its place. */
    private boolean withRoles(String userId, String roleId, boolean add) {
        MemberLine before = byUser.get(userId);
        if (before == null) {
            return false;
        }
        Set<String> roles = new TreeSet<>(held.getOrDefault(userId, Set.of()));
        if (!(add ? roles.add(roleId) : roles.remove(roleId))) {
            return false;
        }
        held.put(userId, roles);
        MemberLine after = MemberLine.of(serverId, userId, roles, positions);
        if (after.equals(before)) {
            return false; // a role the index does not know (yet): nothing shown changes
        }
        byUser.remove(userId);
        sorted.remove(Collections.binarySearch(sorted, before, MemberLine.LIST_ORDER));
        return put(after);
    }

    /**
     * A role is created, moved, or deleted ({@code position} null): every holder's line is made again,
     * and the list re-sorted once if any changed.
     */
    private boolean rolePosition(String roleId, Integer position) {
        Integer before = position == null ? positions.remove(roleId) : positions.put(roleId, position);
        if (position != null && position.equals(before)) {
            return false; // a deletion goes on: holders may hold it while the index does not know it
        }
        boolean changed = false;
        for (Map.Entry<String, Set<String>> holder : held.entrySet()) {
            if (!holder.getValue().contains(roleId)) {
                continue;
            }
            if (position == null) {
                Set<String> roles = new TreeSet<>(holder.getValue());
                roles.remove(roleId);
                holder.setValue(roles);
            }
            MemberLine after = MemberLine.of(serverId, holder.getKey(), holder.getValue(), positions);
            if (!after.equals(byUser.put(holder.getKey(), after))) {
                changed = true;
            }
        }
        if (changed) {
            sorted.clear();
            sorted.addAll(byUser.values());
            sorted.sort(MemberLine.LIST_ORDER);
        }
        return changed;
    }
}
