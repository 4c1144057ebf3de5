package dev.kchat.fanout;

import dev.kchat.events.chat.AddMembers;
import dev.kchat.events.chat.ChatCommand;
import dev.kchat.events.chat.CreateConversation;
import dev.kchat.events.chat.LeaveConversation;
import dev.kchat.events.chat.ReadUpTo;
import dev.kchat.events.chat.Receipt;
import dev.kchat.events.chat.RenameConversation;
import dev.kchat.events.chat.SendMessage;
import dev.kchat.events.common.ConversationKind;
import dev.kchat.schemas.Ids;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Commands and receipts as the doors write them, for the tests that drive routing and fanout together
 * ({@link MessagePathTopologyTest}, {@link MessagePathBrokerTest}); ids are derived the way ingress
 * derives them.
 */
final class PathCommands {

    static final Instant T0 = Events.T0;
    private static final AtomicLong IDS = new AtomicLong();

    private PathCommands() {
    }

    static ChatCommand command(String conversationId, String senderId, Object payload) {
        return ChatCommand.newBuilder()
                .setCommandId("cmd-" + IDS.incrementAndGet())
                .setConversationId(conversationId)
                .setSenderId(senderId)
                .setSenderDeviceId("phone")
                .setIssuedAt(T0)
                .setPayload(payload)
                .build();
    }

    static ChatCommand createGroup(String conversationId, String ownerId, List<String> others) {
        return command(conversationId, ownerId, CreateConversation.newBuilder().setKind(ConversationKind.GROUP).setName("Team")
                .setMemberIds(others).build());
    }

    /** A send, with the ids ingress derives from its client_msg_id (a retry is the same command). */
    static ChatCommand send(String conversationId, String senderId, String clientMsgId) {
        return ChatCommand.newBuilder(command(conversationId, senderId, SendMessage.newBuilder()
                        .setClientMsgId(clientMsgId)
                        .setMessageId(Ids.messageId(conversationId, senderId, clientMsgId))
                        .setBody("hello " + clientMsgId)
                        .build()))
                .setCommandId(Ids.sendCommandId(conversationId, senderId, clientMsgId))
                .build();
    }

    static ChatCommand add(String conversationId, String senderId, String user) {
        return command(conversationId, senderId, AddMembers.newBuilder().setUserIds(List.of(user)).build());
    }

    static ChatCommand leave(String conversationId, String senderId) {
        return command(conversationId, senderId, LeaveConversation.newBuilder().build());
    }

    static ChatCommand rename(String conversationId, String senderId, String name) {
        return command(conversationId, senderId, RenameConversation.newBuilder().setName(name).build());
    }

    /** A device of {@code userId} read the conversation up to {@code seq}. */
    static Receipt read(String conversationId, String userId, long seq) {
        return Receipt.newBuilder().setConversationId(conversationId).setUserId(userId).setDeviceId("phone")
                .setAt(T0.plusSeconds(1_000)).setReceipt(ReadUpTo.newBuilder().setSeq(seq).build()).build();
    }
}
