package dev.kchat.edge.sync;

import dev.kchat.events.chat.ConversationEvent;
import dev.kchat.events.chat.InboxEntry;
import dev.kchat.events.chat.MessagePosted;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * One device's place in its user's inbox: the seam between the replay from the store and the live
 * entries from Kafka, so that the device gets every entry once, in inbox order.
 *
 * <p>{@code lastWritten} is the newest inbox seq handed to the {@link Output}. Live entries that
 * arrive while the cursor replays (after {@link #start}, or when a live entry shows a gap) wait in
 * {@code pending}; a replay page writes the store's entries after {@code lastWritten}, then the
 * pending ones that follow, skipping anything already written. A live entry with a gap (seq above
 * {@code lastWritten + 1}) switches a live cursor back to replay. Acks report the messages of others
 * they newly cover (Delivered).
 *
 * <p>Not thread-safe, and independent of any transport: its owner serializes the calls (the
 * WebSocket session holds its lock around each) and the {@link Output} is called inside them.
 */
public final class InboxCursor {

    /** Entries remembered until acked, to report Delivered; a device that never acks costs at most this. */
    public static final int MAX_UNACKED = 4_096;

    public enum State { AWAITING_HELLO, CATCHING_UP, LIVE, CLOSED }

    /** What a replay step left to do. */
    public enum Step {
        /** The cursor is live (or closed): nothing more to do. */
        DONE,
        /** The store has entries after this page: read the next one. */
        NEXT_PAGE,
        /** The output has no room for more replayed entries: apply the same page again shortly. */
        PAUSED,
        /** The next pending live entry is ahead of what the store has: wait for the sink. */
        WAITING_FOR_STORE,
        /**
         * The device's SyncKey is above the newest inbox seq known anywhere the cursor looked (the
         * store's head, its entries, the live entries): wait for the sink, then tell the device.
         */
        AHEAD_OF_INBOX
    }

    /** Where the cursor writes; called inside the cursor's calls, so it must not block. */
    public interface Output {
        /** Whether a replayed entry may be written now (live entries are never held back). */
        boolean hasRoomForReplay();

        /** Writes the next entry: its seq is always the previous one's + 1. */
        void write(InboxEntry entry);

        /** The replay is done and the cursor is live at {@code inboxSeq}. */
        void ready(long inboxSeq);

        /** A replay is needed (after {@link #start}, or a live gap): schedule {@link #applyReplay} calls. */
        void replayNeeded();
    }

    private final String userId;
    private final Output out;
    private final TreeMap<Long, InboxEntry> pending = new TreeMap<>();
    private final TreeMap<Long, Delivery> unacked = new TreeMap<>();
    private State state = State.AWAITING_HELLO;
    private long lastWritten;
    private long acked;
    private long newestKnown;

    public InboxCursor(String userId, Output out) {
        this.userId = userId;
        this.out = out;
    }

    public State state() {
        return state;
    }

    public long lastWritten() {
        return lastWritten;
    }

    public long acked() {
        return acked;
    }

    /** The newest inbox seq of the user seen anywhere: live entries, store pages and the store's head. */
    public long newestKnown() {
        return newestKnown;
    }

    /**
     * The device has everything up to {@code sinceInboxSeq} (its SyncKey): replay from there, then
     * go live. Live entries seen before this, up to that seq, are dropped.
     *
     * @return false if the cursor was already started (or closed)
     */
    public boolean start(long sinceInboxSeq) {
        if (state != State.AWAITING_HELLO) {
            return false;
        }
        pending.headMap(sinceInboxSeq, true).clear();
        lastWritten = sinceInboxSeq;
        acked = sinceInboxSeq;
        state = State.CATCHING_UP;
        out.replayNeeded();
        return true;
    }

    /** A live entry of the user, in inbox order per partition (possibly repeated or already replayed). */
    public void onLive(InboxEntry entry) {
        long seq = entry.getInboxSeq();
        newestKnown = Math.max(newestKnown, seq);
        if (state == State.CLOSED || seq <= lastWritten) {
            return;
        }
        if (state == State.AWAITING_HELLO) {
            pending.put(seq, entry); // kept until start says what the device has
            return;
        }
        if (state == State.LIVE && pending.isEmpty() && seq == lastWritten + 1) {
            write(entry);
            return;
        }
        pending.put(seq, entry);
        if (state == State.LIVE) {
            // A gap (e.g. entries consumed before the cursor's device registered): fill it from the store.
            state = State.CATCHING_UP;
            out.replayNeeded();
        }
    }

    /**
     * Applies a page read from the store: writes what follows {@code lastWritten}, then the pending
     * live entries that now follow it. Stops (PAUSED) while the output has no room, so a long replay
     * neither cuts off a reading client nor piles up in memory. Applying the same page again is
     * harmless (entries up to {@code lastWritten} are skipped).
     *
     * @param storeHasMore the store has entries after this page
     * @param storeHead    the newest inbox seq the store knows for the user
     */
    public Step applyReplay(Iterable<InboxEntry> page, boolean storeHasMore, long storeHead) {
        if (state != State.CATCHING_UP) {
            return Step.DONE;
        }
        newestKnown = Math.max(newestKnown, storeHead);
        for (InboxEntry e : page) {
            newestKnown = Math.max(newestKnown, e.getInboxSeq());
            if (e.getInboxSeq() == lastWritten + 1) {
                if (!out.hasRoomForReplay()) {
                    return Step.PAUSED;
                }
                write(e);
            }
        }
        if (!drainPending()) {
            return Step.PAUSED;
        }
        if (storeHasMore) {
            return Step.NEXT_PAGE;
        }
        if (!pending.isEmpty()) {
            return Step.WAITING_FOR_STORE;
        }
        if (lastWritten > newestKnown) {
            return Step.AHEAD_OF_INBOX;
        }
        state = State.LIVE;
        out.ready(lastWritten);
        return Step.DONE;
    }

    /** Writes the pending entries that follow {@code lastWritten}; false if it stopped for lack of room. */
    private boolean drainPending() {
        while (!pending.isEmpty() && pending.firstKey() <= lastWritten + 1) {
            if (pending.firstKey() == lastWritten + 1 && !out.hasRoomForReplay()) {
                return false;
            }
            Map.Entry<Long, InboxEntry> first = pending.pollFirstEntry();
            if (first.getKey() == lastWritten + 1) {
                write(first.getValue());
            }
        }
        return true;
    }

    private void write(InboxEntry entry) {
        lastWritten = entry.getInboxSeq();
        if (entry.getItem() instanceof ConversationEvent event && event.getPayload() instanceof MessagePosted
                && !event.getActorId().equals(userId)) {
            unacked.put(entry.getInboxSeq(), new Delivery(event.getConversationId(), event.getSeq(), entry.getInboxSeq()));
            if (unacked.size() > MAX_UNACKED) {
                unacked.pollFirstEntry(); // a device that never acks: its oldest entries are never reported delivered
            }
        }
        out.write(entry);
    }

    /**
     * {@code ack}: the device has everything up to {@code inboxSeq}.
     *
     * @return per conversation, the newest message by another user that this ack newly covers: what
     *         the edge reports as Delivered (empty for a repeated or stale ack, or one above what was written)
     */
    public List<Delivery> ack(long inboxSeq) {
        if (inboxSeq <= acked || inboxSeq > lastWritten) {
            return List.of();
        }
        acked = inboxSeq;
        Map<String, Delivery> newest = new LinkedHashMap<>();
        Map<Long, Delivery> covered = unacked.headMap(inboxSeq, true);
        covered.values().forEach(d -> newest.merge(d.conversationId(), d, (a, b) -> b.seq() > a.seq() ? b : a));
        covered.clear();
        return List.copyOf(newest.values());
    }

    /** @return false if it was already closed */
    public boolean close() {
        if (state == State.CLOSED) {
            return false;
        }
        state = State.CLOSED;
        pending.clear();
        return true;
    }
}
