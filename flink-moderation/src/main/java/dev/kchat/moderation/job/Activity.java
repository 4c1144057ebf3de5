package dev.kchat.moderation.job;

import dev.kchat.events.chat.ConversationCreated;
import dev.kchat.events.chat.ConversationEvent;
import dev.kchat.events.chat.MessagePosted;
import dev.kchat.moderation.ChatMessage;
import java.time.Instant;

/**
 * A user acting on {@code chat.conversation.log}, as the stranger-spam detector needs it: every
 * event, by its actor (creating a conversation, joining, posting, reacting, ...), dates the actor's
 * account; a {@code ConversationCreated} names the conversation's creator; a {@code MessagePosted}
 * is what is counted. A Flink POJO (a record of basic types).
 *
 * @param kind                   created, posted, or any other event
 * @param actorId                who acted (the event's {@code actor_id})
 * @param conversationId         where
 * @param seq                    the event's seq (a posted message's position, for the verdict's ref)
 * @param messageId              a posted message's id; null otherwise
 * @param at                     event time, epoch ms
 * @param intoOthersConversation for a posted message, set by {@link ConversationCreators}: the
 *                               actor did not create the conversation
 * @param sourceTopic            where it was read, for error records
 * @param sourcePartition        its partition
 * @param sourceOffset           its offset
 */
public record Activity(Kind kind, String actorId, String conversationId, long seq, String messageId, long at,
        boolean intoOthersConversation, String sourceTopic, int sourcePartition, long sourceOffset) implements Sourced {

    /** What the actor did, as far as stranger spam cares. */
    public enum Kind { CREATED, POSTED, OTHER }

    /** The activity of any {@code chat.conversation.log} event. */
    public static Activity of(ConversationEvent event, String topic, int partition, long offset) {
        Object payload = event.getPayload();
        Kind kind = payload instanceof ConversationCreated ? Kind.CREATED : payload instanceof MessagePosted ? Kind.POSTED : Kind.OTHER;
        String messageId = payload instanceof MessagePosted posted ? posted.getMessageId() : null;
        return new Activity(kind, event.getActorId(), event.getConversationId(), event.getSeq(), messageId,
                event.getOccurredAt().toEpochMilli(), false, topic, partition, offset);
    }

    /** This activity with {@link #intoOthersConversation} set. */
    public Activity intoOthersConversation(boolean others) {
        return new Activity(kind, actorId, conversationId, seq, messageId, at, others, sourceTopic, sourcePartition, sourceOffset);
    }

    /** The posted message as the library detector takes it; without its body, which stranger spam does not read. */
    public ChatMessage chatMessage() {
        return new ChatMessage(actorId, conversationId, seq, messageId, Instant.ofEpochMilli(at), "");
    }
}
