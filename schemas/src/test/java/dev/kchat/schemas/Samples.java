package dev.kchat.schemas;

import dev.kchat.events.chat.BroadcastEntry;
import dev.kchat.events.chat.ChatCommand;
import dev.kchat.events.chat.CommandAccepted;
import dev.kchat.events.chat.CommandRejected;
import dev.kchat.events.chat.CommandResult;
import dev.kchat.events.chat.ConversationEvent;
import dev.kchat.events.chat.Delivered;
import dev.kchat.events.chat.InboxEntry;
import dev.kchat.events.chat.MessagePosted;
import dev.kchat.events.chat.Receipt;
import dev.kchat.events.chat.SendMessage;
import dev.kchat.events.chat.ServerBroadcast;
import dev.kchat.events.chat.ServerCreated;
import dev.kchat.events.chat.TypingEvent;
import dev.kchat.events.common.Attachment;
import dev.kchat.events.common.ChannelType;
import dev.kchat.events.common.ServerChannel;
import dev.kchat.events.common.ServerRole;
import dev.kchat.events.moderation.ChatMessageRef;
import dev.kchat.events.moderation.ModerationAction;
import dev.kchat.events.moderation.ModerationRule;
import dev.kchat.events.moderation.ModerationStats;
import dev.kchat.events.moderation.UserMute;
import dev.kchat.events.moderation.Mute;
import dev.kchat.events.moderation.Severity;
import dev.kchat.events.moderation.Verdict;
import dev.kchat.events.platform.ProcessingError;
import dev.kchat.events.presence.PresenceChanged;
import dev.kchat.events.presence.PresenceState;
import dev.kchat.events.presence.SessionEvent;
import dev.kchat.events.presence.SessionOpened;
import dev.kchat.events.social.FeedEntry;
import dev.kchat.events.social.FriendAdded;
import dev.kchat.events.social.MomentEvent;
import dev.kchat.events.social.PostCreated;
import dev.kchat.events.social.SocialGraphEvent;
import dev.kchat.schemas.topic.Topics;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.specific.SpecificRecord;

/** Named instants and one realistic record for every platform topic, shared by tests of all modules. */
public final class Samples {

    public static final Instant T0 = Instant.parse("2026-11-23T10:00:00Z");
    public static final Instant T1 = T0.plusSeconds(1);
    public static final String ALICE = "u-alice";
    public static final String BOB = "u-bob";
    public static final String CONVERSATION = "c-42";
    public static final String SERVER = "sv:5b3a1c2e-7d4f-3a8b-9c0d-1e2f3a4b5c6d";

    private Samples() {
    }

    public static ChatCommand sendCommand(String clientMsgId, String body) {
        return ChatCommand.newBuilder()
                .setCommandId("cmd-" + clientMsgId)
                .setConversationId(CONVERSATION)
                .setSenderId(ALICE)
                .setSenderDeviceId("phone")
                .setIssuedAt(T0)
                .setPayload(SendMessage.newBuilder()
                        .setClientMsgId(clientMsgId)
                        .setMessageId("m-" + clientMsgId)
                        .setBody(body)
                        .setReplyToSeq(null)
                        .setMentions(List.of(BOB))
                        .setAttachments(List.of(Attachment.newBuilder()
                                .setUrl("https://objects.example/a.jpg").setMimeType("image/jpeg")
                                .setSizeBytes(1234).setName("a.jpg").build()))
                        .build())
                .build();
    }

    public static ConversationEvent messagePosted(long seq, String body) {
        return ConversationEvent.newBuilder()
                .setConversationId(CONVERSATION)
                .setSeq(seq)
                .setEventId("cmd-" + seq)
                .setActorId(ALICE)
                .setActorDeviceId("phone")
                .setOccurredAt(T1)
                .setPayload(MessagePosted.newBuilder()
                        .setMessageId("m-" + seq)
                        .setClientMsgId("client-" + seq)
                        .setBody(body)
                        .setReplyToSeq(seq > 1 ? seq - 1 : null)
                        .build())
                .build();
    }

    /** Seq 1 of {@link #SERVER}'s log: alice creates it, with @everyone and the default channel. */
    public static ConversationEvent serverCreated() {
        return ConversationEvent.newBuilder()
                .setConversationId(SERVER).setSeq(1).setEventId("create:" + SERVER).setActorId(ALICE).setOccurredAt(T0)
                .setRequestId("r-create")
                .setPayload(ServerCreated.newBuilder().setName("Hikers").setOwnerId(ALICE)
                        .setEveryoneRole(ServerRole.newBuilder().setRoleId(SERVER).setName("@everyone")
                                .setPermissions((1L << 10) | (1L << 11) | (1L << 16)).setPosition(0).setMentionable(false).build())
                        .setDefaultChannel(ServerChannel.newBuilder().setChannelId(Ids.serverChannel(SERVER, 1)).setName("general")
                                .setType(ChannelType.TEXT).setPosition(0).build())
                        .build())
                .build();
    }

