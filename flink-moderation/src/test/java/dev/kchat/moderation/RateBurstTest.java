package dev.kchat.moderation;

import static dev.kchat.moderation.ModerationFixtures.ms;
import static dev.kchat.moderation.ModerationFixtures.s;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kchat.events.moderation.ChatMessageRef;
import dev.kchat.events.moderation.Severity;
import dev.kchat.events.moderation.Verdict;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class RateBurstTest {

    /** K = 3 messages per W = 10 s. */
    private final RateBurst burst = new RateBurst(3, Duration.ofSeconds(10), Severity.MEDIUM);

    private Optional<Verdict> send(String sender, Instant at) {
        ChatMessageRef ref = ChatMessageRef.newBuilder().setConversationId("c1").setSeq(at.toEpochMilli()).build();
        return burst.onEvent(sender, at, ref);
    }

    @Test
    void shouldReportTheMessageThatExceedsKWithinW() {
        // Given three messages within ten seconds: allowed
        assertThat(send("u", s(0))).isEmpty();
        assertThat(send("u", s(1))).isEmpty();
        assertThat(send("u", s(2))).isEmpty();

        // When a fourth comes within the window
        Optional<Verdict> verdict = send("u", s(9));

        // Then it is a burst, reported at its own time with the evidence
        assertThat(verdict).hasValueSatisfying(v -> {
            assertThat(v.getRule()).isEqualTo(Verdicts.RATE_BURST);
            assertThat(v.getSeverity()).isEqualTo(Severity.MEDIUM);
            assertThat(v.getSubjectUserId()).isEqualTo("u");
            assertThat(v.getDetectedAt()).isEqualTo(s(9));
            assertThat(v.getEvidence()).isEqualTo("4 messages in 9000 ms (limit 3 per 10000 ms)");
        });
    }

    @Test
    void shouldNotReportKPlusOneMessagesSpanningExactlyW() {
        // Given four messages where the last is exactly W after the first
        send("u", s(0));
        send("u", s(3));
        send("u", s(6));

        // Then the window boundary is exclusive: no burst at 10 s, a burst one millisecond earlier
        assertThat(send("u", s(10))).isEmpty();
        RateBurst other = new RateBurst(3, Duration.ofSeconds(10), Severity.MEDIUM);
        other.onEvent("v", s(0), null);
        other.onEvent("v", s(3), null);
        other.onEvent("v", s(6), null);
        assertThat(other.onEvent("v", ms(9_999), null)).isPresent();
    }

    @Test
    void shouldSlideTheWindowRatherThanUseFixedBuckets() {
        // Given two messages at the end of one ten-second bucket and two at the start of the next
        send("u", s(8));
        send("u", s(9));
        send("u", s(11));

        // Then the fourth, 5 s after the first, is a burst although no fixed bucket holds four
        assertThat(send("u", s(13))).isPresent();
    }

    @Test
    void shouldReportOncePerWindowWhileTheBurstGoesOn() {
        // Given a sender sending one message per 100 ms for 25 s
        List<Instant> reported = new ArrayList<>();
        for (int i = 0; i < 250; i++) {
            send("u", ms(i * 100L)).ifPresent(v -> reported.add(v.getDetectedAt()));
        }

        // Then the burst is reported at the 4th message and then once per 10 s
        assertThat(reported).containsExactly(ms(300), ms(10_300), ms(20_300));
    }

    @Test
    void shouldCountEachSenderApart() {
        // Given two senders, each sending three messages interleaved in the same second
        for (int i = 0; i < 3; i++) {
            assertThat(send("a", ms(i * 10L))).isEmpty();
            assertThat(send("b", ms(i * 10L + 5))).isEmpty();
        }

        // Then neither has a burst, until a's fourth
        assertThat(send("a", ms(100))).isPresent();
        assertThat(burst.trackedSenders()).isEqualTo(2);
    }

    @Test
    void shouldCountALateEventAtTheLatestTimeSeen() {
        // Given three messages up to 9 s
        send("u", s(5));
        send("u", s(8));
        send("u", s(9));

        // When a message stamped 1 s arrives late
        Optional<Verdict> verdict = send("u", s(1));

        // Then it counts as if at 9 s: four messages within 4 s
        assertThat(verdict).hasValueSatisfying(v -> assertThat(v.getDetectedAt()).isEqualTo(s(9)));
    }

    @Test
    void shouldBeDeterministicForTheSameEvents() {
        RateBurst first = new RateBurst(3, Duration.ofSeconds(10), Severity.MEDIUM);
        RateBurst second = new RateBurst(3, Duration.ofSeconds(10), Severity.MEDIUM);
        List<Verdict> a = new ArrayList<>();
        List<Verdict> b = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            first.onEvent("u", ms(i * 700L), null).ifPresent(a::add);
            second.onEvent("u", ms(i * 700L), null).ifPresent(b::add);
        }

        assertThat(a).isNotEmpty().isEqualTo(b);
    }

    @Test
    void shouldForgetSendersIdleForAWindow() {
        // Given a sender last seen at 5 s
        send("u", s(0));
        send("u", s(5));

        // Then the state stays until a full window after the last message, and a new burst needs K + 1 again
        assertThat(burst.expire(ms(14_999))).isZero();
        assertThat(burst.expire(s(15))).isEqualTo(1);
        assertThat(burst.trackedSenders()).isZero();
        assertThat(send("u", s(16))).isEmpty();
    }

    @Test
    void shouldRefuseMeaninglessSettings() {
        assertThatThrownBy(() -> new RateBurst(0, Duration.ofSeconds(1), Severity.LOW)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new RateBurst(1, Duration.ZERO, Severity.LOW)).isInstanceOf(IllegalArgumentException.class);
    }
}
