package dev.kchat.edge.members;

import dev.kchat.edge.live.LiveHub;
import dev.kchat.events.presence.PresenceChanged;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The users whose presence the edge's member lists watch (those in some subscribed range here, per
 * server), and the hand-over of their changes from {@code presence.changes} ({@link LiveHub} reads it
 * whole) to those lists: a change of a user in no range costs one map look-up and nothing else.
 *
 * <p>Thread-safe: a concurrent map of concurrent sets; the consumer thread takes a list's lock only to
 * hand it a change, and no list's lock is held while this map is changed by another list.
 */
final class MemberPresence implements LiveHub.PresenceListener, ServerMemberList.WatchedUsers {

    private final Map<String, Set<ServerMemberList>> byUser = new ConcurrentHashMap<>();

    @Override
    public void watch(String userId, ServerMemberList list) {
        byUser.computeIfAbsent(userId, u -> ConcurrentHashMap.newKeySet()).add(list);
    }

    @Override
    public void unwatch(String userId, ServerMemberList list) {
        byUser.computeIfPresent(userId, (u, lists) -> {
            lists.remove(list);
            return lists.isEmpty() ? null : lists;
        });
    }

    @Override
    public boolean watches(String userId) {
        return byUser.containsKey(userId);
    }

    @Override
    public void changed(PresenceChanged change) {
        Set<ServerMemberList> lists = byUser.get(change.getUserId());
        if (lists == null) {
            return;
        }
        String state = stateOf(change.getState());
        lists.forEach(list -> list.presenceChanged(change.getUserId(), state));
    }

    /** Users watched for some member list here. */
    int users() {
        return byUser.size();
    }

    /** A presence state as the member-list frames name it: {@code online}, {@code idle}, {@code dnd} or {@code offline}. */
    static String stateOf(Enum<?> state) {
        return state.name().toLowerCase(java.util.Locale.ROOT);
    }
}
