package dev.kchat.api.presence;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A small cache whose entries expire {@code ttlMillis} after they were put, holding at most
 * {@code maxEntries} (the least recently used go first). Thread-safe by one lock: each call is a map
 * operation, never I/O.
 */
final class ExpiringCache<K, V> {

    private record Entry<V>(V value, long expiresAt) {
    }

    private final long ttlMillis;
    private final Map<K, Entry<V>> entries;

    ExpiringCache(long ttlMillis, int maxEntries) {
        this.ttlMillis = ttlMillis;
        this.entries = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<K, Entry<V>> eldest) {
                return size() > maxEntries;
            }
        };
    }

    /** The value, or null if absent or expired at {@code nowMillis}. */
    synchronized V get(K key, long nowMillis) {
        Entry<V> entry = entries.get(key);
        if (entry == null) {
            return null;
        }
        if (nowMillis >= entry.expiresAt()) {
            entries.remove(key);
            return null;
        }
        return entry.value();
    }

    synchronized void put(K key, V value, long nowMillis) {
        entries.put(key, new Entry<>(value, nowMillis + ttlMillis));
    }
}
