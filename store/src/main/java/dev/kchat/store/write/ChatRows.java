package dev.kchat.store.write;

import com.datastax.oss.driver.api.core.ConsistencyLevel;
import com.datastax.oss.driver.api.core.cql.BoundStatement;
import com.datastax.oss.driver.api.core.cql.BoundStatementBuilder;
import dev.kchat.events.chat.MessageDeleted;
import dev.kchat.events.chat.MessageEdited;
import dev.kchat.events.chat.MessagePosted;
import dev.kchat.events.chat.MessageRecalled;
import dev.kchat.events.chat.MessageRedacted;
import dev.kchat.events.chat.ReactionAdded;
import dev.kchat.events.chat.ReactionRemoved;

/** What the chat statement builders share: how a statement is finished, and what an event's payload says. */
final class ChatRows {

    /** Consistency of every write. */
    static final ConsistencyLevel WRITE_CONSISTENCY = ConsistencyLevel.LOCAL_QUORUM;
    /** Characters of a message body kept as the conversation-list preview. */
    static final int PREVIEW_MAX_CHARS = 120;

    private ChatRows() {
    }

    static BoundStatement finish(BoundStatementBuilder b) {
        return b.setConsistencyLevel(WRITE_CONSISTENCY).setIdempotence(true).build();
    }

    static boolean isRemoval(Object payload) {
        return payload instanceof MessageRecalled || payload instanceof MessageDeleted || payload instanceof MessageRedacted;
    }

    /** The message an event acts on, or null if it acts on none. */
    static Long targetSeqOf(Object payload) {
        if (payload instanceof MessageEdited p) {
            return p.getTargetSeq();
        } else if (payload instanceof MessageRecalled p) {
            return p.getTargetSeq();
        } else if (payload instanceof MessageDeleted p) {
            return p.getTargetSeq();
        } else if (payload instanceof MessageRedacted p) {
            return p.getTargetSeq();
        } else if (payload instanceof ReactionAdded p) {
            return p.getTargetSeq();
        } else if (payload instanceof ReactionRemoved p) {
            return p.getTargetSeq();
        }
        return null;
    }

    /** The stored name of a payload or inbox item type: the Avro record's simple name. */
    static String typeOf(Object payload) {
        if (payload == null) {
            throw new IllegalArgumentException("event without payload");
        }
        return payload.getClass().getSimpleName();
    }

    /** First {@value #PREVIEW_MAX_CHARS} characters of the body, never splitting a surrogate pair. */
    static String preview(MessagePosted posted) {
        String body = posted.getBody();
        if (body.isBlank() && !posted.getAttachments().isEmpty()) {
            return "[" + posted.getAttachments().get(0).getMimeType() + "]";
        }
        if (body.length() <= PREVIEW_MAX_CHARS) {
            return body;
        }
        int end = PREVIEW_MAX_CHARS;
        if (Character.isHighSurrogate(body.charAt(end - 1))) {
            end--;
        }
        return body.substring(0, end);
    }
}
