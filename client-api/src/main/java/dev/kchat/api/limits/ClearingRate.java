package dev.kchat.api.limits;

import java.time.Duration;
import java.util.ArrayDeque;

/**
 * How fast one consumer group clears one topic: its committed offsets (summed over the topic's
 * partitions) read now and then, and the rate they advanced at over the last {@code window}. Offsets
 * that go back (a group reset) start the measurement over. Thread-safe.
 */
final class ClearingRate {

    private final Duration window;
    /** (nanoTime, committed offsets summed) of the reads within the window, oldest first. */
    private final ArrayDeque<long[]> history = new ArrayDeque<>();
    private double perSecond;

    ClearingRate(Duration window) {
        this.window = window;
    }

    /** Adds a read of the committed offsets' sum taken at {@code nanos} and recomputes the rate. */
    synchronized void observe(long nanos, long committed) {
        long[] newest = history.peekLast();
        if (newest != null && committed < newest[1]) {
            history.clear(); // offsets went back (a group reset): start over
        }
        history.addLast(new long[] {nanos, committed});
        while (history.size() > 2 && nanos - history.peekFirst()[0] > window.toNanos()) {
            history.removeFirst();
        }
        long[] oldest = history.peekFirst();
        double seconds = (nanos - oldest[0]) / 1e9;
        perSecond = seconds > 0 ? (committed - oldest[1]) / seconds : 0;
    }

    /** Records cleared per second over the window (0 until two reads). */
    synchronized double perSecond() {
        return perSecond;
    }
}
