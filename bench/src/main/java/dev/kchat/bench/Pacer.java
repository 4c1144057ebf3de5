package dev.kchat.bench;

import java.time.Duration;
import java.util.concurrent.locks.LockSupport;
import java.util.function.LongConsumer;

/**
 * Calls an action at a steady rate for a duration: message {@code k} is due at
 * {@code start + k / rate}, and the action receives that intended time, so a pacer that falls
 * behind (a stalled socket, GC) shows up as latency rather than as a silently lower rate.
 */
public final class Pacer {

    private Pacer() {
    }

    /** Runs until the duration has passed; returns how many actions ran. */
    public static long run(double perSecond, Duration duration, LongConsumer actionAtIntendedNanos) {
        if (perSecond <= 0) {
            throw new IllegalArgumentException("rate must be positive, was " + perSecond);
        }
        long start = System.nanoTime();
        long end = start + duration.toNanos();
        double intervalNanos = 1e9 / perSecond;
        long done = 0;
        while (true) {
            long now = System.nanoTime();
            if (now >= end) {
                return done;
            }
            long due = (long) ((now - start) / intervalNanos) + 1;
            while (done < due) {
                actionAtIntendedNanos.accept(start + (long) (done * intervalNanos));
                done++;
            }
            long next = start + (long) (done * intervalNanos);
            // Sleep to the next slot, but at least 0.2 ms: sub-millisecond bursts are fine at these rates.
            LockSupport.parkNanos(Math.max(200_000, next - System.nanoTime()));
        }
    }
}
