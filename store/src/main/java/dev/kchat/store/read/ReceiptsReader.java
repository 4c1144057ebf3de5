package dev.kchat.store.read;

import static dev.kchat.store.read.CqlReads.await;
import static dev.kchat.store.read.CqlReads.isActive;
import static dev.kchat.store.read.CqlReads.longOr;

import com.datastax.oss.driver.api.core.ConsistencyLevel;
import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.AsyncResultSet;
import com.datastax.oss.driver.api.core.cql.PreparedStatement;
import com.datastax.oss.driver.api.core.cql.Row;
import dev.kchat.store.write.Buckets;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;

/**
 * Receipts on demand ("Message info"): who has read and who has received one message, from the
 * positions the sink stores per member. Reads at {@link #RECEIPTS_CONSISTENCY}: like the
 * list, a position a moment stale is corrected by asking again. Thread-safe; blocking calls on the
 * caller's thread.
 */
public final class ReceiptsReader {

    /** Receipts on demand: like the list, a position a moment stale is corrected by asking again. */
    public static final ConsistencyLevel RECEIPTS_CONSISTENCY = ConsistencyLevel.LOCAL_ONE;
    /** Members read per request by {@link #receipts}. */
    public static final int RECEIPTS_MEMBER_PAGE = 200;

    private final CqlSession session;
    private final PreparedStatement membersAfter;
    private final PreparedStatement memberPositions;
    private final PreparedStatement receiptCounts;

    /** Prepares the statements against {@code keyspace}, which the migrations must have created. */
    public ReceiptsReader(CqlSession session, String keyspace) {
        this.session = session;
        membersAfter = session.prepare("SELECT user_id, role, active, joined_seq FROM " + keyspace
                + ".members_by_conversation WHERE conversation_id = ? AND user_id > ? ORDER BY user_id ASC LIMIT ?");
        memberPositions = session.prepare("SELECT read_seq, delivered_seq FROM " + keyspace
                + ".conversations_by_user WHERE user_id = ? AND conversation_id = ?");
        receiptCounts = session.prepare("SELECT delivered_count, read_count FROM " + keyspace
                + ".receipt_counts_by_message WHERE conversation_id = ? AND bucket = ? AND seq = ?");
    }

    /**
     * Who has read and who has received message {@code seq} ("Message info"): the current members who
     * joined at or before it, the author excluded, each in the furthest list that their stored positions
     * reach (read: {@code read_seq}; delivered: {@code delivered_seq}, or the read position). Members are
     * read in pages of {@value #RECEIPTS_MEMBER_PAGE}, and only when there are at most
     * {@code maxMembers}; then one point read per counted member, at most {@code parallelism} in flight.
     * The caller checks that {@code seq} is a message and who wrote it ({@link HistoryReader#event}).
     *
     * @throws TooManyMembersException if the conversation has more than {@code maxMembers} current
     *     members (found after reading at most {@code maxMembers + }{@value #RECEIPTS_MEMBER_PAGE} rows)
     */
    public MessageReceipts receipts(String conversationId, long seq, String authorId, int maxMembers, int parallelism) {
        Objects.requireNonNull(conversationId, "conversationId");
        Objects.requireNonNull(authorId, "authorId");
        if (seq < 1 || maxMembers < 1 || parallelism < 1) {
            throw new IllegalArgumentException("seq, maxMembers and parallelism must be >= 1, were " + seq + ", "
                    + maxMembers + ", " + parallelism);
        }
        CompletableFuture<AsyncResultSet> counts = session.executeAsync(receiptCounts
                .bind(conversationId, Buckets.messageBucket(seq), seq).setConsistencyLevel(RECEIPTS_CONSISTENCY))
                .toCompletableFuture();
        // Members first, without their positions: a conversation over the limit costs a bounded scan only.
        List<String> counted = new ArrayList<>();
        int current = 0;
        String after = "";
        while (after != null) {
            AsyncResultSet page = await(session.executeAsync(membersAfter.bind(conversationId, after, RECEIPTS_MEMBER_PAGE)
                    .setConsistencyLevel(RECEIPTS_CONSISTENCY)).toCompletableFuture());
            int scanned = 0;
            String last = null;
            for (Row row : page.currentPage()) {
                scanned++;
                last = row.getString("user_id");
                if (!isActive(row)) {
                    continue;
                }
                if (++current > maxMembers) {
                    counts.cancel(false);
                    throw new TooManyMembersException(conversationId, maxMembers);
                }
                // Only members for whom the message was theirs to receive: joined at or before it.
                if (!last.equals(authorId) && longOr(row, "joined_seq", 1) <= seq) {
                    counted.add(last);
                }
            }
            after = scanned == RECEIPTS_MEMBER_PAGE ? last : null;
        }
        List<CompletableFuture<AsyncResultSet>> positions = CqlReads.inParallel(session, counted,
                userId -> memberPositions.bind(userId, conversationId), parallelism, RECEIPTS_CONSISTENCY);
        List<String> read = new ArrayList<>();
        List<String> delivered = new ArrayList<>();
        List<String> pending = new ArrayList<>();
        for (int i = 0; i < counted.size(); i++) {
            Row row = await(positions.get(i)).one();
            long readSeq = row == null ? 0 : longOr(row, "read_seq", 0);
            long deliveredSeq = Math.max(readSeq, row == null ? 0 : longOr(row, "delivered_seq", 0));
            (readSeq >= seq ? read : deliveredSeq >= seq ? delivered : pending).add(counted.get(i));
        }
        Row countsRow = await(counts).one();
        return new MessageReceipts(conversationId, seq, read, delivered, pending, current,
                countsRow == null || countsRow.isNull("delivered_count") ? null : countsRow.getInt("delivered_count"),
                countsRow == null || countsRow.isNull("read_count") ? null : countsRow.getInt("read_count"));
    }

    /** A conversation has more current members than a receipts query may read. */
    public static final class TooManyMembersException extends RuntimeException {

        private final int limit;

        TooManyMembersException(String conversationId, int limit) {
            super("conversation " + conversationId + " has more than " + limit + " members");
            this.limit = limit;
        }

        public int limit() {
            return limit;
        }
    }
}
