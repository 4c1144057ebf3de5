package dev.kchat.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kchat.api.auth.JwtAuthenticator.Caller;
import dev.kchat.events.chat.CreateConversation;
import dev.kchat.events.chat.LeaveConversation;
import dev.kchat.events.chat.SendMessage;
import dev.kchat.schemas.Ids;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class CommandFactoryTest {

    private static final Instant NOW = Instant.parse("2026-11-23T10:00:00Z");
    private final CommandFactory factory = new CommandFactory(Limits.defaults());
    private final Caller alice = new Caller("alice", "phone");

    private static ApiException refusal(Runnable r) {
        try {
            r.run();
        } catch (ApiException e) {
            return e;
        }
        throw new AssertionError("expected a refusal");
    }

    @Test
    void shouldDeriveTheDirectConversationIdFromBothMembers() {
        var accepted = factory.createConversation(alice, new Requests.CreateConversation("direct", null, List.of("bob", "alice")), NOW);

        assertThat(accepted.conversationId()).isEqualTo(Ids.directConversation("alice", "bob"));
        CreateConversation payload = (CreateConversation) accepted.command().getPayload();
        assertThat(payload.getMemberIds()).containsExactly("bob");
        assertThat(accepted.command().getSenderId()).isEqualTo("alice");
        assertThat(accepted.command().getSenderDeviceId()).isEqualTo("phone");
    }

    @Test
    void shouldRefuseADirectChatWithoutExactlyOneOtherMember() {
        assertThat(refusal(() -> factory.createConversation(alice,
                new Requests.CreateConversation("direct", null, List.of("bob", "carol")), NOW)).code()).isEqualTo("invalid_members");
        assertThat(refusal(() -> factory.createConversation(alice,
                new Requests.CreateConversation("group", " ", List.of("bob")), NOW)).code()).isEqualTo("invalid_name");
        assertThat(refusal(() -> factory.createConversation(alice,
                new Requests.CreateConversation("room", "x", List.of("bob")), NOW)).code()).isEqualTo("invalid_field");
    }

    @Test
    void shouldGiveRetriedSendsTheSameIds() {
        var first = factory.sendMessage(alice, "g:1", new Requests.SendMessage("k1", "hi", null, null, null), NOW);
        var retry = factory.sendMessage(alice, "g:1", new Requests.SendMessage("k1", "hi", null, null, null), NOW.plusSeconds(3));

        assertThat(retry.messageId()).isEqualTo(first.messageId());
        assertThat(retry.command().getCommandId()).isEqualTo(first.command().getCommandId());
        assertThat(((SendMessage) first.command().getPayload()).getMessageId()).isEqualTo(first.messageId());
    }

    @Test
    void shouldRefuseBadSendsWithPreciseCodes() {
        assertThat(refusal(() -> factory.sendMessage(alice, "g:1", new Requests.SendMessage(null, "hi", null, null, null), NOW)).code())
                .isEqualTo("missing_field");
        assertThat(refusal(() -> factory.sendMessage(alice, "g:1", new Requests.SendMessage("has space", "hi", null, null, null), NOW)).code())
                .isEqualTo("invalid_client_msg_id");
        assertThat(refusal(() -> factory.sendMessage(alice, "g:1", new Requests.SendMessage("k", "x".repeat(4001), null, null, null), NOW)).code())
                .isEqualTo("body_too_long");
        assertThat(refusal(() -> factory.sendMessage(alice, "g:1", new Requests.SendMessage("k", "", null, null, null), NOW)).code())
                .isEqualTo("missing_field");
        assertThat(refusal(() -> factory.sendMessage(alice, "g:1", new Requests.SendMessage("k", "hi", null, List.of("no good"), null), NOW)).code())
                .isEqualTo("invalid_user_id");
        assertThat(refusal(() -> factory.sendMessage(alice, "g:1", new Requests.SendMessage("k", "hi", 0L, null, null), NOW)).code())
                .isEqualTo("invalid_field");
        assertThat(refusal(() -> factory.sendMessage(alice, "g:1", new Requests.SendMessage("k", "hi", null, null,
                List.of(new Requests.Attachment("https://x/y", "image/png", 3L, null, null))), NOW)).code()).isEqualTo("media_required");
        assertThat(refusal(() -> factory.sendMessage(alice, "g:1", new Requests.SendMessage("k", "hi", null, null,
                List.of(new Requests.Attachment(null, null, null, null, "../../etc/passwd"))), NOW)).code()).isEqualTo("invalid_field");
        assertThat(refusal(() -> factory.sendMessage(alice, "bad id!", new Requests.SendMessage("k", "hi", null, null, null), NOW)).status())
                .isEqualTo(404);
    }

    @Test
    void shouldCountCodePointsNotUtf16Units() {
        String emojis = "😀".repeat(4000); // 8000 UTF-16 units, 4000 code points

        assertThat(factory.sendMessage(alice, "g:1", new Requests.SendMessage("k", emojis, null, null, null), NOW).messageId()).isNotNull();
    }

    @Test
    void shouldTreatRemovingOneselfAsLeaving() {
        var accepted = factory.removeMember(alice, "g:1", "alice", NOW);

        assertThat(accepted.command().getPayload()).isInstanceOf(LeaveConversation.class);
    }

    @Test
    void shouldDecodeBodiesStrictly() {
        assertThat(refusal(() -> ApiJson.read("{\"client_msg_id\":\"k\",\"body\":\"x\",\"colour\":\"red\"}"
                .getBytes(StandardCharsets.UTF_8), Requests.SendMessage.class)).code()).isEqualTo("unknown_field");
        assertThat(refusal(() -> ApiJson.read(new byte[] {'{', '"', (byte) 0xC3, (byte) 0x28, '"', ':', '1', '}'},
                Requests.SendMessage.class)).code()).isEqualTo("invalid_utf8");
        assertThat(refusal(() -> ApiJson.read("{\"reply_to_seq\":\"abc\"}".getBytes(StandardCharsets.UTF_8),
                Requests.SendMessage.class)).code()).isEqualTo("invalid_type");
        assertThat(refusal(() -> ApiJson.read("[1]".getBytes(StandardCharsets.UTF_8), Requests.SendMessage.class)).code())
                .isEqualTo("invalid_field");
        assertThat(refusal(() -> ApiJson.read("{\"body\":".getBytes(StandardCharsets.UTF_8), Requests.SendMessage.class)).code())
                .isEqualTo("invalid_json");
        assertThat(refusal(() -> ApiJson.read(new byte[0], Requests.SendMessage.class)).code()).isEqualTo("missing_body");
        assertThat(ApiJson.read("{\"client_msg_id\":\"k\",\"body\":\"hé\"}".getBytes(StandardCharsets.UTF_8),
                Requests.SendMessage.class).body()).isEqualTo("hé");
    }
}
