package dev.kchat.routing;

import dev.kchat.events.chat.MemberLeft;
import dev.kchat.events.chat.MessagePosted;
import dev.kchat.events.common.Member;
import dev.kchat.routing.Receipts.Position;
import dev.kchat.routing.Receipts.WindowEntry;
import dev.kchat.routing.state.AuthorStatus;
import dev.kchat.routing.state.ReceiptPosition;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.api.ProcessingContext;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * The receipt state of the conversations of one task, shared by the two processors of the
 * per-conversation stage: the processor that applies the conversation's events (routing's
 * {@link ConversationFanout}) keeps it in step with the conversation ({@link #onLogEvent}: messages enter the window,
 * joiners get a position, leavers lose theirs), {@link ReceiptProcessor} moves positions and counts.
 * Both run on the task's thread, one record at a time, so they never race.
 *
 * <p>Stores: the four of {@link ReceiptStores}, named by the app that owns them; {@code unreported}
 * is an in-memory index (no changelog) of the authors whose {@code AuthorStatus.unreported} is set,
 * rebuilt from the authors store when the task starts ({@link #indexUnreported}).
 */
public final class ReceiptLedger {

    private static final StringSerializer KEYS = new StringSerializer();

    private final KeyValueStore<String, ReceiptPosition> positions;
    private final KeyValueStore<String, String> window;
    private final KeyValueStore<String, AuthorStatus> authors;
    private final KeyValueStore<String, String> unreported;
    private final int windowSize;

    /** Opens the ledger over the task's {@code stores}; {@code windowSize}: the last seqs whose receipts are counted. */
    public ReceiptLedger(ProcessingContext context, ReceiptStores stores, int windowSize) {
        this.positions = context.getStateStore(stores.positions());
        this.window = context.getStateStore(stores.window());
        this.authors = context.getStateStore(stores.authors());
        this.unreported = context.getStateStore(stores.unreported());
        this.windowSize = windowSize;
    }

    // ------------------------------------------------------------------ log side

    /**
     * Keeps the receipt state in step with a log event that was just applied (never a replay): the
     * window slides to the last {@code windowSize} seqs, a message enters it and resets its author's
     * counts, joiners (after creation) start at their join, a leaver's position is dropped and the
     * counts they contributed are taken back.
     *
     * @param previousLastSeq the conversation's last seq before this event (0 for its creation)
     * @param joining         the users this event makes members
     * @param counts          whether the conversation (after the event) reports statuses as counts
     */
    public void onLogEvent(String conversationId, long previousLastSeq, long seq, String actorId, Object payload,
            List<Member> joining, boolean counts) {
        slideWindow(conversationId, previousLastSeq, seq);
        if (payload instanceof MessagePosted) {
            window.put(windowKey(conversationId, seq), actorId);
            String authorKey = StoreKeys.member(conversationId, actorId);
            // The counts are about the author's latest message; nobody's position can be at or
            // above a seq that was just appended (positions are clamped to the last seq), so zero is exact.
            // A status still waiting for the previous message is superseded by this one.
            authors.put(authorKey, AuthorStatus.newBuilder().setLatestSeq(seq).setDeliveredCount(0).setReadCount(0)
                    .setUnreported(false).build());
            unreported.delete(authorKey);
        }
        // The creation's members start at Position.INITIAL without a stored record.
        if (seq > 1) {
            for (Member m : joining) {
                putPosition(conversationId, m.getUserId(), Position.joinedAt(seq));
            }
        }
        if (payload instanceof MemberLeft left) {
            onLeft(conversationId, left.getUserId(), counts);
        }
    }

    /** Removes the window's entries that fall out of the last {@code windowSize} seqs. */
    private void slideWindow(String conversationId, long before, long after) {
        long[] leaving = Receipts.leavingWindow(before, after, windowSize);
        if (leaving[0] > leaving[1]) {
            return;
        }
        // A range, not a point delete per seq: only messages have entries, and a gap in the log
        // (logged by the log's processor) may make several seqs leave at once.
        for (WindowEntry e : entries(conversationId, leaving[0] - 1, leaving[1])) {
            window.delete(windowKey(conversationId, e.seq()));
            String authorKey = StoreKeys.member(conversationId, e.author());
            AuthorStatus status = authors.get(authorKey);
            if (status != null && status.getLatestSeq() == e.seq()) {
                // The author's latest message left the window: its counts can no longer be updated.
                authors.delete(authorKey);
                unreported.delete(authorKey);
            }
        }
    }

    private void onLeft(String conversationId, String userId, boolean counts) {
        String key = StoreKeys.member(conversationId, userId);
        ReceiptPosition gone = positions.delete(key);
        authors.delete(key);
        unreported.delete(key);
        Position position = gone == null ? Position.INITIAL : toPosition(gone);
        // The counts are of current members: take back what the leaver contributed. Bounded by the
        // authors with a message in the window.
        List<KeyValue<String, AuthorStatus>> changed = new ArrayList<>();
        try (KeyValueIterator<String, AuthorStatus> it = authors.prefixScan(conversationId + StoreKeys.SEPARATOR, KEYS)) {
            while (it.hasNext()) {
                KeyValue<String, AuthorStatus> kv = it.next();
                AuthorStatus s = kv.value;
                boolean read = Receipts.reached(s.getLatestSeq(), position.read(), position.joined());
                boolean delivered = Receipts.reached(s.getLatestSeq(), position.delivered(), position.joined());
                if (read || delivered) {
                    changed.add(KeyValue.pair(kv.key, AuthorStatus.newBuilder(s)
                            .setReadCount(Math.max(0, s.getReadCount() - (read ? 1 : 0)))
                            .setDeliveredCount(Math.max(0, s.getDeliveredCount() - (delivered ? 1 : 0)))
                            .setUnreported(s.getUnreported() || counts)
                            .build()));
                }
            }
        }
        // Written after the scan: a store is not modified under an open iterator.
        for (KeyValue<String, AuthorStatus> kv : changed) {
            putAuthor(kv.key, kv.value);
        }
    }

    // ------------------------------------------------------------------ receipt side

    /** The member's position; {@link Position#INITIAL} for a member since creation without one stored. */
    Position position(String conversationId, String userId) {
        ReceiptPosition stored = positions.get(StoreKeys.member(conversationId, userId));
        return stored == null ? Position.INITIAL : toPosition(stored);
    }

    void putPosition(String conversationId, String userId, Position position) {
        positions.put(StoreKeys.member(conversationId, userId), ReceiptPosition.newBuilder()
                .setReadSeq(position.read()).setDeliveredSeq(position.delivered()).setJoinedSeq(position.joined()).build());
    }

    /** The window's messages with {@code fromExclusive < seq <= toInclusive}, in seq order. */
    List<WindowEntry> entries(String conversationId, long fromExclusive, long toInclusive) {
        List<WindowEntry> out = new ArrayList<>();
        if (toInclusive <= fromExclusive) {
            return out;
        }
        String prefix = conversationId + StoreKeys.SEPARATOR;
        try (KeyValueIterator<String, String> it = window.range(windowKey(conversationId, fromExclusive + 1),
                windowKey(conversationId, toInclusive))) {
            it.forEachRemaining(kv -> out.add(new WindowEntry(Long.parseLong(kv.key.substring(prefix.length())), kv.value)));
        }
        return out;
    }

    AuthorStatus author(String conversationId, String authorId) {
        return authors.get(StoreKeys.member(conversationId, authorId));
    }

    /** Stores an author's status; one whose {@code unreported} is set waits for the next status flush. */
    void putAuthor(String conversationId, String authorId, AuthorStatus status) {
        putAuthor(StoreKeys.member(conversationId, authorId), status);
    }

    private void putAuthor(String authorKey, AuthorStatus status) {
        authors.put(authorKey, status);
        if (status.getUnreported()) {
            unreported.put(authorKey, authorKey);
        }
    }

    /** The (conversation, author) pairs whose counts changed since the last flush. */
    List<String[]> unreported() {
        List<String[]> out = new ArrayList<>();
        try (KeyValueIterator<String, String> it = unreported.all()) {
            it.forEachRemaining(kv -> out.add(splitAuthorKey(kv.key)));
        }
        return out;
    }

    /**
     * The author's status for the flush, marked reported (stored again only if it was unreported),
     * or null if it is gone.
     */
    AuthorStatus takeUnreported(String conversationId, String authorId) {
        String key = StoreKeys.member(conversationId, authorId);
        unreported.delete(key);
        AuthorStatus status = authors.get(key);
        if (status != null && status.getUnreported()) {
            status.setUnreported(false);
            authors.put(key, status);
        }
        return status;
    }

    /**
     * Fills the in-memory index of unreported authors from the authors store (restored from its
     * changelog when the task starts): the index has no changelog of its own, so nothing a crash
     * interrupted stays unreported. Runs once per task, from the processor that flushes.
     */
    void indexUnreported() {
        try (KeyValueIterator<String, AuthorStatus> it = authors.all()) {
            it.forEachRemaining(kv -> {
                if (kv.value.getUnreported()) {
                    unreported.put(kv.key, kv.key);
                }
            });
        }
    }

    /** {@code conversation|author} back into its two ids: user ids never contain the separator. */
    private static String[] splitAuthorKey(String key) {
        int at = key.lastIndexOf(StoreKeys.SEPARATOR);
        return new String[] {key.substring(0, at), key.substring(at + 1)};
    }

    private static Position toPosition(ReceiptPosition p) {
        return new Position(p.getReadSeq(), p.getDeliveredSeq(), p.getJoinedSeq());
    }

    /** {@code conversation|seq}, the seq zero-padded to 19 digits so that byte order is seq order. */
    public static String windowKey(String conversationId, long seq) {
        return StoreKeys.message(conversationId, seq);
    }
}
