package dev.kchat.push.decide;

import dev.kchat.events.chat.ConversationEvent;
import dev.kchat.events.chat.InboxEntry;
import dev.kchat.events.chat.ReadPositionChanged;
import dev.kchat.events.social.MomentNotification;
import dev.kchat.push.state.PushCursor;
import dev.kchat.push.state.PushUser;
import dev.kchat.push.state.UnreadPosition;
import java.util.Map;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * What every inbox entry of a user moves, in two stores written per entry instead of the whole
 * {@link PushUser}: the user's {@link PushCursor} in {@value PushDeciderApp#CURSORS_STORE} (the
 * replay guard, the Moments count, how many positions the user has) and one
 * {@link UnreadPosition} per conversation in {@value PushDeciderApp#UNREAD_STORE}, keyed
 * {@code user|conversation}. An entry writes its cursor and at most one position; the badge, needed
 * only when a burst is flushed, is a prefix scan over the user's positions.
 *
 * <p><b>Records written before these stores.</b> A {@code PushUser} of the earlier layout holds the
 * positions, the Moments count and the last inbox seq itself. A user without a cursor is migrated the
 * first time the decider touches them ({@link #migrate}): the positions move here and are emptied in
 * the caller's copy, which the caller writes back.
 */
final class UnreadPositions {

    private static final StringSerializer KEYS = new StringSerializer();

    private final KeyValueStore<String, PushCursor> cursors;
    private final KeyValueStore<String, UnreadPosition> positions;

    UnreadPositions(KeyValueStore<String, PushCursor> cursors, KeyValueStore<String, UnreadPosition> positions) {
        this.cursors = cursors;
        this.positions = positions;
    }

    /** The user's cursor, or null if the user has none yet (never touched since the cursor store existed). */
    PushCursor find(String userId) {
        return cursors.get(userId);
    }

    /**
     * Gives {@code user} a cursor: moves the positions, the Moments count and the last inbox seq a
     * record of the earlier layout holds into the stores, empties them in {@code user} (the caller
     * writes it back) and stores the cursor. A user with nothing to move gets an empty cursor.
     */
    PushCursor migrate(PushUser user) {
        Map<String, UnreadPosition> old = user.getConversations();
        for (Map.Entry<String, UnreadPosition> e : old.entrySet()) {
            positions.put(key(user.getUserId(), e.getKey()), e.getValue());
        }
        PushCursor cursor = new PushCursor(user.getLastInboxSeq(), user.getMomentsUnread(), old.size());
        old.clear();
        user.setMomentsUnread(0L);
        cursors.put(user.getUserId(), cursor);
        return cursor;
    }

    /** A cursor for a user the decider has never seen. */
    static PushCursor newCursor() {
        return new PushCursor(0L, 0L, 0);
    }

    /** Stores the cursor (after an entry moved it). */
    void put(String userId, PushCursor cursor) {
        cursors.put(userId, cursor);
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
            UnreadPosition position = positions.get(key);
            if (PushRules.leaves(userId, event)) {
                if (position != null) {
                    positions.delete(key);
                    cursor.setConversations(cursor.getConversations() - 1);
                }
                return;
            }
            boolean isNew = position == null;
            position = added(cursor, position);
            if (PushRules.count(userId, position, event) || isNew) {
                positions.put(key, position);
            }
            if (cursor.getConversations() > PushRules.MAX_CONVERSATIONS) {
                forgetOldest(userId, conversation, cursor);
            }
        } else if (item instanceof ReadPositionChanged read) {
            String key = key(userId, read.getConversationId());
            UnreadPosition position = positions.get(key);
            boolean isNew = position == null;
            position = added(cursor, position);
            if (PushRules.count(position, read) || isNew) {
                positions.put(key, position);
            }
        } else if (item instanceof MomentNotification n) {
            cursor.setMomentsUnread(n.getUnread());
        }
    }

    /** The badge: unread events over the user's conversations (last seq - read seq) plus the Moments count. */
    long badge(String userId, PushCursor cursor) {
        long sum = cursor.getMomentsUnread();
        try (KeyValueIterator<String, UnreadPosition> it = positions.prefixScan(userId + "|", KEYS)) {
            while (it.hasNext()) {
                sum += PushRules.unread(it.next().value);
            }
        }
        return sum;
    }

    /** The store key of a user's position: user ids have no '|' (see Ids.USER_ID), so a user's keys share the prefix {@code user|}. */
    static String key(String userId, String conversationId) {
        return userId + "|" + conversationId;
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
        KeyValue<String, UnreadPosition> oldest = null;
        String keepKey = key(userId, keep);
        try (KeyValueIterator<String, UnreadPosition> it = positions.prefixScan(userId + "|", KEYS)) {
            while (it.hasNext()) {
                KeyValue<String, UnreadPosition> next = it.next();
                count++;
                if (!next.key.equals(keepKey) && (oldest == null || next.value.getLastSeq() < oldest.value.getLastSeq())) {
                    oldest = next;
                }
            }
        }
        if (count > PushRules.MAX_CONVERSATIONS && oldest != null) {
            positions.delete(oldest.key);
            count--;
        }
        cursor.setConversations(count);
    }
}
