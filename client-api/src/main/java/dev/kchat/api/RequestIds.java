package dev.kchat.api;

import dev.kchat.events.chat.ChatCommand;
import dev.kchat.events.chat.CreateConversation;
import dev.kchat.events.chat.SendMessage;
import dev.kchat.events.common.ConversationKind;
import dev.kchat.schemas.Ids;

/**
 * A client's request id (HTTP {@code Idempotency-Key}) on a command: it becomes the command's
 * {@code request_id}, echoed in its outcome, and fixes the command id, so every retry of the request
 * is the same command to routing. A group or channel created with a request id gets its id from
 * (creator, request id): a create retried after a timeout meets the group the first attempt made
 * and is answered as a duplicate instead of making a second group; a server likewise. Sends keep their own key, the
 * {@code client_msg_id}, which is also their request id.
 */
public final class RequestIds {

    /** The HTTP header that carries the request id. */
    public static final String HEADER = "Idempotency-Key";

    private RequestIds() {
    }

    /**
     * The command of {@code accepted} identified by {@code requestId}; unchanged if the client gave
     * none ({@code null}) or the command is a send.
     *
     * @throws ApiException 400 {@code invalid_request_id} if the id is not 1-64 printable ASCII characters
     */
    public static CommandFactory.Accepted apply(CommandFactory.Accepted accepted, String requestId) {
        ChatCommand command = accepted.command();
        if (requestId == null || command.getPayload() instanceof SendMessage) {
            return accepted;
        }
        if (!Ids.isClientMsgId(requestId)) {
            throw ApiException.badRequest("invalid_request_id", HEADER + " must be 1-64 printable ASCII characters without spaces");
        }
        String conversationId = accepted.conversationId();
        if (command.getPayload() instanceof CreateConversation create && create.getKind() != ConversationKind.DIRECT) {
            conversationId = Ids.groupConversationFor(command.getSenderId(), requestId);
        } else if (command.getPayload() instanceof dev.kchat.events.chat.CreateServer) {
            conversationId = Ids.serverFor(command.getSenderId(), requestId);
        }
        String kind = command.getCommandId().substring(0, Math.max(0, command.getCommandId().indexOf(':')));
        ChatCommand identified = ChatCommand.newBuilder(command)
                .setConversationId(conversationId)
                .setCommandId(Ids.requestCommandId(kind.isEmpty() ? "cmd" : kind, conversationId, command.getSenderId(), requestId))
                .setRequestId(requestId)
                .build();
        return new CommandFactory.Accepted(identified, conversationId, accepted.messageId(), accepted.answerFields());
    }
}
