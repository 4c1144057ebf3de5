package dev.kchat.moderation;

import static dev.kchat.moderation.ModerationFixtures.s;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kchat.events.chat.ConversationEvent;
import dev.kchat.events.chat.MemberLeft;
import dev.kchat.events.chat.MessageEdited;
import dev.kchat.events.chat.MessagePosted;
import dev.kchat.events.moderation.ChatMessageRef;
import dev.kchat.events.moderation.MomentRef;
import dev.kchat.events.moderation.Severity;
import dev.kchat.events.moderation.Verdict;
import org.junit.jupiter.api.Test;

class VerdictsTest {

    @Test
    void shouldDeriveTheSameIdFromTheSameInputAndDifferentIdsOtherwise() {
        ChatMessageRef ref = ChatMessageRef.newBuilder().setConversationId("c1").setSeq(3).build();

        Verdict a = Verdicts.verdict("flood", Severity.LOW, "u", ref, s(1), "x");
        Verdict b = Verdicts.verdict("flood", Severity.LOW, "u", ref, s(1), "other evidence");

        assertThat(a.getVerdictId()).isEqualTo(b.getVerdictId());
        assertThat(Verdicts.verdict("flood", Severity.LOW, "u", ref, s(2), "x").getVerdictId()).isNotEqualTo(a.getVerdictId());
        assertThat(Verdicts.verdict("rate_burst", Severity.LOW, "u", ref, s(1), "x").getVerdictId()).isNotEqualTo(a.getVerdictId());
        assertThat(Verdicts.verdict("flood", Severity.LOW, "u", null, s(1), "x").getVerdictId()).isNotEqualTo(a.getVerdictId());
        MomentRef moment = MomentRef.newBuilder().setPostId("p").build();
        assertThat(Verdicts.verdict("flood", Severity.LOW, "u", moment, s(1), null).getRef()).isEqualTo(moment);
    }

    @Test
    void shouldCutLongEvidenceAndRefuseForeignRefs() {
        Verdict v = Verdicts.verdict("r", Severity.LOW, "u", null, s(0), "e".repeat(5_000));

        assertThat(v.getEvidence()).hasSize(Verdicts.MAX_EVIDENCE_LENGTH).endsWith("…");
        assertThatThrownBy(() -> Verdicts.verdict("r", Severity.LOW, "u", "a string", s(0), null))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void shouldReadPostedAndEditedMessagesFromTheConversationLog() {
        ConversationEvent posted = event(5, MessagePosted.newBuilder().setMessageId("m5").setClientMsgId("k").setBody("hello").build());
        ConversationEvent edited = event(9, MessageEdited.newBuilder().setTargetSeq(5).setBody("hello again").build());
        ConversationEvent left = event(10, MemberLeft.newBuilder().setUserId("u").setRemoved(false).build());

        assertThat(ChatMessage.of(posted)).contains(new ChatMessage("u", "c1", 5, "m5", s(5), "hello"));
        // An edit is judged at the edited message's seq, so a redaction hits the message people see
        assertThat(ChatMessage.of(edited)).contains(new ChatMessage("u", "c1", 5, null, s(9), "hello again"));
        assertThat(ChatMessage.of(left)).isEmpty();
        assertThat(ChatMessage.of(posted).orElseThrow().ref())
                .isEqualTo(ChatMessageRef.newBuilder().setConversationId("c1").setSeq(5).setMessageId("m5").build());
    }

    private static ConversationEvent event(long seq, Object payload) {
        return ConversationEvent.newBuilder().setConversationId("c1").setSeq(seq).setEventId("e" + seq)
                .setActorId("u").setOccurredAt(s(seq)).setPayload(payload).build();
    }
}
