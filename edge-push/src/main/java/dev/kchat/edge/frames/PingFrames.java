package dev.kchat.edge.frames;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kchat.edge.protocol.Frames;
import dev.kchat.edge.session.ClientSignals;
import dev.kchat.edge.session.Session;
import dev.kchat.edge.sync.InboxCursor;
import java.util.concurrent.Executor;

/** {@code ping}: answered {@code pong}; after hello it is also the user's presence heartbeat. */
public final class PingFrames {

    private final ClientSignals signals;
    private final Executor workers;

    public PingFrames(ClientSignals signals, Executor workers) {
        this.signals = signals;
        this.workers = workers;
    }

    public void ping(Session session, ObjectNode fields) {
        session.send(Frames.pong());
        if (session.state() != InboxCursor.State.AWAITING_HELLO) {
            workers.execute(() -> signals.heartbeat(session));
        }
    }
}
