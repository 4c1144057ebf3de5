package dev.kchat.api.limits;

import io.github.bucket4j.Bucket;
import io.github.bucket4j.ConsumptionProbe;
import io.github.bucket4j.TimeMeter;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * One {@link Rate}'s token buckets by key (a user, an address), bounded in memory. The bucket
 * arithmetic is Bucket4j's; Bucket4j keeps no map of keys, so this class does: a map in
 * access order under one lock (a look-up is a few hundred nanoseconds, far below a request's cost).
 *
 * <p>Bounded two ways: a bucket unused for the rate's whole period is full again, the same as a
 * new one, so it is dropped (checked from the least recently used end on every call, amortised
 * O(1)); and past {@code maxKeys} the least recently used bucket is dropped even if not yet full,
 * so a flood of distinct addresses cannot grow memory, at the price that a key evicted under such a
 * flood starts again with a full bucket.
 */
final class KeyedBuckets {

    private final Rate rate;
    private final int maxKeys;
    private final LongSupplier nanos;
    private final TimeMeter meter;
    private final long idleNanos;
    private final LinkedHashMap<String, Entry> buckets = new LinkedHashMap<>(16, 0.75f, true);

    private static final class Entry {
        final Bucket bucket;
        long lastUsed;

        Entry(Bucket bucket) {
            this.bucket = bucket;
        }
    }

    KeyedBuckets(Rate rate, int maxKeys, LongSupplier nanos) {
        if (rate.off()) {
            throw new IllegalArgumentException("no buckets for a rate that is off");
        }
        this.rate = rate;
        this.maxKeys = maxKeys;
        this.nanos = nanos;
        this.idleNanos = rate.period().toNanos();
        this.meter = new TimeMeter() {
            @Override
            public long currentTimeNanos() {
                return nanos.getAsLong();
            }

            @Override
            public boolean isWallClockBased() {
                return false;
            }
        };
    }

    /** Takes one token from {@code key}'s bucket: 0 if it had one, else the nanoseconds until it will. */
    long take(String key) {
        long now = nanos.getAsLong();
        Bucket bucket;
        synchronized (buckets) {
            evictIdle(now);
            Entry entry = buckets.get(key);
            if (entry == null) {
                entry = new Entry(newBucket());
                buckets.put(key, entry);
                if (buckets.size() > maxKeys) {
                    Iterator<Map.Entry<String, Entry>> eldest = buckets.entrySet().iterator();
                    eldest.next();
                    eldest.remove();
                }
            }
            entry.lastUsed = now;
            bucket = entry.bucket;
        }
        ConsumptionProbe probe = bucket.tryConsumeAndReturnRemaining(1);
        return probe.isConsumed() ? 0 : Math.max(1, probe.getNanosToWaitForRefill());
    }

    /** Buckets held now (for tests and a gauge). */
    int size() {
        synchronized (buckets) {
            return buckets.size();
        }
    }

    private void evictIdle(long now) {
        Iterator<Entry> lru = buckets.values().iterator();
        while (lru.hasNext()) {
            if (now - lru.next().lastUsed < idleNanos) {
                return;
            }
            lru.remove();
        }
    }

    private Bucket newBucket() {
        return Bucket.builder()
                .addLimit(limit -> limit.capacity(rate.burst()).refillGreedy(rate.burst(), rate.period()))
                .withCustomTimePrecision(meter)
                .build();
    }
}
