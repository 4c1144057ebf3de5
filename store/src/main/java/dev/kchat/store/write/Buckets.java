package dev.kchat.store.write;

/**
 * Fixed-size buckets that bound partitions: rows {@code [b * SIZE, (b + 1) * SIZE)} of a conversation
 * (or of an inbox) share partition {@code b}. Seq 1 lives in bucket 0.
 */
public final class Buckets {

    /**
     * Seqs per partition of {@code messages_by_conversation}: 1000 messages of ~0.5-2 KB keep a partition
     * near 1 MB (ScyllaDB warns from 10 MB), and a 50-message page touches one partition, at most two.
     */
    public static final long MESSAGE_BUCKET_SIZE = 1_000;
    /** Inbox seqs per partition of {@code inbox_by_user}; same reasoning as for messages. */
    public static final long INBOX_BUCKET_SIZE = 1_000;

    private Buckets() {
    }

    public static long messageBucket(long seq) {
        return seq / MESSAGE_BUCKET_SIZE;
    }

    /**
     * The last seq of message bucket {@code bucket}, saturating at {@link Long#MAX_VALUE}: the bucket of
     * the largest seqs is cut short by the range of a long, and {@code (bucket + 1) * SIZE} overflows.
     */
    public static long lastMessageSeqIn(long bucket) {
        return bucket >= Long.MAX_VALUE / MESSAGE_BUCKET_SIZE ? Long.MAX_VALUE : (bucket + 1) * MESSAGE_BUCKET_SIZE - 1;
    }

    public static long inboxBucket(long inboxSeq) {
        return inboxSeq / INBOX_BUCKET_SIZE;
    }
}
