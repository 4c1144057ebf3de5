package dev.kchat.moderation;

import dev.kchat.events.chat.ConversationEvent;
import dev.kchat.events.chat.MessageEdited;
import dev.kchat.events.chat.MessagePosted;
import dev.kchat.events.moderation.ChatMessageRef;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * A chat message as the detectors see it: who sent what, where and when.
 *
 * @param senderId       the sender
 * @param conversationId the conversation
 * @param seq            the message's position in the conversation: what a {@code Redact} targets
 * @param messageId      the message id, when known
 * @param at             event time (routing's {@code occurred_at})
 * @param body           the text
 */
public record ChatMessage(String senderId, String conversationId, long seq, String messageId, Instant at, String body) {

    public ChatMessage {
        Objects.requireNonNull(senderId, "senderId");
        Objects.requireNonNull(conversationId, "conversationId");
        Objects.requireNonNull(at, "at");
        Objects.requireNonNull(body, "body");
    }

    /** The reference a verdict about this message carries. */
    public ChatMessageRef ref() {
        return ChatMessageRef.newBuilder().setConversationId(conversationId).setSeq(seq).setMessageId(messageId).build();
    }

    /**
     * The message a {@code chat.conversation.log} record carries, if any: a {@code MessagePosted},
     * or a {@code MessageEdited} judged as its new text at the edited message's seq (so a redaction
     * hits the message people see). Other events carry no text to judge.
     */
    public static Optional<ChatMessage> of(ConversationEvent event) {
        Object payload = event.getPayload();
        if (payload instanceof MessagePosted posted) {
            return Optional.of(new ChatMessage(event.getActorId(), event.getConversationId(), event.getSeq(),
                    posted.getMessageId(), event.getOccurredAt(), posted.getBody()));
        }
        if (payload instanceof MessageEdited edited) {
            return Optional.of(new ChatMessage(event.getActorId(), event.getConversationId(), edited.getTargetSeq(),
                    null, event.getOccurredAt(), edited.getBody()));
        }
        return Optional.empty();
    }
}
