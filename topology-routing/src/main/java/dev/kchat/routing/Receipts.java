package dev.kchat.routing;

import dev.kchat.events.chat.Delivered;
import dev.kchat.events.chat.DeliveryStatus;
import dev.kchat.events.chat.ReadUpTo;
import dev.kchat.events.common.ConversationKind;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The receipt rules as plain functions over values: how a receipt moves a member's positions, which
 * authors' messages a move covers, and how statuses are reported. {@link ReceiptProcessor} and
 * {@link ReceiptLedger} apply them to the stores.
 */
public final class Receipts {

    private Receipts() {
    }

    /**
     * One member's positions in one conversation. Invariants: {@code read <= delivered} (a message
     * read was delivered), both {@code >= joined - 1} (a receipt never covers what came before the
     * member joined).
     */
    record Position(long read, long delivered, long joined) {

        /** The position of a member without a stored one: a member since the conversation's creation. */
        static final Position INITIAL = new Position(0, 0, 1);

        /** The position of a member who joined at {@code seq}: nothing of theirs read or delivered yet. */
        static Position joinedAt(long seq) {
            return new Position(seq - 1, seq - 1, seq);
        }

        boolean readMoved(Position before) {
            return read > before.read;
        }

        boolean deliveredMoved(Position before) {
            return delivered > before.delivered;
        }
    }

    /** A message of the receipt window: its seq and author. */
    record WindowEntry(long seq, String author) {
    }

    /**
     * How far a move covers one author's messages: the highest seq of theirs newly read, newly
     * delivered (0 = none).
     */
    record Covered(long readUpTo, long deliveredUpTo) {
    }

    /**
     * The position after a receipt. Clamped to {@code lastSeq} (a client cannot have seen what the log
     * has not sequenced yet) and monotonic: a receipt at or below the current position returns it
     * unchanged. Reading up to S also delivers up to S.
     *
     * @throws IllegalArgumentException for a negative seq or an unknown receipt kind (a producer bug,
     *                                  reported on the error topic rather than silently ignored)
     */
    static Position apply(Position current, Object receipt, long lastSeq) {
        if (receipt instanceof ReadUpTo read) {
            long target = Math.min(requireNonNegative(read.getSeq()), lastSeq);
            long newRead = Math.max(current.read(), target);
            return new Position(newRead, Math.max(current.delivered(), newRead), current.joined());
        }
        if (receipt instanceof Delivered delivered) {
            long target = Math.min(requireNonNegative(delivered.getSeq()), lastSeq);
            return new Position(current.read(), Math.max(current.delivered(), target), current.joined());
        }
        throw new IllegalArgumentException("unknown receipt " + (receipt == null ? "null" : receipt.getClass().getName()));
    }

    private static long requireNonNegative(long seq) {
        if (seq < 0) {
            throw new IllegalArgumentException("receipt seq must be >= 0, was " + seq);
        }
        return seq;
    }

    /**
     * The seq ranges a move covers, as {@code (fromExclusive, toInclusive]} pairs in seq order: the
     * read move {@code (before.read, after.read]} and the delivered move {@code (before.delivered,
     * after.delivered]}, merged when they touch. Only these are read from the window: a member who
     * acks deliveries but never reads (a muted group) keeps its read position far behind, and reading
     * {@code (before.read, after.delivered]} would scan the whole window on every ack.
     */
    static List<long[]> movedRanges(Position before, Position after) {
        boolean read = after.read() > before.read();
        boolean delivered = after.delivered() > before.delivered();
        if (read && delivered && after.read() >= before.delivered()) {
            return List.of(new long[] {before.read(), Math.max(after.read(), after.delivered())});
        }
        List<long[]> out = new ArrayList<>(2);
        if (read) {
            out.add(new long[] {before.read(), after.read()});
        }
        if (delivered) {
            out.add(new long[] {before.delivered(), after.delivered()});
        }
        return out;
    }

    /**
     * Per author (other than the reader), the highest of their messages that the move from
     * {@code before} to {@code after} newly reads or delivers. {@code entries} are the window's
     * messages in {@code (before.read, after.delivered]}, in seq order. Authors are returned in the
     * order of their first covered message.
     */
    static Map<String, Covered> covered(List<WindowEntry> entries, String reader, Position before, Position after) {
        Map<String, Covered> out = new LinkedHashMap<>();
        for (WindowEntry e : entries) {
            if (e.author().equals(reader)) {
                continue;
            }
            boolean read = e.seq() > before.read() && e.seq() <= after.read();
            boolean delivered = e.seq() > before.delivered() && e.seq() <= after.delivered();
            if (read || delivered) {
                Covered was = out.getOrDefault(e.author(), new Covered(0, 0));
                out.put(e.author(), new Covered(read ? e.seq() : was.readUpTo(), delivered ? e.seq() : was.deliveredUpTo()));
            }
        }
        return out;
    }

    /**
     * Whether a member with this position counts for an author's message at {@code latestSeq}: the
     * message was theirs to receive (at or after their join) and the position reached it.
     */
    static boolean reached(long latestSeq, long position, long joined) {
        return latestSeq >= joined && latestSeq <= position;
    }

    /**
     * Whether the authors of a conversation learn the status of their messages per recipient (direct
     * chats and groups of at most {@code perRecipientMax} members) or as counts.
     */
    public static boolean perRecipient(ConversationKind kind, int memberCount, int perRecipientMax) {
        return kind == ConversationKind.DIRECT || memberCount <= perRecipientMax;
    }

    /** The status reported with counts: the furthest any recipient got. */
    static DeliveryStatus countsStatus(int deliveredCount, int readCount) {
        if (readCount > 0) {
            return DeliveryStatus.READ;
        }
        return deliveredCount > 0 ? DeliveryStatus.DELIVERED : DeliveryStatus.SENT;
    }

    /** Unread events of a conversation for a reader at {@code readSeq}. */
    static long unread(long lastSeq, long readSeq) {
        return Math.max(0, lastSeq - readSeq);
    }

    /**
     * The seqs that leave a window of the last {@code windowSize} seqs when the conversation's last
     * seq moves from {@code before} to {@code after}: {@code [from, to]}, empty when {@code from > to}.
     */
    static long[] leavingWindow(long before, long after, int windowSize) {
        return new long[] {Math.max(1, before - windowSize + 1), after - windowSize};
    }
}
