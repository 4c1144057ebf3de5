package dev.kchat.routing;

import dev.kchat.events.chat.AddMembers;
import dev.kchat.events.chat.AddReaction;
import dev.kchat.events.chat.ChangeRole;
import dev.kchat.events.chat.ChatCommand;
import dev.kchat.events.chat.CreateConversation;
import dev.kchat.events.chat.DeleteMessage;
import dev.kchat.events.chat.EditMessage;
import dev.kchat.events.chat.LeaveConversation;
import dev.kchat.events.chat.RecallMessage;
import dev.kchat.events.chat.RemoveMember;
import dev.kchat.events.chat.RenameConversation;
import dev.kchat.events.chat.SendMessage;
import dev.kchat.events.chat.TransferOwnership;
import dev.kchat.events.common.ConversationKind;
import dev.kchat.events.common.MemberRole;
import dev.kchat.schemas.Ids;
import dev.kchat.schemas.Samples;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/** Builders of the commands the tests send; ids are derived the way ingress derives them. */
final class Commands {

    static final Instant T0 = Samples.T0;
    static final String GROUP = "g-team";
    private static final AtomicLong IDS = new AtomicLong();

    private Commands() {
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

    static ChatCommand createGroup(String conversationId, String ownerId, String... others) {
        return create(conversationId, ConversationKind.GROUP, ownerId, others);
    }

    static ChatCommand create(String conversationId, ConversationKind kind, String senderId, String... others) {
        return command(conversationId, senderId, CreateConversation.newBuilder()
                .setKind(kind).setName(kind == ConversationKind.DIRECT ? null : "Team").setMemberIds(List.of(others)).build());
    }

    static ChatCommand send(String conversationId, String senderId, String clientMsgId) {
        return ChatCommand.newBuilder(command(conversationId, senderId, SendMessage.newBuilder()
                        .setClientMsgId(clientMsgId)
                        .setMessageId(Ids.messageId(conversationId, senderId, clientMsgId))
                        .setBody("hello " + clientMsgId)
                        .build()))
                .setCommandId(Ids.sendCommandId(conversationId, senderId, clientMsgId))
                .build();
    }

    static ChatCommand add(String conversationId, String senderId, String... users) {
        return command(conversationId, senderId, AddMembers.newBuilder().setUserIds(List.of(users)).build());
    }

    static ChatCommand remove(String conversationId, String senderId, String user) {
        return command(conversationId, senderId, RemoveMember.newBuilder().setUserId(user).build());
    }

    static ChatCommand leave(String conversationId, String senderId) {
        return command(conversationId, senderId, LeaveConversation.newBuilder().build());
    }

    static ChatCommand changeRole(String conversationId, String senderId, String user, MemberRole role) {
        return command(conversationId, senderId, ChangeRole.newBuilder().setUserId(user).setRole(role).build());
    }

    static ChatCommand transfer(String conversationId, String senderId, String newOwner) {
        return command(conversationId, senderId, TransferOwnership.newBuilder().setNewOwnerId(newOwner).build());
    }

    static ChatCommand rename(String conversationId, String senderId, String name) {
        return command(conversationId, senderId, RenameConversation.newBuilder().setName(name).build());
    }

    static ChatCommand edit(String conversationId, String senderId, long targetSeq) {
        return command(conversationId, senderId, EditMessage.newBuilder().setTargetSeq(targetSeq).setBody("edited").build());
    }

    static ChatCommand recall(String conversationId, String senderId, long targetSeq) {
        return command(conversationId, senderId, RecallMessage.newBuilder().setTargetSeq(targetSeq).build());
    }

    static ChatCommand delete(String conversationId, String senderId, long targetSeq) {
        return command(conversationId, senderId, DeleteMessage.newBuilder().setTargetSeq(targetSeq).build());
    }

    static ChatCommand react(String conversationId, String senderId, long targetSeq) {
        return command(conversationId, senderId, AddReaction.newBuilder().setTargetSeq(targetSeq).setEmoji("+1").build());
    }

    /** A rejected result of a command by {@code senderId}, for tests of what happens to results. */
    static dev.kchat.events.chat.CommandResult rejectedFor(String conversationId, String senderId) {
        return dev.kchat.events.chat.CommandResult.newBuilder()
                .setCommandId("c-" + IDS.incrementAndGet()).setConversationId(conversationId).setSenderId(senderId)
                .setDecidedAt(T0)
                .setOutcome(dev.kchat.events.chat.CommandRejected.newBuilder().setCode("forbidden").setReason("test").build())
                .build();
    }

    /** The moderation job mutes {@code userId} until {@code until}. */
    static dev.kchat.events.moderation.ModerationAction mute(String userId, Instant until) {
        return action(userId, dev.kchat.events.moderation.Mute.newBuilder().setUntil(until).build());
    }

    static dev.kchat.events.moderation.ModerationAction unmute(String userId) {
        return action(userId, new dev.kchat.events.moderation.Unmute());
    }

    /** The moderation job asks to redact the message at {@code seq}, sent by {@code authorId}. */
    static dev.kchat.events.moderation.ModerationAction redact(String authorId, String conversationId, long seq) {
        return dev.kchat.events.moderation.ModerationAction.newBuilder(action(authorId,
                dev.kchat.events.moderation.Redact.newBuilder().setConversationId(conversationId).setSeq(seq).build()))
                .setReason("sensitive_word").setVerdictId("v-1").build();
    }

    private static dev.kchat.events.moderation.ModerationAction action(String userId, Object what) {
        return dev.kchat.events.moderation.ModerationAction.newBuilder()
                .setActionId("act-" + IDS.incrementAndGet()).setUserId(userId).setIssuedBy("flink-moderation")
                .setReason("rate_burst").setIssuedAt(T0).setAction(what).build();
    }
}
