package dev.kchat.routing;

import dev.kchat.events.chat.CommandAccepted;
import dev.kchat.events.chat.CommandRejected;
import dev.kchat.events.chat.CommandResult;
import dev.kchat.events.chat.ConversationEvent;
import dev.kchat.events.chat.InboxEntry;
import dev.kchat.events.chat.MessagePosted;
import dev.kchat.events.chat.ReadUpTo;
import dev.kchat.schemas.CommandTypes;
import dev.kchat.schemas.Ids;
import java.time.Instant;

/**
 * How the outcome of a user's command reaches every device of that user, as plain functions.
 *
 * <p>An accepted command's sequenced event already lands in its actor's inbox when the conversation
 * is write-diffused (every member gets every event), and that entry is the outcome: it carries the
 * command's {@code request_id} and {@code event_id} (= command id). Everything else needs an inbox
 * entry of its own, carrying the {@link CommandResult}: rejections, repeated commands (a retried
 * send or create: no new event) and accepted commands whose event is broadcast (read diffusion),
 * where the actor's inbox does not get it. Outcome entries carry no conversation seq, so the inbox
 * sequencer does not take them for replays of the conversation's events.
 *
 * <p>{@link Outcomes} builds the results themselves; this class turns them into inbox entries (it was
 * fanout's {@code Outcomes} until issue 12's step 3 moved it here).
 */
public final class InboxOutcomes {

    /** Machine code of a read refused because the reader is not a member. */
    public static final String NOT_A_MEMBER = "not_a_member";
    /** Machine code of a read refused because the conversation does not exist. */
    public static final String CONVERSATION_NOT_FOUND = "conversation_not_found";

    private InboxOutcomes() {
    }

    /**
     * Whether routing's result needs an inbox entry of its own: rejections and repeats. A first-time
     * acceptance is reported by its event (see {@link #acceptedFromEvent} for read diffusion).
     * Results of commands not issued by a user (a {@code system:} actor) reach nobody's inbox.
     */
    public static boolean needsEntry(CommandResult result) {
        if (!Ids.isUserId(result.getSenderId())) {
            return false;
        }
        return result.getOutcome() instanceof CommandRejected
                || (result.getOutcome() instanceof CommandAccepted accepted && accepted.getDuplicate());
    }

    /**
     * The acceptance of the command that produced a broadcast event, for its actor's inbox; null if
     * the actor is not a user.
     */
    public static CommandResult acceptedFromEvent(ConversationEvent event) {
        if (!Ids.isUserId(event.getActorId())) {
            return null;
        }
        Object payload = event.getPayload();
        String messageId = payload instanceof MessagePosted posted ? posted.getMessageId() : null;
        return CommandResult.newBuilder()
                .setCommandId(event.getEventId())
                .setConversationId(event.getConversationId())
                .setSenderId(event.getActorId())
                .setSenderDeviceId(event.getActorDeviceId())
                .setClientMsgId(payload instanceof MessagePosted posted ? posted.getClientMsgId() : null)
                .setRequestId(event.getRequestId())
                .setCommandType(CommandTypes.of(payload))
                .setDecidedAt(event.getOccurredAt())
                .setOutcome(CommandAccepted.newBuilder().setSeq(event.getSeq()).setMessageId(messageId).setDuplicate(false).build())
                .build();
    }

    /** The refusal of a read (a {@code ReadUpTo} receipt) by someone who may not read there. */
    public static CommandResult readRefused(String conversationId, String userId, String deviceId, ReadUpTo read, Instant at,
            String code, String reason) {
        return CommandResult.newBuilder()
                .setCommandId("read:" + conversationId + ":" + read.getSeq())
                .setConversationId(conversationId)
                .setSenderId(userId)
                .setSenderDeviceId(deviceId)
                .setCommandType(ReadUpTo.class.getSimpleName())
                .setDecidedAt(at)
                .setOutcome(CommandRejected.newBuilder().setCode(code).setReason(reason).build())
                .build();
    }

    /** An unsequenced inbox entry (inbox_seq 0) carrying an outcome to its sender's inbox. */
    public static InboxEntry entry(CommandResult result) {
        return InboxEntry.newBuilder()
                .setUserId(result.getSenderId())
                .setInboxSeq(0)
                .setConversationId(result.getConversationId())
                .setConvSeq(null)
                .setCreatedAt(result.getDecidedAt())
                // The reply partition was the producing ingress instance's business only.
                .setItem(CommandResult.newBuilder(result).setReplyPartition(null).build())
                .build();
    }

}
