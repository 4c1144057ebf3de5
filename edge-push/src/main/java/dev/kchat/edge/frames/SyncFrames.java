package dev.kchat.edge.frames;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kchat.api.ApiException;
import dev.kchat.edge.live.LiveHub;
import dev.kchat.edge.protocol.Frames;
import dev.kchat.edge.routing.Owners;
import dev.kchat.edge.session.ClientSignals;
import dev.kchat.edge.session.Session;
import dev.kchat.edge.sync.InboxCursor;
import dev.kchat.edge.sync.InboxDispatcher;
import dev.kchat.schemas.Ids;
import dev.kchat.store.read.ChatRepository;
import dev.kchat.store.read.ConversationSummary;
import java.util.concurrent.Executor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code hello}: the first frame. Sends a user this edge does not serve to its edge; otherwise
 * registers the session for the user's live entries and starts its replay from the SyncKey, and
 * announces the session and follows its conversations (broadcasts, typing).
 */
public final class SyncFrames {

    private static final Logger log = LoggerFactory.getLogger(SyncFrames.class);

    private final InboxDispatcher dispatcher;
    private final Owners owners;
    private final ClientSignals signals;
    private final LiveHub live;
    private final ChatRepository repository;
    private final Executor workers;

    public SyncFrames(InboxDispatcher dispatcher, Owners owners, ClientSignals signals, LiveHub live,
            ChatRepository repository, Executor workers) {
        this.dispatcher = dispatcher;
        this.owners = owners;
        this.signals = signals;
        this.live = live;
        this.repository = repository;
        this.workers = workers;
    }

    public void hello(Session session, ObjectNode fields) {
        long since = fields.has("since_inbox_seq") ? FrameFields.requireLong(fields, "since_inbox_seq") : 0;
        String device = fields.path("device_id").asText(null);
        if (device != null && !Ids.isUserId(device)) {
            throw ApiException.badRequest("invalid_device", "device_id must be 1-64 characters of [A-Za-z0-9_.-]");
        }
        if (session.state() != InboxCursor.State.AWAITING_HELLO) {
            throw ApiException.badRequest("duplicate_hello", "hello was already received on this connection");
        }
        if (!dispatcher.owns(session.userId())) {
            workers.execute(() -> {
                String owner = owners.ownerElsewhereIfKnown(session.userId());
                session.send(owner == null ? Frames.reconnect("wrong_edge", null) : Frames.redirect(owner));
                session.close(Frames.CLOSE_WRONG_EDGE, "wrong_edge");
            });
            return;
        }
        dispatcher.register(session);
        if (!session.hello(device, since)) {
            throw ApiException.badRequest("duplicate_hello", "hello was already received on this connection");
        }
        String platform = fields.path("platform").asText(null);
        workers.execute(() -> {
            signals.opened(session, platform);
            try {
                subscribeConversations(session);
            } catch (RuntimeException e) {
                log.warn("{}: cannot load its conversations: {}", session, e.toString());
            }
        });
    }

    /** The session follows its user's conversations: broadcasts of large ones and typing of all. */
    private void subscribeConversations(Session session) {
        for (ConversationSummary c : repository.conversations(session.userId(), ChatRepository.MAX_CONVERSATIONS)) {
            if (c.active()) {
                live.subscribe(c.conversationId(), session);
            }
        }
    }
}
