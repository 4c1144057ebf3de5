package dev.kchat.moderation;

import static dev.kchat.moderation.ModerationFixtures.message;
import static dev.kchat.moderation.ModerationFixtures.ms;
import static dev.kchat.moderation.ModerationFixtures.s;
import static org.assertj.core.api.Assertions.assertThat;

import dev.kchat.events.moderation.ChatMessageRef;
import dev.kchat.events.moderation.Severity;
import dev.kchat.events.moderation.Verdict;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class FloodTest {

    private static final String AD = "Buy followers now at example.test";

    /** C = 3 conversations per W = 60 s, content of at least 10 code points. */
    private final Flood flood = new Flood(3, Duration.ofSeconds(60), 10, Severity.MEDIUM);

    private Optional<Verdict> send(String sender, String conversation, Instant at, String body) {
        return flood.onMessage(message(sender, conversation, 1, at, body));
    }

    @Test
    void shouldReportTheSameContentInMoreThanCConversations() {
        // Given the same ad in three conversations
        assertThat(send("u", "c1", s(0), AD)).isEmpty();
        assertThat(send("u", "c2", s(1), AD)).isEmpty();
        assertThat(send("u", "c3", s(2), AD)).isEmpty();

        // When it goes to a fourth
        Optional<Verdict> verdict = send("u", "c4", s(3), AD);

        // Then that message is reported, with the content's hash and the count as evidence
        assertThat(verdict).hasValueSatisfying(v -> {
            assertThat(v.getRule()).isEqualTo(Verdicts.FLOOD);
            assertThat(v.getSeverity()).isEqualTo(Severity.MEDIUM);
            assertThat(v.getSubjectUserId()).isEqualTo("u");
            assertThat(v.getRef()).isEqualTo(ChatMessageRef.newBuilder().setConversationId("c4").setSeq(1).setMessageId("m-c4-1").build());
            assertThat(v.getEvidence())
                    .startsWith("same content (sha256 " + Flood.contentHash(Flood.normalise(AD)).substring(0, 16) + ") in 4 conversations within 3000 ms")
                    .endsWith("\"buy followers now at example.test\"");
        });
    }

    @Test
    void shouldTreatCaseSpacingFullWidthAndZeroWidthVariantsAsTheSameContent() {
        send("u", "c1", s(0), AD);
        send("u", "c2", s(1), "  BUY   followers\tnow at EXAMPLE.test ");
        send("u", "c3", s(2), "Ｂｕｙ followers now at example.test");

        assertThat(send("u", "c4", s(3), "Buy fol\u200Blowers now\u00A0at example.test")).isPresent();
        assertThat(Flood.normalise("  A\u200D\tb\n\nC  ")).isEqualTo("a b c");
    }

    @Test
    void shouldNotCountTheSameConversationTwiceOrDifferentContent() {
        // Given the ad four times in two conversations, and three other texts elsewhere
        send("u", "c1", s(0), AD);
        send("u", "c1", s(1), AD);
        send("u", "c2", s(2), AD);
        send("u", "c2", s(3), AD);
        send("u", "c3", s(4), "a completely different text");
        send("u", "c4", s(5), "yet another different text");

        // Then there is no flood
        assertThat(send("u", "c5", s(6), "and a third different text")).isEmpty();
    }

    @Test
    void shouldLetConversationsLeaveTheWindowExactlyAfterW() {
        // Given the ad in c1 at 0 s and in c2, c3 later
        send("u", "c1", s(0), AD);
        send("u", "c2", s(30), AD);
        send("u", "c3", s(40), AD);

        // Then at exactly 60 s c1 has left the window (three distinct: no flood), a millisecond earlier it has not
        Flood other = new Flood(3, Duration.ofSeconds(60), 10, Severity.MEDIUM);
        other.onMessage(message("u", "c1", 1, s(0), AD));
        other.onMessage(message("u", "c2", 1, s(30), AD));
        other.onMessage(message("u", "c3", 1, s(40), AD));
        assertThat(send("u", "c4", s(60), AD)).isEmpty();
        assertThat(other.onMessage(message("u", "c4", 1, ms(59_999), AD))).isPresent();
    }

    @Test
    void shouldKeyBySenderSoTheSameGreetingFromManyPeopleIsNoFlood() {
        // Given five users each sending the same greeting to one conversation
        for (int i = 0; i < 5; i++) {
            assertThat(send("user" + i, "c" + i, s(i), "Happy new year to all of you!")).isEmpty();
        }
    }

    @Test
    void shouldIgnoreShortContent() {
        for (int i = 0; i < 10; i++) {
            assertThat(send("u", "c" + i, s(i), "ok thanks")).isEmpty();
        }
    }

    @Test
    void shouldReportOncePerWindowThenAgain() {
        // Given a flood reported at the fourth conversation
        for (int i = 0; i < 4; i++) {
            send("u", "c" + i, s(i), AD);
        }

        // Then a fifth conversation within the window is not reported again
        assertThat(send("u", "c4", s(10), AD)).isEmpty();
        // And after the window, only a count above C among the conversations still in it is
        assertThat(send("u", "c5", s(62), AD)).isEmpty(); // c3, c4, c5
        assertThat(send("u", "c6", s(63), AD)).isEmpty(); // c4, c5, c6
        assertThat(send("u", "c7", s(64), AD)).isPresent(); // c4, c5, c6, c7
    }

    @Test
    void shouldForgetContentAndSendersOutsideTheWindow() {
        send("u", "c1", s(0), AD);
        send("v", "c1", s(50), AD);

        assertThat(flood.expire(s(60))).isEqualTo(1);
        assertThat(flood.trackedSenders()).isEqualTo(1);
        assertThat(flood.expire(s(110))).isEqualTo(1);
        assertThat(flood.trackedSenders()).isZero();
    }
}
