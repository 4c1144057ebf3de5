package dev.kchat.edge.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kchat.api.ApiJson;
import dev.kchat.events.chat.CommandAccepted;
import dev.kchat.events.chat.CommandRejected;
import dev.kchat.events.chat.CommandResult;
import dev.kchat.events.chat.ConversationEvent;
import dev.kchat.events.chat.InboxEntry;
import dev.kchat.events.chat.MessagePosted;
import dev.kchat.events.chat.ReadPositionChanged;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class InboxEntryFramesTest {

    private static final Instant T = Instant.parse("2026-11-26T10:00:00Z");

    @Test
    void shouldPrecedeARejectionsEventFrameWithARejectedFrameCarryingTheRefAndCode() throws Exception {
        InboxEntry entry = entry("bob", 7, result(CommandRejected.newBuilder().setCode("forbidden").setReason("only admins").build()));

        List<JsonNode> frames = parse(InboxEntryFrames.frames(entry));

        assertThat(frames).extracting(f -> f.get("type").asText()).containsExactly("rejected", "event");
        JsonNode rejected = frames.get(0);
        assertThat(rejected.get("ref").asText()).isEqualTo("r-1");
        assertThat(rejected.get("code").asText()).isEqualTo("forbidden");
        assertThat(rejected.get("reason").asText()).isEqualTo("only admins");
        assertThat(rejected.get("command_type").asText()).isEqualTo("AddMembers");
        assertThat(rejected.get("inbox_seq").asLong()).as("the entry it comes with").isEqualTo(7);
        assertThat(frames.get(1).get("inbox_seq").asLong()).isEqualTo(7);
        assertThat(rejected.has("until")).isFalse();
    }

    @Test
    void shouldTellAMutedUserWhenTheMuteEnds() throws Exception {
        InboxEntry entry = entry("bob", 7, result(CommandRejected.newBuilder().setCode("muted").setReason("spam")
                .setUntil(Instant.parse("2026-11-26T10:10:00Z")).build()));

        JsonNode rejected = parse(InboxEntryFrames.frames(entry)).get(0);

        assertThat(rejected.get("code").asText()).isEqualTo("muted");
        assertThat(rejected.get("until").asText()).isEqualTo("2026-11-26T10:10:00Z");
    }

    @Test
    void shouldAnnounceAnAcceptedRepeatAndTheUsersOwnEventButNotOthersEvents() throws Exception {
        InboxEntry repeat = entry("bob", 8, result(CommandAccepted.newBuilder().setSeq(41).setMessageId("m-1").setDuplicate(true).build()));
        ConversationEvent posted = ConversationEvent.newBuilder().setConversationId("g:1").setSeq(42).setEventId("send:x")
                .setActorId("bob").setActorDeviceId("laptop").setRequestId("k-2").setOccurredAt(T)
                .setPayload(MessagePosted.newBuilder().setMessageId("m-2").setClientMsgId("k-2").setBody("hi").build()).build();
        InboxEntry own = entry("bob", 9, posted);
        InboxEntry others = entry("ann", 3, posted);
        InboxEntry read = entry("bob", 10, ReadPositionChanged.newBuilder().setConversationId("g:1").setReadSeq(42).setUnread(0).build());

        JsonNode accepted = parse(InboxEntryFrames.frames(repeat)).get(0);
        List<JsonNode> ownFrames = parse(InboxEntryFrames.frames(own));

        assertThat(accepted.get("type").asText()).isEqualTo("accepted");
        assertThat(accepted.get("duplicate").asBoolean()).isTrue();
        assertThat(accepted.get("seq").asLong()).isEqualTo(41);
        assertThat(ownFrames).extracting(f -> f.get("type").asText()).containsExactly("accepted", "event");
        assertThat(ownFrames.get(0).get("ref").asText()).isEqualTo("k-2");
        assertThat(ownFrames.get(0).get("command_type").asText()).isEqualTo("SendMessage");
        assertThat(ownFrames.get(0).get("message_id").asText()).isEqualTo("m-2");
        assertThat(ownFrames.get(0).get("device_id").asText()).isEqualTo("laptop");
        assertThat(parse(InboxEntryFrames.frames(others))).extracting(f -> f.get("type").asText()).containsExactly("event");
        assertThat(parse(InboxEntryFrames.frames(read))).extracting(f -> f.get("type").asText()).containsExactly("event");
    }

    private static CommandResult result(Object outcome) {
        return CommandResult.newBuilder().setCommandId("add:1").setConversationId("g:1").setSenderId("bob").setSenderDeviceId("phone")
                .setRequestId("r-1").setCommandType("AddMembers").setDecidedAt(T).setOutcome(outcome).build();
    }

    private static InboxEntry entry(String user, long inboxSeq, Object item) {
        return InboxEntry.newBuilder().setUserId(user).setInboxSeq(inboxSeq).setConversationId("g:1").setCreatedAt(T).setItem(item).build();
    }

    private static List<JsonNode> parse(List<String> frames) throws Exception {
        List<JsonNode> out = new java.util.ArrayList<>();
        for (String f : frames) {
            out.add(ApiJson.JSON.readTree(f));
        }
        return out;
    }
}
