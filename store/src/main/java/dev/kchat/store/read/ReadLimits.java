package dev.kchat.store.read;

/** The bounds every page read of the chat store shares: history, sync and member pages. */
public final class ReadLimits {

    /** Largest page of history or sync; larger limits are capped to this. */
    public static final int MAX_PAGE_SIZE = 200;
    /**
     * Most bucket partitions one history or sync page reads. Seqs are gap-free, so a page of at most
     * {@value #MAX_PAGE_SIZE} + 1 rows spans two buckets when the store has every row; more are read only
     * across rows the sink has not written (yet). The bound keeps one request's work finite whatever seq
     * it names: the page ends there with {@code hasMore}, and the client asks again from where it got to.
     */
    public static final int MAX_BUCKETS_PER_PAGE = 64;

    private ReadLimits() {
    }
}
