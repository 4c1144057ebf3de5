package dev.kchat.edge.frames;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kchat.api.ApiException;
import dev.kchat.edge.session.ClientSignals;
import dev.kchat.edge.session.Session;
import dev.kchat.edge.sync.Delivery;
import java.util.List;
import java.util.concurrent.Executor;

/**
 * {@code ack} and {@code read}: what the device has (Delivered for the messages of others an ack
 * newly covers) and what its user read (ReadUpTo), to {@code chat.receipts}.
 */
public final class ReceiptFrames {

    private final ClientSignals signals;
    private final Executor workers;

    public ReceiptFrames(ClientSignals signals, Executor workers) {
        this.signals = signals;
        this.workers = workers;
    }

    /** {@code ack {inbox_seq}}: report Delivered for the messages of others it newly covers. */
    public void ack(Session session, ObjectNode fields) {
        long inboxSeq = FrameFields.requireLong(fields, "inbox_seq");
        FrameFields.requireHello(session);
        List<Delivery> delivered = session.ack(inboxSeq);
        if (!delivered.isEmpty()) {
            workers.execute(() -> delivered.forEach(d -> signals.delivered(session, d)));
        }
    }

    /** {@code read {conversation_id, seq}}: everything up to seq is read (on this and every device). */
    public void read(Session session, ObjectNode fields) {
        FrameFields.requireHello(session);
        String conversationId = FrameFields.requireConversation(fields);
        long seq = FrameFields.requireLong(fields, "seq");
        if (seq < 1) {
            throw ApiException.badRequest("invalid_field", "seq must be 1 or more");
        }
        workers.execute(() -> signals.read(session, conversationId, seq));
    }
}
