package dev.kchat.schemas;

import java.time.Instant;

/**
 * K-sortable 64-bit message ids of server channels ({@code MessagePosted.snowflake}), Discord's
 * layout with the platform's epoch: 42 bits of milliseconds since {@link #EPOCH}, 10 bits of worker
 * (routing's partition of the server), 12 bits of sequence. Routing assigns them from the command's
 * {@code issued_at} and a per-worker counter kept in a state store, so a replay of the same commands
 * gives the same ids; ordering them orders messages across channels by time (to the millisecond).
 *
 * <p>42 bits of milliseconds last until 2165. A worker above 1023 or a sequence above 4095 is
 * refused: the caller moves to the next millisecond when a millisecond's sequence is used up.
 */
public final class Snowflake {

    /** 2026-01-01T00:00:00Z: time 0 of the timestamp bits. */
    public static final Instant EPOCH = Instant.parse("2026-01-01T00:00:00Z");
    public static final int WORKER_BITS = 10;
    public static final int SEQUENCE_BITS = 12;
    public static final int MAX_WORKER = (1 << WORKER_BITS) - 1;
    public static final int MAX_SEQUENCE = (1 << SEQUENCE_BITS) - 1;
    private static final long MAX_MILLIS = (1L << (63 - WORKER_BITS - SEQUENCE_BITS)) - 1;

    private Snowflake() {
    }

    /** The id of (milliseconds since {@link #EPOCH}, worker, sequence). */
    public static long of(long millisSinceEpoch, int worker, int sequence) {
        if (millisSinceEpoch < 0 || millisSinceEpoch > MAX_MILLIS) {
            throw new IllegalArgumentException("time out of range: " + millisSinceEpoch + " ms since " + EPOCH);
        }
        if (worker < 0 || worker > MAX_WORKER) {
            throw new IllegalArgumentException("worker out of range 0.." + MAX_WORKER + ": " + worker);
        }
        if (sequence < 0 || sequence > MAX_SEQUENCE) {
            throw new IllegalArgumentException("sequence out of range 0.." + MAX_SEQUENCE + ": " + sequence);
        }
        return (millisSinceEpoch << (WORKER_BITS + SEQUENCE_BITS)) | ((long) worker << SEQUENCE_BITS) | sequence;
    }

    /** Milliseconds since {@link #EPOCH} of an instant, 0 for an instant before it. */
    public static long millisSinceEpoch(Instant at) {
        return Math.max(0, at.toEpochMilli() - EPOCH.toEpochMilli());
    }

    public static Instant timestamp(long snowflake) {
        return EPOCH.plusMillis(snowflake >>> (WORKER_BITS + SEQUENCE_BITS));
    }

    public static int worker(long snowflake) {
        return (int) ((snowflake >>> SEQUENCE_BITS) & MAX_WORKER);
    }

    public static int sequence(long snowflake) {
        return (int) (snowflake & MAX_SEQUENCE);
    }
}