    /** One record per topic name, keyed by the record's key, in the order of {@link Topics#all()}. */
    public static Map<String, Map.Entry<String, SpecificRecord>> oneRecordPerTopic() {
        Map<String, Map.Entry<String, SpecificRecord>> out = new LinkedHashMap<>();
        ConversationEvent posted = messagePosted(7, "héllo wörld ✓");
        out.put(Topics.COMMANDS, Map.entry(CONVERSATION, sendCommand("k1", "hello")));
        out.put(Topics.CONVERSATION_LOG, Map.entry(CONVERSATION, posted));
        out.put(Topics.COMMAND_RESULTS, Map.entry(CONVERSATION, CommandResult.newBuilder()
                .setCommandId("cmd-k1").setConversationId(CONVERSATION).setSenderId(ALICE)
                .setSenderDeviceId("phone").setClientMsgId("k1").setDecidedAt(T1)
                .setOutcome(CommandAccepted.newBuilder().setSeq(7).setMessageId("m-k1").setDuplicate(false).build())
                .build()));
        out.put(Topics.COMMAND_REPLIES, Map.entry(CONVERSATION, CommandResult.newBuilder()
                .setCommandId("cmd-r1").setConversationId(CONVERSATION).setSenderId(ALICE)
                .setRequestId("r1").setCommandType("RenameConversation").setDecidedAt(T1)
                .setOutcome(CommandRejected.newBuilder().setCode("forbidden").setReason("only the owner and admins rename").build())
                .build()));
        out.put(Topics.RECEIPTS, Map.entry(CONVERSATION, Receipt.newBuilder()
                .setConversationId(CONVERSATION).setUserId(BOB).setDeviceId("laptop").setAt(T1)
                .setReceipt(Delivered.newBuilder().setInboxSeq(3).setSeq(7).build()).build()));
        out.put(Topics.INBOX, Map.entry(BOB, InboxEntry.newBuilder()
                .setUserId(BOB).setInboxSeq(3).setConversationId(CONVERSATION).setConvSeq(7L)
                .setCreatedAt(T1).setItem(posted).build()));
        out.put(Topics.INBOX_UNSEQUENCED, Map.entry(BOB, InboxEntry.newBuilder()
                .setUserId(BOB).setInboxSeq(0).setConversationId(CONVERSATION).setConvSeq(7L)
                .setCreatedAt(T1).setItem(posted).build()));
        out.put(Topics.BROADCAST, Map.entry(CONVERSATION, BroadcastEntry.newBuilder()
                .setConversationId(CONVERSATION).setSeq(7).setMemberCount(12_000).setEvent(posted).build()));
        out.put(Topics.TYPING, Map.entry(CONVERSATION, TypingEvent.newBuilder()
                .setConversationId(CONVERSATION).setUserId(ALICE).setDeviceId("phone").setAt(T1).setTyping(true).build()));
        out.put(Topics.PRESENCE_SESSIONS, Map.entry(ALICE, SessionEvent.newBuilder()
                .setUserId(ALICE).setDeviceId("phone").setSessionId("s-1").setEdgeId("edge-1").setAt(T0)
                .setEvent(SessionOpened.newBuilder().setPlatform("ios").build()).build()));
        out.put(Topics.PRESENCE_CHANGES, Map.entry(ALICE, PresenceChanged.newBuilder()
                .setUserId(ALICE).setState(PresenceState.ONLINE).setLastActiveAt(T0).setDevicesOnline(1)
                .setChangedAt(T1).build()));
        out.put(Topics.SOCIAL_GRAPH, Map.entry(ALICE, SocialGraphEvent.newBuilder()
                .setUserId(ALICE).setOtherUserId(BOB).setAt(T0).setEvent(new FriendAdded()).build()));
        out.put(Topics.MOMENTS_EVENTS, Map.entry(ALICE, MomentEvent.newBuilder()
                .setEventId("e-1").setPostId("p-1").setAuthorId(ALICE).setActorId(ALICE).setAt(T0)
                .setEvent(PostCreated.newBuilder().setText("sunset").build()).build()));
        out.put(Topics.MOMENTS_FEED, Map.entry(BOB, FeedEntry.newBuilder()
                .setViewerId(BOB).setPostId("p-1").setAuthorId(ALICE).setPostedAt(T0).build()));
        out.put(Topics.MOMENTS_NOTIFICATIONS, Map.entry(ALICE, dev.kchat.events.chat.InboxEntry.newBuilder()
                .setUserId(ALICE).setInboxSeq(0).setCreatedAt(T1)
                .setItem(dev.kchat.events.social.MomentNotification.newBuilder().setPostId("p-1").setActorId(BOB)
                        .setKind(dev.kchat.events.social.InteractionKind.LIKED).build()).build()));
        out.put(Topics.MODERATION_VERDICTS, Map.entry(ALICE, Verdict.newBuilder()
                .setVerdictId("v-1").setSubjectUserId(ALICE).setRule("sensitive_word").setSeverity(Severity.HIGH)
                .setRef(ChatMessageRef.newBuilder().setConversationId(CONVERSATION).setSeq(7).setMessageId("m-7").build())
                .setDetectedAt(T1).setEvidence("matched: badword").build()));
        out.put(Topics.MODERATION_ACTIONS, Map.entry(ALICE, ModerationAction.newBuilder()
                .setActionId("a-1").setUserId(ALICE).setIssuedBy("flink-moderation").setReason("rate_burst")
                .setVerdictId("v-1").setIssuedAt(T1)
                .setAction(Mute.newBuilder().setUntil(T1.plusSeconds(600)).build()).build()));
        out.put(Topics.MODERATION_STATS, Map.entry("2026-11-23T10:00:00Z", ModerationStats.newBuilder()
                .setWindowStart(T0).setWindowEnd(T0.plusSeconds(60)).setMessages(1200).setMoments(30)
                .setVerdicts(4).setActions(1).setVerdictsByRule(Map.of("sensitive_word", 3L, "flood", 1L)).build()));
        out.put(Topics.MODERATION_MUTES, Map.entry(ALICE, UserMute.newBuilder()
                .setUserId(ALICE).setUntil(T1.plusSeconds(600)).setActionId("act-1").setIssuedBy("flink-moderation")
                .setReason("rate_burst").setIssuedAt(T1).build()));
        out.put(Topics.MODERATION_RULES, Map.entry("dict-1", ModerationRule.newBuilder()
                .setRuleId("dict-1").setEnabled(true).setSeverity(Severity.MEDIUM).setWords(List.of("badword", "worse word"))
                .setUpdatedBy("admin:carol").setUpdatedAt(T0).build()));
        out.put(Topics.PUSH_SETTINGS, Map.entry(BOB, dev.kchat.events.push.PushSettingsEvent.newBuilder()
                .setUserId(BOB).setAt(T0).setRequestId("r-9")
                .setEvent(dev.kchat.events.push.PushTokenRegistered.newBuilder().setDeviceId("phone")
                        .setPlatform(dev.kchat.events.push.PushPlatform.APNS).setToken("a1b2c3").setAppId("dev.kchat.app").build())
                .build()));
        out.put(Topics.PUSH_CANDIDATES, Map.entry(BOB, dev.kchat.events.push.PushCandidate.newBuilder()
                .setUserId(BOB).setConversationId(CONVERSATION).setSeq(3).setSenderId(ALICE).setPreview("héllo wörld ✓")
                .setCreatedAt(T0).build()));
        out.put(Topics.PUSH_REQUESTS, Map.entry(BOB, dev.kchat.events.push.PushRequest.newBuilder()
                .setPushId(BOB + ":phone:3").setUserId(BOB).setDeviceId("phone").setPlatform(dev.kchat.events.push.PushPlatform.APNS)
                .setToken("a1b2c3").setAppId("dev.kchat.app").setKind(dev.kchat.events.push.PushKind.MESSAGE)
                .setCollapseKey(CONVERSATION).setConversationId(CONVERSATION).setTitle(ALICE).setBody("héllo wörld ✓")
                .setCount(1).setBadge(1).setFirstInboxSeq(3).setLastInboxSeq(3).setFirstEntryAt(T0).setRequestedAt(T1).build()));
        out.put(Topics.PUSH_OUTCOMES, Map.entry(BOB, dev.kchat.events.push.PushOutcome.newBuilder()
                .setPushId(BOB + ":phone:3").setUserId(BOB).setDeviceId("phone").setPlatform(dev.kchat.events.push.PushPlatform.APNS)
                .setStatus(dev.kchat.events.push.PushStatus.DELIVERED).setAttempts(1).setDetail("200").setAt(T1).build()));
        out.put(Topics.MEDIA_EVENTS, Map.entry("8f0b5c1e-2d3a-4b5c-9d6e-7f8091a2b3c4", dev.kchat.events.media.MediaEvent.newBuilder()
                .setMediaId("8f0b5c1e-2d3a-4b5c-9d6e-7f8091a2b3c4").setOwnerId(ALICE).setAt(T0)
                .setEvent(dev.kchat.events.media.UploadCompleted.newBuilder().setContentType("image/jpeg").setSizeBytes(48_213)
                        .setName("café.jpg").setWidth(640).setHeight(480).setObjectKey("u/alice/8f0b5c1e-2d3a-4b5c-9d6e-7f8091a2b3c4")
                        .setThumbnailKey("u/alice/8f0b5c1e-2d3a-4b5c-9d6e-7f8091a2b3c4.thumb.jpg").setLocationRemoved(true).build())
                .build()));
        out.put(Topics.SERVER_BROADCAST, Map.entry(SERVER, ServerBroadcast.newBuilder()
                .setServerId(SERVER).setConversationId(SERVER).setSeq(1).setEvent(serverCreated()).build()));
        out.put(Topics.ERRORS, Map.entry("sink", ProcessingError.newBuilder()
                .setAppId("sink").setSourceTopic(Topics.INBOX).setSourcePartition(2).setSourceOffset(99)
                .setKey(ByteBuffer.wrap(BOB.getBytes(StandardCharsets.UTF_8))).setValue(ByteBuffer.wrap(new byte[] {1, 2, 3}))
                .setErrorClass("org.apache.kafka.common.errors.SerializationException")
                .setErrorMessage("unknown magic byte 1").setStackTrace("...").setFailedAt(T1).build()));
        return out;
    }
}
