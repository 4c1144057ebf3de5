package dev.kchat.push.decide;

import dev.kchat.events.chat.ConversationEvent;
import dev.kchat.events.chat.InboxEntry;
import dev.kchat.events.chat.MemberLeft;
import dev.kchat.events.chat.MessagePosted;
import dev.kchat.events.chat.MessageRecalled;
import dev.kchat.events.chat.ReadPositionChanged;
import dev.kchat.events.presence.SessionClosed;
import dev.kchat.events.presence.SessionEvent;
import dev.kchat.events.presence.SessionHeartbeat;
import dev.kchat.events.presence.SessionOpened;
import dev.kchat.events.push.ConversationMuted;
import dev.kchat.events.push.ConversationUnmuted;
import dev.kchat.events.push.DoNotDisturbSet;
import dev.kchat.events.push.PreviewSet;
import dev.kchat.events.push.PushCandidate;
import dev.kchat.events.push.PushPlatform;
import dev.kchat.events.push.PushSettingsEvent;
import dev.kchat.events.push.PushTokenRegistered;
import dev.kchat.events.push.PushTokenRemoved;
import dev.kchat.events.push.TokenRemovalReason;
import dev.kchat.events.social.InteractionKind;
import dev.kchat.events.social.MomentNotification;
import java.time.Instant;
import java.util.List;

/** Record builders for the decider's tests: inbox entries, push candidates, session events, settings. */
final class Entries {

    static final Instant T0 = Instant.parse("2026-11-26T10:00:00Z");
    static final String BOB = "bob";
    static final String ALICE = "alice";
    /** Bob and Alice's direct chat. */
    static final String CHAT = "d:alice:bob";
    static final String GROUP = "g-1";

    private Entries() {
    }

    static InboxEntry message(String user, long inboxSeq, String conversation, long seq, String sender, String body, String... mentions) {
        ConversationEvent event = ConversationEvent.newBuilder().setConversationId(conversation).setSeq(seq)
                .setEventId("e-" + conversation + "-" + seq).setActorId(sender).setOccurredAt(T0)
                .setPayload(MessagePosted.newBuilder().setMessageId("m-" + seq).setClientMsgId("c-" + seq).setBody(body)
                        .setMentions(List.of(mentions)).build())
                .build();
        return entry(user, inboxSeq, conversation, seq, event);
    }

    static InboxEntry recall(String user, long inboxSeq, String conversation, long seq, String sender, long target) {
        ConversationEvent event = ConversationEvent.newBuilder().setConversationId(conversation).setSeq(seq)
                .setEventId("e-" + conversation + "-" + seq).setActorId(sender).setOccurredAt(T0)
                .setPayload(new MessageRecalled(target)).build();
        return entry(user, inboxSeq, conversation, seq, event);
    }

    static InboxEntry left(String user, long inboxSeq, String conversation, long seq) {
        ConversationEvent event = ConversationEvent.newBuilder().setConversationId(conversation).setSeq(seq)
                .setEventId("e-" + conversation + "-" + seq).setActorId(user).setOccurredAt(T0)
                .setPayload(new MemberLeft(user, false)).build();
        return entry(user, inboxSeq, conversation, seq, event);
    }

    static InboxEntry read(String user, long inboxSeq, String conversation, long readSeq, long unread) {
        return InboxEntry.newBuilder().setUserId(user).setInboxSeq(inboxSeq).setConversationId(conversation).setCreatedAt(T0)
                .setItem(ReadPositionChanged.newBuilder().setConversationId(conversation).setReadSeq(readSeq).setUnread(unread).build()).build();
    }

    static InboxEntry liked(String user, long inboxSeq, String actor, long unread) {
        return InboxEntry.newBuilder().setUserId(user).setInboxSeq(inboxSeq).setCreatedAt(T0)
                .setItem(MomentNotification.newBuilder().setPostId("p-1").setActorId(actor).setKind(InteractionKind.LIKED)
                        .setUnread(unread).build()).build();
    }

    private static InboxEntry entry(String user, long inboxSeq, String conversation, long seq, ConversationEvent event) {
        return InboxEntry.newBuilder().setUserId(user).setInboxSeq(inboxSeq).setConversationId(conversation).setConvSeq(seq)
                .setCreatedAt(T0).setItem(event).build();
    }

    /** A read-diffused group's message, as routing addresses it to one member. */
    static PushCandidate candidate(String user, String conversation, long seq, String sender, String preview) {
        return new PushCandidate(user, conversation, seq, sender, preview, null, T0);
    }

    /** A read-diffused group's removal (recall, deletion, redaction) of the message at {@code target}. */
    static PushCandidate removal(String user, String conversation, long seq, String sender, long target) {
        return new PushCandidate(user, conversation, seq, sender, null, target, T0);
    }

    static SessionEvent opened(String user, String session) {
        return session(user, session, new SessionOpened("ios"));
    }

    static SessionEvent heartbeat(String user, String session) {
        return session(user, session, new SessionHeartbeat());
    }

    static SessionEvent closed(String user, String session) {
        return session(user, session, new SessionClosed("client_close"));
    }

    private static SessionEvent session(String user, String session, Object event) {
        return SessionEvent.newBuilder().setUserId(user).setDeviceId("phone").setSessionId(session).setEdgeId("edge-1").setAt(T0)
                .setEvent(event).build();
    }

    static PushSettingsEvent token(String user, String device, PushPlatform platform, String token) {
        return settings(user, PushTokenRegistered.newBuilder().setDeviceId(device).setPlatform(platform).setToken(token)
                .setAppId("dev.kchat.app").build());
    }

    static PushSettingsEvent removed(String user, String device, String token, TokenRemovalReason reason) {
        return settings(user, PushTokenRemoved.newBuilder().setDeviceId(device).setToken(token).setReason(reason).build());
    }

    static PushSettingsEvent muted(String user, String conversation, Instant until) {
        return settings(user, new ConversationMuted(conversation, until));
    }

    static PushSettingsEvent unmuted(String user, String conversation) {
        return settings(user, new ConversationUnmuted(conversation));
    }

    static PushSettingsEvent dnd(String user, boolean enabled, Instant until) {
        return settings(user, new DoNotDisturbSet(enabled, until));
    }

    static PushSettingsEvent hideText(String user, boolean hide) {
        return settings(user, new PreviewSet(hide));
    }

    private static PushSettingsEvent settings(String user, Object event) {
        return PushSettingsEvent.newBuilder().setUserId(user).setAt(T0).setEvent(event).build();
    }
}
