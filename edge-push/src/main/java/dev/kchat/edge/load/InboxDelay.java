package dev.kchat.edge.load;

import java.util.concurrent.atomic.AtomicLong;

/**
 * How late inbox entries reach this edge after their event, averaged since the last reading, and how
 * far its inbox consumer lags: written by the inbox consumer's thread, read by the shedder's check.
 * A mean, not a maximum: a saturated pipeline delays every entry, while one old entry (a status
 * flushed late, a retried command) should not start shedding.
 */
public final class InboxDelay {

    private final AtomicLong sum = new AtomicLong();
    private final AtomicLong count = new AtomicLong();
    private volatile long lag;

    /** An entry created at {@code createdAtMillis} reached the edge at {@code nowMillis}. */
    public void entry(long createdAtMillis, long nowMillis) {
        sum.addAndGet(Math.max(0, nowMillis - createdAtMillis));
        count.incrementAndGet();
    }

    /** The inbox consumer's lag after a poll: records behind the end of its partitions. */
    public void lag(long records) {
        lag = records;
    }

    /** Mean delay of the entries since the last call, 0 if none came; resets. */
    public long takeMeanMillis() {
        long n = count.getAndSet(0);
        long total = sum.getAndSet(0);
        return n == 0 ? 0 : total / n;
    }

    public long lag() {
        return lag;
    }
}
