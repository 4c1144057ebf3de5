package dev.kchat.push.decide;

import dev.kchat.events.chat.ConversationEvent;
import dev.kchat.events.chat.InboxEntry;
import dev.kchat.events.chat.ReadPositionChanged;
import dev.kchat.events.social.MomentNotification;
import dev.kchat.push.state.PushCursor;
import dev.kchat.push.state.PushUser;
import dev.kchat.push.state.UnreadPosition;
import dev.kchat.push.state.UnreadState;
import java.util.Map;
import java.util.function.Supplier;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * What every inbox entry of a user moves, in small records written per entry instead of the whole
 * {@link PushUser}, all in {@value PushDeciderApp#UNREAD_STORE} ({@link UnreadState}): under key
 * {@code user} the user's {@link PushCursor} (the replay guard, the Moments count, how many positions
 * the user has), under {@code user|conversation} that conversation's {@link UnreadPosition}. An entry
 * writes its cursor and at most one position; the badge, needed only when a burst is flushed, is a
 * prefix scan over {@code user|}, which the cursor's key is not in. One store for both: every store
 * of a task costs RocksDB writes at each commit, which under exactly-once comes every 10 ms.
 *
 * <p><b>Records written before these stores.</b> A {@code PushUser} of the earlier layout holds the
 * positions, the Moments count and the last inbox seq itself. A user without a cursor is migrated the
 * first time the decider touches them ({@link #migrate}): the positions move here and are emptied in
 * the caller's copy, which the caller writes back.
 */
final class UnreadPositions {

    private static final StringSerializer KEYS = new StringSerializer();

    private final KeyValueStore<String, UnreadState> store;

    UnreadPositions(KeyValueStore<String, UnreadState> store) {
        this.store = store;
    }

    /** The user's cursor, or null if the user has none yet (never touched since the cursor existed). */
    PushCursor find(String userId) {
        UnreadState state = store.get(userId);
        return state == null ? null : (PushCursor) state.getState();
    }

    /**
     * Gives {@code user} a cursor: moves the positions, the Moments count and the last inbox seq a
     * record of the earlier layout holds into the stores, empties them in {@code user} (the caller
     * writes it back) and stores the cursor. A user with nothing to move gets an empty cursor.
     */
    PushCursor migrate(PushUser user) {
        Map<String, UnreadPosition> old = user.getConversations();
        for (Map.Entry<String, UnreadPosition> e : old.entrySet()) {
            putPosition(key(user.getUserId(), e.getKey()), e.getValue());
        }
        PushCursor cursor = new PushCursor(user.getLastInboxSeq(), user.getMomentsUnread(), old.size());
        old.clear();
        user.setMomentsUnread(0L);
        put(user.getUserId(), cursor);
        return cursor;
    }

    /** A cursor for a user the decider has never seen. */
    static PushCursor newCursor() {
        return new PushCursor(0L, 0L, 0);
    }

    /** Stores the cursor (after an entry moved it). */
    void put(String userId, PushCursor cursor) {
        store.put(userId, new UnreadState(cursor));
    }

    /**
     * Moves the user's unread positions by an entry, as {@link PushRules#count} says: writes the one
     * position it changes, removes the conversation on the user's own leave, and past
     * {@link PushRules#MAX_CONVERSATIONS} forgets the position with the smallest last seq. A Moments
     * notification sets the cursor's count. The caller stores the cursor.
     */
    void count(String userId, PushCursor cursor, InboxEntry entry) {
        Object item = entry.getItem();
        if (item instanceof ConversationEvent event) {
            String conversation = event.getConversationId();
            String key = key(userId, conversation);
            UnreadPosition position = position(key);
            if (PushRules.leaves(userId, event)) {
                if (position != null) {
                    store.delete(key);
                    cursor.setConversations(cursor.getConversations() - 1);
                }
                return;
            }
            boolean isNew = position == null;
            position = added(cursor, position);
            if (PushRules.count(userId, position, event) || isNew) {
                putPosition(key, position);
            }
            if (cursor.getConversations() > PushRules.MAX_CONVERSATIONS) {
                forgetOldest(userId, conversation, cursor);
            }
        } else if (item instanceof ReadPositionChanged read) {
            String key = key(userId, read.getConversationId());
            UnreadPosition position = position(key);
            boolean isNew = position == null;
            position = added(cursor, position);
            if (PushRules.count(position, read) || isNew) {
                putPosition(key, position);
            }
        } else if (item instanceof MomentNotification n) {
            cursor.setMomentsUnread(n.getUnread());
        }
    }

    /**
     * Moves a conversation's last seq to a push candidate's seq (a read-diffused group: no inbox
     * entry, so no inbox seq). False, and nothing written, if the position has seen that seq already:
     * a replay. A conversation first seen through a candidate counts from that message on (read seq
     * = seq - 1), not its whole history; it is counted on the user's cursor, which {@code cursor}
     * gives and this stores.
     */
    boolean advance(String userId, String conversationId, long seq, Supplier<PushCursor> cursor) {
        String key = key(userId, conversationId);
        UnreadPosition position = position(key);
        if (position != null && position.getLastSeq() >= seq) {
            return false;
        }
        if (position != null) {
            position.setLastSeq(seq);
            putPosition(key, position);
            return true;
        }
        PushCursor counted = cursor.get();
        added(counted, null);
        putPosition(key, new UnreadPosition(seq, seq - 1));
        if (counted.getConversations() > PushRules.MAX_CONVERSATIONS) {
            forgetOldest(userId, conversationId, counted);
        }
        put(userId, counted);
        return true;
    }

    /** The badge: unread events over the user's conversations (last seq - read seq) plus the Moments count. */
    long badge(String userId, PushCursor cursor) {
        long sum = cursor.getMomentsUnread();
        try (KeyValueIterator<String, UnreadState> it = store.prefixScan(userId + "|", KEYS)) {
            while (it.hasNext()) {
                sum += PushRules.unread((UnreadPosition) it.next().value.getState());
            }
        }
        return sum;
    }

    /** The store key of a user's position: user ids have no '|' (see Ids.USER_ID), so a user's keys share the prefix {@code user|}. */
    static String key(String userId, String conversationId) {
        return userId + "|" + conversationId;
    }

    private UnreadPosition position(String key) {
        UnreadState state = store.get(key);
        return state == null ? null : (UnreadPosition) state.getState();
    }

    private void putPosition(String key, UnreadPosition position) {
        store.put(key, new UnreadState(position));
    }

    private static UnreadPosition added(PushCursor cursor, UnreadPosition position) {
        if (position != null) {
            return position;
        }
        cursor.setConversations(cursor.getConversations() + 1);
        return new UnreadPosition(0L, 0L);
    }

    /**
     * Forgets the position with the smallest last seq (a fair stand-in for the one read longest ago),
     * other than {@code keep}'s. Counts the user's positions on the way, so a count that drifted
     * (a crash under at-least-once between the two stores' writes) is set right rather than acted on.
     */
    private void forgetOldest(String userId, String keep, PushCursor cursor) {
        int count = 0;
        String oldest = null;
        long oldestSeq = Long.MAX_VALUE;
        String keepKey = key(userId, keep);
        try (KeyValueIterator<String, UnreadState> it = store.prefixScan(userId + "|", KEYS)) {
            while (it.hasNext()) {
                KeyValue<String, UnreadState> next = it.next();
                long lastSeq = ((UnreadPosition) next.value.getState()).getLastSeq();
                count++;
                if (!next.key.equals(keepKey) && (oldest == null || lastSeq < oldestSeq)) {
                    oldest = next.key;
                    oldestSeq = lastSeq;
                }
            }
        }
        if (count > PushRules.MAX_CONVERSATIONS && oldest != null) {
            store.delete(oldest);
            count--;
        }
        cursor.setConversations(count);
    }
}
