package dev.kchat.routing;

import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.function.ToLongFunction;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Deletes the entries of a store once they are older than its window, with no index: each run walks on
 * from where the last one stopped, in key order, and starts again from the first key after the last.
 * A run visits {@code approximate entries × run interval / (window / 2)} entries (at least
 * {@link #MIN_VISITS}, at most {@link #MAX_VISITS}), so the walk goes round the whole store about twice
 * per window, however fast it fills: an entry is deleted between one and about one and a half windows
 * after its time. Readers must therefore not trust an entry by its presence alone;
 * {@link #live(long, long)} says whether one is still within its window.
 *
 * <p>Why no index (issue 12, docs/plans/issue-12-what-next.md, lever 2): the time-ordered index stores
 * this replaces were changelogged, so every routing transaction wrote two more changelog partitions (an
 * AddPartitionsToTxn verification, a marker and a round trip each) only to find expired entries. The
 * walk reads RocksDB in order and decodes each value it visits: about two visits per insert in the
 * steady state, a few microseconds each, spread over runs of a second by default.
 *
 * <p>The cursor lives in memory. A task that restarts walks from the first key again, which only
 * delays deletions; it never deletes a live entry, because each visited value's own time is checked.
 * Hand-written: Kafka Streams offers time-to-live only for window and session stores, whose keys would
 * not serve routing's point look-ups.
 */
final class ExpirySweep<V> {

    /** The fewest entries a run visits, so a small or freshly restored store is still walked round briskly. */
    static final int MIN_VISITS = 20;
    /** The most entries a run visits, so one run cannot stall the task (about 20-50 ms at the most). */
    static final int MAX_VISITS = 20_000;

    private final KeyValueStore<String, V> store;
    private final ToLongFunction<V> timeOf;
    private final long windowMillis;
    private final long intervalMillis;
    /** The last key visited; the next run starts after it. Null: from the first key. */
    private String cursor;

    /**
     * @param timeOf   the entry's time in epoch milliseconds
     * @param window   how long an entry lives after its time
     * @param interval how often {@link #run} is called
     */
    ExpirySweep(KeyValueStore<String, V> store, ToLongFunction<V> timeOf, Duration window, Duration interval) {
        this.store = store;
        this.timeOf = timeOf;
        this.windowMillis = window.toMillis();
        this.intervalMillis = interval.toMillis();
    }

    /** Whether an entry with time {@code entryMillis} is still within its window at {@code nowMillis}. */
    boolean live(long entryMillis, long nowMillis) {
        return entryMillis > nowMillis - windowMillis;
    }

    /** The value under {@code key}, or null if there is none or it has outlived its window. */
    V get(String key, long nowMillis) {
        V value = store.get(key);
        return value != null && live(timeOf.applyAsLong(value), nowMillis) ? value : null;
    }

    /** Visits this run's share of the store from the cursor on and deletes what has expired; returns the deletions. */
    int run(long nowMillis) {
        int budget = budget();
        Set<String> expired = new LinkedHashSet<>(); // a small store may be seen twice in one run
        int visited = 0;
        String last = cursor;
        boolean wrapped = false;
        while (visited < budget) {
            int before = visited;
            try (KeyValueIterator<String, V> it = cursor == null ? store.all() : store.range(cursor, null)) {
                while (it.hasNext() && visited < budget) {
                    KeyValue<String, V> entry = it.next();
                    if (entry.key.equals(cursor)) {
                        continue; // the range's start is inclusive; the cursor was visited last run
                    }
                    visited++;
                    last = entry.key;
                    if (!live(timeOf.applyAsLong(entry.value), nowMillis)) {
                        expired.add(entry.key);
                    }
                }
                if (visited < budget) {
                    last = null; // the end of the store: the next pass starts from the first key
                }
            }
            cursor = last;
            if (cursor != null || wrapped || visited == before) {
                break; // the budget is spent, or the whole store was seen this run
            }
            wrapped = true;
        }
        for (String key : expired) {
            store.delete(key);
        }
        return expired.size();
    }

    /** Entries to visit this run: enough to go round the store twice per window. */
    int budget() {
        long entries = Math.max(0, store.approximateNumEntries());
        long share = windowMillis <= 0 ? entries : (long) Math.ceil(entries * (double) intervalMillis / (windowMillis / 2.0));
        return (int) Math.min(MAX_VISITS, Math.max(MIN_VISITS, share));
    }
}
