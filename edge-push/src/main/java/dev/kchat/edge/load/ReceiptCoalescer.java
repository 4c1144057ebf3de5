package dev.kchat.edge.load;

import dev.kchat.events.chat.Delivered;
import dev.kchat.events.chat.Receipt;
import dev.kchat.events.chat.ReadUpTo;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Holds receipts back while the edge sheds load, keeping per (user, device, conversation, kind) only
 * the furthest one: positions only move forward (a receipt at or below the current position changes
 * nothing in fanout), so sending the furthest later converges to the same read and delivered
 * positions as sending every one at once. Nothing is dropped for good: {@link #due} hands back what
 * has waited long enough, and everything once shedding stops.
 */
public final class ReceiptCoalescer {

    private record Key(String userId, String deviceId, String conversationId, boolean read) {
    }

    private record Held(Receipt receipt, long sinceMillis) {
    }

    private final Map<Key, Held> held = new ConcurrentHashMap<>();

    /**
     * Holds a receipt; it replaces a held one of the same device, conversation and kind if it goes
     * further.
     *
     * @return true if an earlier held receipt was superseded (one receipt fewer to send)
     */
    public boolean hold(Receipt receipt, long nowMillis) {
        Object r = receipt.getReceipt();
        Key key = new Key(receipt.getUserId(), receipt.getDeviceId(), receipt.getConversationId(), r instanceof ReadUpTo);
        boolean[] superseded = {false};
        held.merge(key, new Held(receipt, nowMillis), (old, now) -> {
            superseded[0] = true;
            return seq(now.receipt()) > seq(old.receipt()) ? new Held(now.receipt(), old.sinceMillis()) : old;
        });
        return superseded[0];
    }

    /** Removes and returns the receipts held for at least {@code delayMillis} (all of them if {@code all}). */
    public List<Receipt> due(long nowMillis, long delayMillis, boolean all) {
        List<Receipt> out = new ArrayList<>();
        held.forEach((key, h) -> {
            if ((all || nowMillis - h.sinceMillis() >= delayMillis) && held.remove(key, h)) {
                out.add(h.receipt());
            }
        });
        return out;
    }

    public int size() {
        return held.size();
    }

    private static long seq(Receipt receipt) {
        Object r = receipt.getReceipt();
        return r instanceof Delivered d ? d.getSeq() : ((ReadUpTo) r).getSeq();
    }
}
