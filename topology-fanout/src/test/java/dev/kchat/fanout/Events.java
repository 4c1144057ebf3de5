package dev.kchat.fanout;

import dev.kchat.events.chat.ConversationCreated;
import dev.kchat.events.chat.ConversationEvent;
import dev.kchat.events.chat.MemberJoined;
import dev.kchat.events.chat.MemberLeft;
import dev.kchat.events.chat.MessagePosted;
import dev.kchat.events.common.ConversationKind;
import dev.kchat.events.common.Member;
import dev.kchat.events.common.MemberRole;
import dev.kchat.schemas.Samples;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/** Builders of conversation log events and command results, as routing writes them. */
final class Events {

    static final Instant T0 = Samples.T0;

    private Events() {
    }

    static ConversationEvent event(String conversationId, long seq, String actorId, Object payload) {
        return ConversationEvent.newBuilder()
                .setConversationId(conversationId)
                .setSeq(seq)
                .setEventId("cmd-" + conversationId + "-" + seq)
                .setActorId(actorId)
                .setActorDeviceId("phone")
                .setOccurredAt(T0.plusSeconds(seq))
                .setPayload(payload)
                .build();
    }

    /** Seq 1: the first user owns a group or channel. */
    static ConversationEvent created(String conversationId, ConversationKind kind, String owner, String... others) {
        List<Member> members = new ArrayList<>();
        members.add(Member.newBuilder().setUserId(owner).setRole(kind == ConversationKind.DIRECT ? MemberRole.MEMBER : MemberRole.OWNER).build());
        for (String other : others) {
            members.add(Member.newBuilder().setUserId(other).setRole(MemberRole.MEMBER).build());
        }
        return event(conversationId, 1, owner, ConversationCreated.newBuilder().setKind(kind).setName(null).setMembers(members).build());
    }

    static ConversationEvent posted(String conversationId, long seq, String senderId) {
        return event(conversationId, seq, senderId, MessagePosted.newBuilder()
                .setMessageId("m-" + seq).setClientMsgId("c-" + seq).setBody("hello " + seq).build());
    }

    static ConversationEvent joined(String conversationId, long seq, String actorId, String... users) {
        List<Member> members = new ArrayList<>();
        for (String user : users) {
            members.add(Member.newBuilder().setUserId(user).setRole(MemberRole.MEMBER).build());
        }
        return event(conversationId, seq, actorId, MemberJoined.newBuilder().setMembers(members).build());
    }

    static ConversationEvent left(String conversationId, long seq, String userId) {
        return event(conversationId, seq, userId, MemberLeft.newBuilder().setUserId(userId).setRemoved(false).build());
    }

    static dev.kchat.events.chat.CommandResult rejected(String conversationId, String senderId, String requestId, String code) {
        return dev.kchat.events.chat.CommandResult.newBuilder(result(conversationId, senderId, requestId,
                dev.kchat.events.chat.CommandRejected.newBuilder().setCode(code).setReason("because").build()))
                .setCommandType("RenameConversation").setReplyPartition(2).build();
    }

    private static dev.kchat.events.chat.CommandResult result(String conversationId, String senderId, String requestId, Object outcome) {
        return dev.kchat.events.chat.CommandResult.newBuilder()
                .setCommandId("cmd-" + requestId).setConversationId(conversationId).setSenderId(senderId)
                .setSenderDeviceId("phone").setClientMsgId(requestId).setRequestId(requestId).setCommandType("SendMessage")
                .setDecidedAt(T0.plusSeconds(30)).setOutcome(outcome).build();
    }
}
