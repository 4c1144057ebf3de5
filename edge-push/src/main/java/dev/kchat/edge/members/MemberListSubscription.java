package dev.kchat.edge.members;

import dev.kchat.edge.live.LiveSubscriber;
import dev.kchat.store.servers.ServerRows.MemberLine;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One connection's subscription to one server's member list: the ranges it asked for, what it was last
 * sent of them, and what changed since (the presence of members in its ranges, latest per user). A
 * subscription is <em>ready</em> once its {@code member_list} was sent; only a ready one gets updates.
 * A new {@code subscribe_members} of the same connection and server makes a new subscription.
 *
 * <p>Not thread-safe: its server's {@link ServerMemberList} guards it.
 */
final class MemberListSubscription {

    private final LiveSubscriber subscriber;
    private final String serverId;
    private final List<ListRange> ranges;
    private final String ref;
    private boolean ready;
    /** The index version {@link #sent} reflects; -1 before the first answer. */
    private long seenVersion = -1;
    private List<List<MemberLine>> sent = List.of();
    private Set<String> inRanges = Set.of();
    /** Ranges (by place in {@link #ranges}) changed since the last frame. */
    private final List<Integer> changedRanges = new ArrayList<>();
    /** Presence changes of members in the ranges since the last frame, latest per user. */
    private final Map<String, String> pendingPresence = new LinkedHashMap<>();

    MemberListSubscription(LiveSubscriber subscriber, String serverId, List<ListRange> ranges, String ref) {
        this.subscriber = subscriber;
        this.serverId = serverId;
        this.ranges = List.copyOf(ranges);
        this.ref = ref;
    }

    LiveSubscriber subscriber() {
        return subscriber;
    }

    String serverId() {
        return serverId;
    }

    List<ListRange> ranges() {
        return ranges;
    }

    /** The {@code client_msg_id} of the frame that asked for it, for a refusal; may be null. */
    String ref() {
        return ref;
    }

    boolean ready() {
        return ready;
    }

    void ready(boolean ready) {
        this.ready = ready;
    }

    long seenVersion() {
        return seenVersion;
    }

    /** The users in the ranges as last sent (or about to be). */
    Set<String> inRanges() {
        return inRanges;
    }

    List<List<MemberLine>> sent() {
        return sent;
    }

    /**
     * The ranges as they are now at {@code version} of the index: the ranges whose content differs from
     * what was sent are marked changed (not on the first answer, which sends them all).
     */
    void seen(long version, List<List<MemberLine>> now, Set<String> users) {
        if (seenVersion >= 0) {
            for (int i = 0; i < now.size(); i++) {
                if (!now.get(i).equals(sent.get(i)) && !changedRanges.contains(i)) {
                    changedRanges.add(i);
                }
            }
        }
        seenVersion = version;
        sent = now;
        inRanges = users;
        // A member who left the ranges has nothing pending; one in a range sent again is sent with it.
        pendingPresence.keySet().retainAll(users);
    }

    List<Integer> changedRanges() {
        return changedRanges;
    }

    Map<String, String> pendingPresence() {
        return pendingPresence;
    }

    /** A frame went out: nothing is pending any more (presence too, unless {@code presenceHeld}). */
    void flushed(boolean presenceHeld) {
        changedRanges.clear();
        if (!presenceHeld) {
            pendingPresence.clear();
        }
    }
}
