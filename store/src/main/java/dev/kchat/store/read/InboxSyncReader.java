package dev.kchat.store.read;

import static dev.kchat.store.read.ReadLimits.MAX_BUCKETS_PER_PAGE;

import com.datastax.oss.driver.api.core.ConsistencyLevel;
import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.PreparedStatement;
import com.datastax.oss.driver.api.core.cql.Row;
import dev.kchat.store.write.Buckets;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Inbox sync: the entries of a user's inbox after the inbox seq a device has seen, oldest first, each
 * as it was delivered live. Reads at {@link #SYNC_CONSISTENCY} (with the sink's
 * {@code LOCAL_QUORUM} writes, a synced device never misses an entry the sink has acknowledged).
 * Thread-safe; blocking calls on the caller's thread.
 */
public final class InboxSyncReader {

    public static final ConsistencyLevel SYNC_CONSISTENCY = ConsistencyLevel.LOCAL_QUORUM;

    private static final String INBOX_COLUMNS = "user_id, inbox_seq, conversation_id, conv_seq, item_type, created_at, entry";

    private final CqlSession session;
    private final PreparedStatement inboxAfter;
    private final PreparedStatement inboxHead;

    /** Prepares the statements against {@code keyspace}, which the migrations must have created. */
    public InboxSyncReader(CqlSession session, String keyspace) {
        this.session = session;
        inboxAfter = session.prepare("SELECT " + INBOX_COLUMNS + " FROM " + keyspace + ".inbox_by_user"
                + " WHERE user_id = ? AND bucket = ? AND inbox_seq > ? ORDER BY inbox_seq ASC LIMIT ?");
        inboxHead = session.prepare("SELECT last_inbox_seq FROM " + keyspace + ".inbox_heads WHERE user_id = ?");
    }

    /**
     * The entries of a user's inbox after {@code afterInboxSeq} (the device's SyncKey), oldest first: a
     * device that saw N gets N+1, N+2, ... exactly, each entry as it was delivered live.
     *
     * @param limit 1 or more; capped at {@value ReadLimits#MAX_PAGE_SIZE}
     * @throws IllegalArgumentException if {@code limit < 1} or {@code afterInboxSeq < 0}
     */
    public SyncPage sync(String userId, long afterInboxSeq, int limit) {
        Objects.requireNonNull(userId, "userId");
        int size = CqlReads.pageSize(limit);
        if (afterInboxSeq < 0) {
            throw new IllegalArgumentException("afterInboxSeq must be >= 0, was " + afterInboxSeq);
        }
        Row headRow = session.execute(inboxHead.bind(userId).setConsistencyLevel(SYNC_CONSISTENCY)).one();
        long head = headRow == null || headRow.isNull("last_inbox_seq") ? 0 : headRow.getLong("last_inbox_seq");
        List<StoredInboxEntry> entries = new ArrayList<>();
        int want = size + 1;
        boolean bucketsLeft = false;
        if (head > afterInboxSeq) { // so afterInboxSeq + 1 cannot overflow
            long lastBucket = Buckets.inboxBucket(head);
            long bucket = Buckets.inboxBucket(afterInboxSeq + 1);
            for (int read = 0; bucket <= lastBucket && entries.size() < want; read++, bucket++) {
                if (read == MAX_BUCKETS_PER_PAGE) {
                    bucketsLeft = true;
                    break;
                }
                for (Row row : session.execute(inboxAfter.bind(userId, bucket, afterInboxSeq, want - entries.size())
                        .setConsistencyLevel(SYNC_CONSISTENCY))) {
                    entries.add(toInboxEntry(row));
                }
            }
        }
        boolean hasMore = entries.size() > size || bucketsLeft;
        List<StoredInboxEntry> page = entries.size() > size ? entries.subList(0, size) : entries;
        long lastReturned = page.isEmpty() ? afterInboxSeq : page.get(page.size() - 1).inboxSeq();
        // The head can be written a moment before the entries of the same batch: report that more is coming.
        return new SyncPage(page, head, hasMore || lastReturned < head);
    }

    private static StoredInboxEntry toInboxEntry(Row row) {
        return new StoredInboxEntry(
                row.getString("user_id"),
                row.getLong("inbox_seq"),
                row.getString("conversation_id"),
                row.isNull("conv_seq") ? null : row.getLong("conv_seq"),
                row.getString("item_type"),
                row.getInstant("created_at"),
                row.getByteBuffer("entry"));
    }
}
