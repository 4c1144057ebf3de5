package dev.kchat.edge.servers;

import dev.kchat.events.chat.ConversationEvent;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.BooleanSupplier;

/**
 * The permission state of the servers this edge has viewers of ({@link ServerState}), one entry per
 * server from its first view until its last view ends.
 *
 * <p>An entry is opened when a view is reserved, before its partition is read and before the store
 * is asked: from then on the server's own events are remembered in the entry (the last
 * {@link #REMEMBERED_EVENTS}). What is read from the store (the server, then each viewing user's
 * roles) is brought up to date by applying the remembered events to it, in order: since every
 * event states the value it sets, events the store already had change nothing. What this cannot
 * cover: events the edge read before the entry was opened and the store did not have yet when it
 * was read (the sink's lag, under a second, at the first view of a server only).
 *
 * <p>Locks: the cache's own lock only to open and drop entries; each entry's lock around its state
 * (the consumer thread applies events under it, workers load under it). The cache's lock is never
 * held while an entry's is taken.
 */
final class ServerStateCache {

    /** Server events remembered per viewed server, to bring what is read from the store up to date. */
    static final int REMEMBERED_EVENTS = 1_000;

    private final ServerStore store;
    private final Map<String, Entry> entries = new HashMap<>();

    ServerStateCache(ServerStore store) {
        this.store = store;
    }

    /** One viewed server: its state once read, and its recent events. Lock it to touch either. */
    static final class Entry {
        private final String serverId;
        private final Deque<ConversationEvent> recent = new ArrayDeque<>();
        private ServerState state;

        private Entry(String serverId) {
            this.serverId = serverId;
        }

        /** The state, or null while it has not been read yet (or the server does not exist). Under the entry's lock. */
        ServerState state() {
            return state;
        }

        /**
         * One of the server's events, in log order: remembered, and applied to the state if it was read.
         * Under the entry's lock.
         *
         * @return whether it may change who views what (see {@link ServerState#apply})
         */
        boolean onEvent(ConversationEvent event) {
            recent.addLast(event);
            if (recent.size() > REMEMBERED_EVENTS) {
                recent.removeFirst();
            }
            return state != null && state.apply(event);
        }

        String serverId() {
            return serverId;
        }
    }

    /** The server's entry, opened if it has none: its events are remembered from now on. */
    synchronized Entry open(String serverId) {
        return entries.computeIfAbsent(serverId, Entry::new);
    }

    /** The server's entry, or null if nobody views it here. */
    synchronized Entry get(String serverId) {
        return entries.get(serverId);
    }

    /**
     * A view of the server by the user ended: drops the server's entry if nobody views it any more,
     * else forgets the user's membership if they view nothing of it any more. Each question is
     * asked under the lock that orders it against a new view: a view reserved after the entry was
     * dropped opens a new one; a user being admitted holds a reserved view, so their membership is
     * kept. Takes the cache's lock and then an entry's, never both at once.
     */
    void released(String serverId, BooleanSupplier serverStillViewed, BooleanSupplier userStillViews, String userId) {
        Entry e;
        synchronized (this) {
            if (!serverStillViewed.getAsBoolean()) {
                entries.remove(serverId);
                return;
            }
            e = entries.get(serverId);
        }
        if (e != null) {
            synchronized (e) {
                if (e.state != null && !userStillViews.getAsBoolean()) {
                    e.state.untrack(userId);
                }
            }
        }
    }

    /**
     * Makes sure the entry holds the server's state and the user's membership, reading the store
     * for what it lacks (outside the entry's lock), then bringing it up to date with the remembered
     * events. Blocks: workers only.
     *
     * @return false if the store has no such server
     * @throws RuntimeException if the store cannot answer
     */
    boolean load(Entry e, String userId) {
        boolean needServer;
        boolean needUser;
        synchronized (e) {
            needServer = e.state == null;
            needUser = needServer || !e.state.tracks(userId);
        }
        if (!needUser) {
            return true;
        }
        ServerStore.Snapshot snapshot = null;
        if (needServer) {
            snapshot = store.server(e.serverId).orElse(null);
            if (snapshot == null) {
                return false;
            }
        }
        Optional<Set<String>> roles = store.memberRoles(e.serverId, userId);
        synchronized (e) {
            if (e.state == null) {
                e.state = ServerState.of(snapshot);
            }
            if (!e.state.tracks(userId)) {
                e.state.track(userId, roles);
            }
            // Everything remembered, again: what the store already had changes nothing.
            e.recent.forEach(e.state::apply);
        }
        return true;
    }

    /** Servers with an entry (viewed here). */
    synchronized int size() {
        return entries.size();
    }
}
