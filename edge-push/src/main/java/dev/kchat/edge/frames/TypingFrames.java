package dev.kchat.edge.frames;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kchat.api.ApiException;
import dev.kchat.edge.live.LiveHub;
import dev.kchat.edge.live.LiveSubscriber;
import dev.kchat.edge.session.ClientSignals;
import dev.kchat.edge.session.Session;
import java.util.concurrent.Executor;
import java.util.function.BiPredicate;

/**
 * {@code typing {conversation_id, typing}}: ephemeral, to the other members' devices (in a server
 * channel, to the other connections viewing it; only a connection viewing it may type there); throttled.
 */
public final class TypingFrames {

    private final LiveHub live;
    private final BiPredicate<LiveSubscriber, String> viewing;
    private final ClientSignals signals;
    private final Executor workers;

    /** @param viewing whether a connection views a server channel now */
    public TypingFrames(LiveHub live, BiPredicate<LiveSubscriber, String> viewing, ClientSignals signals, Executor workers) {
        this.live = live;
        this.viewing = viewing;
        this.signals = signals;
        this.workers = workers;
    }

    public void typing(Session session, ObjectNode fields) {
        FrameFields.requireHello(session);
        String conversationId = FrameFields.requireConversation(fields);
        JsonNode typing = fields.get("typing");
        if (typing == null || !typing.isBoolean()) {
            throw ApiException.badRequest("invalid_field", "typing must be true or false");
        }
        if (!live.isSubscribed(conversationId, session) && !viewing.test(session, conversationId)) {
            throw ApiException.notFound("conversation_not_found", "you are not a member of '" + conversationId + "'");
        }
        workers.execute(() -> signals.typing(session, conversationId, typing.asBoolean()));
    }
}
