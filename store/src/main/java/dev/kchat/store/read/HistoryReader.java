package dev.kchat.store.read;

import static dev.kchat.store.read.ReadLimits.MAX_BUCKETS_PER_PAGE;

import com.datastax.oss.driver.api.core.ConsistencyLevel;
import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.PreparedStatement;
import com.datastax.oss.driver.api.core.cql.Row;
import com.datastax.oss.driver.api.core.data.UdtValue;
import dev.kchat.store.write.Buckets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Conversation history: pages of a conversation's events next to a seq, crossing bucket boundaries,
 * with the reaction counts of the messages in the page; one event by seq; the newest seq stored.
 * Reads at {@link #HISTORY_CONSISTENCY}. Thread-safe; blocking calls on the caller's thread.
 *
 * <p>Reads see what the sink has stored. The sink writes a batch concurrently, so for a few
 * milliseconds a later seq can be visible before an earlier one; pages report what is there and
 * {@code hasMore} tells the client to ask again.
 */
public final class HistoryReader {

    public static final ConsistencyLevel HISTORY_CONSISTENCY = ConsistencyLevel.LOCAL_QUORUM;

    /** Which side of the given seq a history page lies on. */
    public enum Direction { BEFORE, AFTER }

    /** Order of the events in a page. */
    public enum Order { NEWEST_FIRST, OLDEST_FIRST }

    private static final String EVENT_COLUMNS = "conversation_id, seq, event_type, event_id, actor_id, actor_device_id,"
            + " occurred_at, message_id, client_msg_id, body, reply_to_seq, mentions, attachments, target_seq, status,"
            + " last_change_seq, edited_at, redaction_rule, event";

    private final CqlSession session;
    private final PreparedStatement historyBefore;
    private final PreparedStatement historyAfter;
    private final PreparedStatement oneEvent;
    private final PreparedStatement conversationHead;
    private final PreparedStatement reactionsBetween;

    /** Prepares the statements against {@code keyspace}, which the migrations must have created. */
    public HistoryReader(CqlSession session, String keyspace) {
        this.session = session;
        String m = keyspace + ".messages_by_conversation";
        historyBefore = session.prepare("SELECT " + EVENT_COLUMNS + " FROM " + m
                + " WHERE conversation_id = ? AND bucket = ? AND seq < ? ORDER BY seq DESC LIMIT ?");
        historyAfter = session.prepare("SELECT " + EVENT_COLUMNS + " FROM " + m
                + " WHERE conversation_id = ? AND bucket = ? AND seq > ? ORDER BY seq ASC LIMIT ?");
        oneEvent = session.prepare("SELECT " + EVENT_COLUMNS + " FROM " + m
                + " WHERE conversation_id = ? AND bucket = ? AND seq = ?");
        conversationHead = session.prepare("SELECT last_seq FROM " + keyspace + ".conversations WHERE conversation_id = ?");
        reactionsBetween = session.prepare("SELECT seq, emoji FROM " + keyspace + ".reactions_by_message"
                + " WHERE conversation_id = ? AND bucket = ? AND seq >= ? AND seq <= ?");
    }

    /**
     * A page of a conversation's history next to {@code seq} (exclusive): the {@code limit} events just
     * before it or just after it, crossing bucket boundaries, in the order asked for. Events of every
     * type are returned (messages and membership changes), so seqs are contiguous.
     *
     * @param limit 1 or more; capped at {@value ReadLimits#MAX_PAGE_SIZE}
     * @throws IllegalArgumentException if {@code limit < 1} or {@code seq < 0}
     */
    public HistoryPage history(String conversationId, Direction direction, long seq, int limit, Order order) {
        Objects.requireNonNull(conversationId, "conversationId");
        int size = CqlReads.pageSize(limit);
        if (seq < 0) {
            throw new IllegalArgumentException("seq must be >= 0, was " + seq);
        }
        int want = size + 1; // one extra row tells whether more exist
        List<StoredEvent> rows = new ArrayList<>(want);
        boolean bucketsLeft = direction == Direction.BEFORE
                ? readBefore(conversationId, seq, want, rows)
                : readAfter(conversationId, seq, want, rows);
        boolean hasMore = rows.size() > size || bucketsLeft;
        List<StoredEvent> page = new ArrayList<>(rows.size() > size ? rows.subList(0, size) : rows);
        // Reads run away from seq: BEFORE comes newest first, AFTER oldest first.
        Order natural = direction == Direction.BEFORE ? Order.NEWEST_FIRST : Order.OLDEST_FIRST;
        if (order != natural) {
            Collections.reverse(page);
        }
        return new HistoryPage(withReactions(conversationId, page), hasMore);
    }

    /** Counts of reactions per emoji for the messages of a page: one range read per bucket it spans. */
    private List<StoredEvent> withReactions(String conversationId, List<StoredEvent> page) {
        if (page.isEmpty()) {
            return page;
        }
        long low = page.stream().mapToLong(StoredEvent::seq).min().orElseThrow();
        long high = page.stream().mapToLong(StoredEvent::seq).max().orElseThrow();
        Map<Long, Map<String, Integer>> counts = new HashMap<>();
        for (long bucket = Buckets.messageBucket(low); bucket <= Buckets.messageBucket(high); bucket++) {
            for (Row row : session.execute(reactionsBetween.bind(conversationId, bucket, low, high)
                    .setConsistencyLevel(HISTORY_CONSISTENCY))) {
                counts.computeIfAbsent(row.getLong("seq"), s -> new TreeMap<>()).merge(row.getString("emoji"), 1, Integer::sum);
            }
        }
        if (counts.isEmpty()) {
            return page;
        }
        List<StoredEvent> out = new ArrayList<>(page.size());
        for (StoredEvent e : page) {
            Map<String, Integer> c = counts.get(e.seq());
            out.add(c == null ? e : e.withReactions(c));
        }
        return out;
    }

    /** The newest {@code limit} events of a conversation (empty if the store has none), in the order asked for. */
    public HistoryPage latest(String conversationId, int limit, Order order) {
        long head = lastSeq(conversationId);
        if (head == 0) {
            CqlReads.pageSize(limit);
            return new HistoryPage(List.of(), false);
        }
        return history(conversationId, Direction.BEFORE, head + 1, limit, order);
    }

    /** One event of a conversation by seq. */
    public Optional<StoredEvent> event(String conversationId, long seq) {
        Row row = session.execute(oneEvent.bind(conversationId, Buckets.messageBucket(seq), seq)
                .setConsistencyLevel(HISTORY_CONSISTENCY)).one();
        return Optional.ofNullable(row).map(HistoryReader::toEvent);
    }

    /** The newest seq the store has for a conversation, 0 if none. */
    public long lastSeq(String conversationId) {
        Row row = session.execute(conversationHead.bind(conversationId).setConsistencyLevel(HISTORY_CONSISTENCY)).one();
        return row == null || row.isNull("last_seq") ? 0 : row.getLong("last_seq");
    }

    /**
     * Reads up to {@code want} events with seq below {@code seq} into {@code rows}, newest first.
     *
     * @return whether it stopped at {@link ReadLimits#MAX_BUCKETS_PER_PAGE} with buckets still to read
     */
    private boolean readBefore(String conversationId, long seq, int want, List<StoredEvent> rows) {
        if (seq <= 1) {
            return false;
        }
        // Seqs are gap-free from 1, so every bucket from the head down to 0 holds rows: walk down until the
        // page is full. Only a seq beyond the head (a client asking "before infinity") finds empty buckets
        // first; the head then says where the rows start, instead of walking every empty bucket.
        boolean headChecked = false;
        int read = 0;
        for (long bucket = Buckets.messageBucket(seq - 1); bucket >= 0 && rows.size() < want; bucket--) {
            if (read++ == MAX_BUCKETS_PER_PAGE) {
                return true;
            }
            int before = rows.size();
            for (Row row : session.execute(historyBefore.bind(conversationId, bucket, seq, want - rows.size())
                    .setConsistencyLevel(HISTORY_CONSISTENCY))) {
                rows.add(toEvent(row));
            }
            if (rows.size() == before && rows.isEmpty() && !headChecked) {
                headChecked = true;
                long headBucket = Buckets.messageBucket(lastSeq(conversationId));
                if (headBucket < bucket) {
                    bucket = headBucket + 1; // the loop's decrement lands on the head's bucket
                }
            }
        }
        return false;
    }

    /**
     * Reads up to {@code want} events with seq above {@code seq} into {@code rows}, oldest first.
     *
     * @return whether it stopped at {@link ReadLimits#MAX_BUCKETS_PER_PAGE} with buckets still to read
     */
    private boolean readAfter(String conversationId, long seq, int want, List<StoredEvent> rows) {
        if (seq == Long.MAX_VALUE) {
            return false; // no seq follows, and seq + 1 would overflow
        }
        long bucket = Buckets.messageBucket(seq + 1);
        long lastBucket = -1;
        for (int read = 0; rows.size() < want; read++, bucket++) {
            if (read == MAX_BUCKETS_PER_PAGE) {
                return true;
            }
            int before = rows.size();
            for (Row row : session.execute(historyAfter.bind(conversationId, bucket, seq, want - rows.size())
                    .setConsistencyLevel(HISTORY_CONSISTENCY))) {
                rows.add(toEvent(row));
            }
            if (rows.size() >= want) {
                break;
            }
            long bucketEnd = Buckets.lastMessageSeqIn(bucket);
            boolean bucketFull = rows.size() > before && rows.get(rows.size() - 1).seq() == bucketEnd;
            if (!bucketFull || bucketEnd == Long.MAX_VALUE) {
                // This bucket stopped short of its end: either the head of the conversation, or a seq the
                // store lacks. Only the conversation's last seq can tell whether later buckets hold more.
                if (lastBucket < 0) {
                    lastBucket = Buckets.messageBucket(lastSeq(conversationId));
                }
                if (bucket >= lastBucket) {
                    break;
                }
            }
        }
        return false;
    }

    static StoredEvent toEvent(Row row) {
        List<UdtValue> attachments = row.getList("attachments", UdtValue.class);
        return new StoredEvent(
                row.getString("conversation_id"),
                row.getLong("seq"),
                row.getString("event_type"),
                row.getString("event_id"),
                row.getString("actor_id"),
                row.getString("actor_device_id"),
                row.getInstant("occurred_at"),
                row.getString("message_id"),
                row.getString("client_msg_id"),
                row.getString("body"),
                row.isNull("reply_to_seq") ? null : row.getLong("reply_to_seq"),
                List.copyOf(row.getList("mentions", String.class)),
                attachments.stream().map(a -> new StoredEvent.StoredAttachment(
                        a.getString("url"), a.getString("mime_type"), a.getLong("size_bytes"), a.getString("name"),
                        a.getString("media_id"), a.isNull("width") ? null : a.getInt("width"),
                        a.isNull("height") ? null : a.getInt("height"))).toList(),
                row.isNull("target_seq") ? null : row.getLong("target_seq"),
                row.getString("status"),
                row.isNull("last_change_seq") ? null : row.getLong("last_change_seq"),
                row.getInstant("edited_at"),
                row.getString("redaction_rule"),
                row.getByteBuffer("event"),
                Map.of());
    }
}
