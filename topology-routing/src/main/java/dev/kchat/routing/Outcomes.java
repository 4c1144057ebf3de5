package dev.kchat.routing;

import dev.kchat.events.chat.ChatCommand;
import dev.kchat.events.chat.CommandAccepted;
import dev.kchat.events.chat.CommandRejected;
import dev.kchat.events.chat.CommandResult;
import dev.kchat.events.chat.ConversationEvent;
import dev.kchat.events.chat.SendMessage;
import dev.kchat.events.moderation.UserMute;
import dev.kchat.schemas.CommandTypes;
import java.time.Instant;

/**
 * What every rule class builds from a decided command: the sequenced event, the result for the
 * sender (accepted at a seq, or rejected with a machine code), and the mute check. Plain functions.
 */
final class Outcomes {

    private Outcomes() {
    }

    /** The event a command produced at {@code seq} of {@code conversationId}, stamped with the decision time. */
    static ConversationEvent event(ChatCommand command, Instant at, String conversationId, long seq, Object payload) {
        return ConversationEvent.newBuilder()
                .setConversationId(conversationId)
                .setSeq(seq)
                .setEventId(command.getCommandId())
                .setActorId(command.getSenderId())
                .setActorDeviceId(command.getSenderDeviceId())
                .setRequestId(requestId(command))
                .setOccurredAt(at)
                .setPayload(payload)
                .build();
    }

    static CommandAccepted accepted(long seq, String messageId, boolean duplicate) {
        return CommandAccepted.newBuilder().setSeq(seq).setMessageId(messageId).setDuplicate(duplicate).build();
    }

    static CommandRejected rejected(String code, String reason) {
        return CommandRejected.newBuilder().setCode(code).setReason(reason).build();
    }

    /** The result of a mute: {@code muted}, with its end. */
    static CommandRejected muted(UserMute mute) {
        return CommandRejected.newBuilder().setCode(CommandRules.MUTED)
                .setReason("muted until " + mute.getUntil() + ": " + mute.getReason()).setUntil(mute.getUntil()).build();
    }

    /** The user's mute if it is still on at {@code at}, else null. */
    static UserMute activeMute(String userId, Instant at, RoutingState state) {
        UserMute mute = state.mute(userId);
        return mute != null && mute.getUntil().isAfter(at) ? mute : null;
    }

    static CommandResult result(ChatCommand command, Instant at, Object outcome) {
        String clientMsgId = command.getPayload() instanceof SendMessage send ? send.getClientMsgId() : null;
        return CommandResult.newBuilder()
                .setCommandId(command.getCommandId())
                .setConversationId(command.getConversationId())
                .setSenderId(command.getSenderId())
                .setSenderDeviceId(command.getSenderDeviceId())
                .setClientMsgId(clientMsgId)
                .setRequestId(requestId(command))
                .setCommandType(CommandTypes.ofCommand(command.getPayload()))
                .setReplyPartition(command.getReplyPartition())
                .setDecidedAt(at)
                .setOutcome(outcome)
                .build();
    }

    /** The client's reference of a command: its request id, else (sends) its client_msg_id. */
    static String requestId(ChatCommand command) {
        if (command.getRequestId() != null) {
            return command.getRequestId();
        }
        return command.getPayload() instanceof SendMessage send ? send.getClientMsgId() : null;
    }
}
