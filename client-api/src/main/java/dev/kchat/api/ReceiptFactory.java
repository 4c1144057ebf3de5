package dev.kchat.api;

import dev.kchat.api.auth.JwtAuthenticator.Caller;
import dev.kchat.events.chat.Delivered;
import dev.kchat.events.chat.ReadUpTo;
import dev.kchat.events.chat.Receipt;
import java.time.Instant;

/**
 * The {@code chat.receipts} records a caller's device reports, the same from every door (the
 * ingress's {@code POST /v1/conversations/{id}/read}, the edge's {@code read} and {@code ack}
 * frames). The key to publish them under is the conversation id. Fanout checks them (a read by a
 * non-member is refused there), so nothing is checked here beyond what the caller vouches for.
 */
public final class ReceiptFactory {

    private ReceiptFactory() {
    }

    /** {@code ReadUpTo}: the caller's user read {@code conversationId} up to and including {@code seq}. */
    public static Receipt readUpTo(Caller caller, String conversationId, long seq, Instant at) {
        return receipt(caller, conversationId, at).setReceipt(ReadUpTo.newBuilder().setSeq(seq).build()).build();
    }

    /** {@code Delivered}: the caller's device has inbox entry {@code inboxSeq}, carrying conversation seq {@code seq}. */
    public static Receipt delivered(Caller caller, String conversationId, long inboxSeq, long seq, Instant at) {
        return receipt(caller, conversationId, at)
                .setReceipt(Delivered.newBuilder().setInboxSeq(inboxSeq).setSeq(seq).build()).build();
    }

    private static Receipt.Builder receipt(Caller caller, String conversationId, Instant at) {
        return Receipt.newBuilder().setConversationId(conversationId).setUserId(caller.userId())
                .setDeviceId(caller.deviceId()).setAt(at);
    }
}
