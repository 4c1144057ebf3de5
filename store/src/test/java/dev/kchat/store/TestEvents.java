package dev.kchat.store;

import dev.kchat.events.chat.ConversationCreated;
import dev.kchat.events.chat.ConversationEvent;
import dev.kchat.events.chat.ConversationRenamed;
import dev.kchat.events.chat.InboxEntry;
import dev.kchat.events.chat.MemberJoined;
import dev.kchat.events.chat.MemberLeft;
import dev.kchat.events.chat.MessageDeleted;
import dev.kchat.events.chat.MessageEdited;
import dev.kchat.events.chat.MessagePosted;
import dev.kchat.events.chat.MessageRecalled;
import dev.kchat.events.chat.MessageRedacted;
import dev.kchat.events.chat.ReadPositionChanged;
import dev.kchat.events.chat.RoleChanged;
import dev.kchat.events.common.Attachment;
import dev.kchat.events.common.ConversationKind;
import dev.kchat.events.common.Member;
import dev.kchat.events.common.MemberRole;
import dev.kchat.schemas.registry.InMemorySchemaRegistry;
import dev.kchat.schemas.topic.Topics;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;

/** Builders of log events and inbox entries, at named instants, and their wire-format bytes. */
public final class TestEvents {

    /** Seq n of any conversation happened at T0 + n seconds. */
    public static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

    private final Topics topics;

    public TestEvents(Topics topics) {
        this.topics = topics;
    }

    public TestEvents() {
        this(Topics.create(new InMemorySchemaRegistry()));
    }

    public Topics topics() {
        return topics;
    }

    public static Instant at(long seq) {
        return T0.plusSeconds(seq);
    }

    public static ConversationEvent event(String conversationId, long seq, String actor, Object payload) {
        return ConversationEvent.newBuilder()
                .setConversationId(conversationId)
                .setSeq(seq)
                .setEventId(conversationId + "-" + seq)
                .setActorId(actor)
                .setActorDeviceId(null)
                .setOccurredAt(at(seq))
                .setPayload(payload)
                .build();
    }

    public static ConversationEvent created(String conversationId, ConversationKind kind, String owner, String... others) {
        List<Member> members = new java.util.ArrayList<>();
        members.add(Member.newBuilder().setUserId(owner).setRole(MemberRole.OWNER).build());
        Arrays.stream(others).forEach(u -> members.add(Member.newBuilder().setUserId(u).setRole(MemberRole.MEMBER).build()));
        return event(conversationId, 1, owner, ConversationCreated.newBuilder().setKind(kind)
                .setName(kind == ConversationKind.DIRECT ? null : "group " + conversationId).setMembers(members).build());
    }

    public static ConversationEvent posted(String conversationId, long seq, String sender, String body) {
        return event(conversationId, seq, sender, MessagePosted.newBuilder()
                .setMessageId("m-" + conversationId + "-" + seq)
                .setClientMsgId("c-" + seq)
                .setBody(body)
                .setReplyToSeq(null)
                .setMentions(List.of())
                .setAttachments(List.of())
                .build());
    }

    public static ConversationEvent postedWithAttachment(String conversationId, long seq, String sender, String body) {
        return event(conversationId, seq, sender, MessagePosted.newBuilder()
                .setMessageId("m-" + conversationId + "-" + seq)
                .setClientMsgId("c-" + seq)
                .setBody(body)
                .setReplyToSeq(seq - 1)
                .setMentions(List.of("bob"))
                .setAttachments(List.of(Attachment.newBuilder().setUrl("https://objects/a.jpg").setMimeType("image/jpeg")
                        .setSizeBytes(1234).setName("a.jpg").build()))
                .build());
    }

    public static ConversationEvent edited(String conversationId, long seq, String actor, long target, String body) {
        return event(conversationId, seq, actor, MessageEdited.newBuilder().setTargetSeq(target).setBody(body).build());
    }

    public static ConversationEvent recalled(String conversationId, long seq, String actor, long target) {
        return event(conversationId, seq, actor, MessageRecalled.newBuilder().setTargetSeq(target).build());
    }

    public static ConversationEvent deleted(String conversationId, long seq, String actor, long target) {
        return event(conversationId, seq, actor, MessageDeleted.newBuilder().setTargetSeq(target).build());
    }

    public static ConversationEvent redacted(String conversationId, long seq, long target, String rule) {
        return event(conversationId, seq, "system:moderation", MessageRedacted.newBuilder().setTargetSeq(target)
                .setRule(rule).setVerdictId(null).build());
    }

    public static ConversationEvent joined(String conversationId, long seq, String actor, String... users) {
        return event(conversationId, seq, actor, MemberJoined.newBuilder().setMembers(Arrays.stream(users)
                .map(u -> Member.newBuilder().setUserId(u).setRole(MemberRole.MEMBER).build()).toList()).build());
    }

    public static ConversationEvent left(String conversationId, long seq, String user) {
        return event(conversationId, seq, user, MemberLeft.newBuilder().setUserId(user).setRemoved(false).build());
    }

    public static ConversationEvent roleChanged(String conversationId, long seq, String actor, String user, MemberRole role) {
        return event(conversationId, seq, actor, RoleChanged.newBuilder().setUserId(user).setRole(role).build());
    }

    public static ConversationEvent renamed(String conversationId, long seq, String actor, String name) {
        return event(conversationId, seq, actor, ConversationRenamed.newBuilder().setName(name).build());
    }

    /** The inbox entry that carries a conversation event to a user. */
    public static InboxEntry delivered(String userId, long inboxSeq, ConversationEvent event) {
        return InboxEntry.newBuilder()
                .setUserId(userId)
                .setInboxSeq(inboxSeq)
                .setConversationId(event.getConversationId())
                .setConvSeq(event.getSeq())
                .setCreatedAt(event.getOccurredAt())
                .setItem(event)
                .build();
    }

    public static InboxEntry readUpTo(String userId, long inboxSeq, String conversationId, long readSeq, long unread) {
        return InboxEntry.newBuilder()
                .setUserId(userId)
                .setInboxSeq(inboxSeq)
                .setConversationId(conversationId)
                .setConvSeq(null)
                .setCreatedAt(at(readSeq))
                .setItem(ReadPositionChanged.newBuilder().setConversationId(conversationId).setReadSeq(readSeq)
                        .setUnread(unread).build())
                .build();
    }

    public byte[] bytes(ConversationEvent event) {
        return topics.conversationLog().valueSerde().serializer().serialize(topics.conversationLog().name(), event);
    }

    public byte[] bytes(InboxEntry entry) {
        return topics.inbox().valueSerde().serializer().serialize(topics.inbox().name(), entry);
    }

    public InboxEntry decodeInbox(byte[] bytes) {
        return topics.inbox().valueSerde().deserializer().deserialize(topics.inbox().name(), bytes);
    }
}
