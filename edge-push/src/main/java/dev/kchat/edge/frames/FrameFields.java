package dev.kchat.edge.frames;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kchat.api.ApiException;
import dev.kchat.edge.session.Session;
import dev.kchat.edge.sync.InboxCursor;
import dev.kchat.schemas.Ids;
import java.util.Set;

/** The checks frame handlers share; each refuses with a precise {@link ApiException}. */
final class FrameFields {

    private FrameFields() {
    }

    static long requireLong(ObjectNode fields, String name) {
        JsonNode v = fields.get(name);
        if (v == null || !v.canConvertToLong() || !v.isIntegralNumber() || v.asLong() < 0) {
            throw ApiException.badRequest("invalid_field", name + " must be an integer from 0 to " + Long.MAX_VALUE);
        }
        return v.asLong();
    }

    static String requireConversation(ObjectNode fields) {
        JsonNode conversation = fields.get("conversation_id");
        if (conversation == null || !conversation.isTextual() || !Ids.isConversationId(conversation.asText())) {
            throw ApiException.badRequest("missing_field", "conversation_id is required");
        }
        return conversation.asText();
    }

    /** Refuses a frame with a field not in {@code allowed} ({@code unknown_field}). */
    static void onlyFields(ObjectNode fields, Set<String> allowed) {
        fields.fieldNames().forEachRemaining(name -> {
            if (!allowed.contains(name)) {
                throw ApiException.badRequest("unknown_field", "unknown field '" + name + "'");
            }
        });
    }

    static void requireHello(Session session) {
        if (session.state() == InboxCursor.State.AWAITING_HELLO) {
            throw ApiException.badRequest("hello_first", "send hello before anything else");
        }
    }
}
