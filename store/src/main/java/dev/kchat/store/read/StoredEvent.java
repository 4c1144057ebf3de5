package dev.kchat.store.read;

import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * One row of a conversation's history: a sequenced event, with the current state of the message if it
 * is a {@code MessagePosted} (edits, recalls, deletions and redactions already applied).
 *
 * @param eventType the payload's Avro record name ({@code MessagePosted}, {@code MemberJoined}, ...)
 * @param body current body of a message; null for other events and once recalled, deleted or redacted
 * @param targetSeq the message an edit, recall, deletion, redaction or reaction acts on, else null
 * @param status {@code POSTED}, {@code EDITED}, {@code RECALLED}, {@code DELETED} or {@code REDACTED}
 *     for messages, null for other events
 * @param lastChangeSeq seq of the event that last changed this message, null for other events
 * @param event the event exactly as on {@code chat.conversation.log} (Confluent wire format); null for
 *     edits (their content lives in the target) and once the message's content was removed
 * @param reactions for messages, how many users reacted with each emoji (empty if none)
 */
public record StoredEvent(
        String conversationId,
        long seq,
        String eventType,
        String eventId,
        String actorId,
        String actorDeviceId,
        Instant occurredAt,
        String messageId,
        String clientMsgId,
        String body,
        Long replyToSeq,
        List<String> mentions,
        List<StoredAttachment> attachments,
        Long targetSeq,
        String status,
        Long lastChangeSeq,
        Instant editedAt,
        String redactionRule,
        ByteBuffer event,
        Map<String, Integer> reactions) {

    public StoredEvent {
        reactions = reactions == null ? Map.of() : Map.copyOf(reactions);
    }

    /** The same event with its reaction counts. */
    public StoredEvent withReactions(Map<String, Integer> counts) {
        return new StoredEvent(conversationId, seq, eventType, eventId, actorId, actorDeviceId, occurredAt, messageId,
                clientMsgId, body, replyToSeq, mentions, attachments, targetSeq, status, lastChangeSeq, editedAt,
                redactionRule, event, counts);
    }

    /** An attachment by reference, as stored. */
    public record StoredAttachment(String url, String mimeType, long sizeBytes, String name, String mediaId, Integer width,
            Integer height) {
    }
}
