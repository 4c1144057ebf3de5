package dev.kchat.ingress.servers;

import dev.kchat.store.servers.ServerRows.MemberLine;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Each server's sorted member list, kept for {@link #TTL} after it was read from the store, for at most
 * {@link #MAX_SERVERS} servers (the least recently used go first): a client scrolling a large server's list
 * reads ranges of one copy instead of the whole member partition per range (a 100,000-member server's list
 * takes the store ~0.7 s to read and sort, docs/benchmarks.md). The price: a list is up to {@link #TTL}
 * (plus the sink's delay) behind the server's log. Two requests that miss at once may both read the store;
 * nothing else waits on a read (the lock covers map operations only).
 */
final class MemberLists {

    /** How long a server's list is served from memory. */
    static final Duration TTL = Duration.ofSeconds(5);
    /** Servers whose list is kept at most (a 100,000-member list is ~10 MB). */
    static final int MAX_SERVERS = 64;

    private record Entry(List<MemberLine> members, long expiresAt) {
    }

    private final Function<String, List<MemberLine>> load;
    private final Clock clock;
    private final Map<String, Entry> entries = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Entry> eldest) {
            return size() > MAX_SERVERS;
        }
    };

    MemberLists(Function<String, List<MemberLine>> load, Clock clock) {
        this.load = load;
        this.clock = clock;
    }

    /** The server's sorted member list: the kept copy while it is fresh, else read again. */
    List<MemberLine> of(String serverId) {
        long now = clock.millis();
        synchronized (entries) {
            Entry entry = entries.get(serverId);
            if (entry != null && now < entry.expiresAt()) {
                return entry.members();
            }
        }
        List<MemberLine> members = load.apply(serverId);
        synchronized (entries) {
            entries.put(serverId, new Entry(members, now + TTL.toMillis()));
        }
        return members;
    }
}
