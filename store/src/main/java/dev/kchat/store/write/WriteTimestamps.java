package dev.kchat.store.write;

/**
 * Cell write timestamps derived from sequence numbers instead of the clock.
 *
 * <p>Cassandra and ScyllaDB keep, per cell, the value with the highest write timestamp (a tombstone
 * wins a tie). Writing every cell with {@code USING TIMESTAMP} = the seq of the event that produced
 * it makes the store a function of the log: replays and duplicates rewrite identical cells, writes
 * arriving out of order still leave the value of the highest seq, and positions such as
 * {@code last_seq} or {@code read_seq} can only move forward.
 *
 * <p>Recall, delete and redaction are final: their cells are written in a band above every seq
 * ({@link #terminal(long)}), so neither a later edit nor a replay of the original post can bring the
 * content back. All timestamps stay in the past (1970 for seqs, 2001 for the final band): ScyllaDB
 * rejects {@code USING TIMESTAMP} more than three days in the future by default.
 *
 * <p>Consequence: nothing else may write these tables with clock timestamps (it would win forever).
 */
public final class WriteTimestamps {

    /** 10^15 microseconds after the epoch (2001-09-09); no conversation reaches this many seqs. */
    public static final long TERMINAL_BASE = 1_000_000_000_000_000L;

    private WriteTimestamps() {
    }

    /** Timestamp of the cells written by the event at this seq (conversation seq or inbox seq). */
    public static long of(long seq) {
        if (seq < 1 || seq >= TERMINAL_BASE) {
            throw new IllegalArgumentException("seq out of range: " + seq);
        }
        return seq;
    }

    /** Timestamp of the cells a final state change (recall, delete, redaction) at this seq writes. */
    public static long terminal(long seq) {
        return TERMINAL_BASE + of(seq);
    }
}
