package dev.kchat.moderation;

import static dev.kchat.moderation.ModerationFixtures.message;
import static dev.kchat.moderation.ModerationFixtures.s;
import static org.assertj.core.api.Assertions.assertThat;

import dev.kchat.events.moderation.Severity;
import dev.kchat.events.moderation.Verdict;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class StrangerSpamTest {

    /** New below A = 1 day; S = 3 conversations per W = 10 min. */
    private final StrangerSpam spam = new StrangerSpam(Duration.ofDays(1), 3, Duration.ofMinutes(10), Severity.HIGH);
    /** The account was created an hour before T0. */
    private final Instant createdAt = s(-3_600);

    private Optional<Verdict> send(String conversation, Instant at, String creator) {
        return spam.onMessage(message("newbie", conversation, 1, at, "hi"), createdAt, creator);
    }

    @Test
    void shouldReportANewAccountSendingIntoMoreThanSOthersConversations() {
        // Given a one-hour-old account posting into three groups created by others
        assertThat(send("g1", s(0), "owner1")).isEmpty();
        assertThat(send("g2", s(10), "owner2")).isEmpty();
        assertThat(send("g3", s(20), "owner3")).isEmpty();

        // When it posts into a fourth
        Optional<Verdict> verdict = send("g4", s(30), "owner4");

        // Then it is reported
        assertThat(verdict).hasValueSatisfying(v -> {
            assertThat(v.getRule()).isEqualTo(Verdicts.STRANGER_SPAM);
            assertThat(v.getSeverity()).isEqualTo(Severity.HIGH);
            assertThat(v.getSubjectUserId()).isEqualTo("newbie");
            assertThat(v.getDetectedAt()).isEqualTo(s(30));
            assertThat(v.getEvidence()).isEqualTo(
                    "account 60 min old (new below 1440 min) sent into 4 conversations it did not create within 30000 ms (limit 3 per 600000 ms)");
        });
    }

    @Test
    void shouldNotCountConversationsTheAccountCreated() {
        send("own1", s(0), "newbie");
        send("own2", s(1), "newbie");
        send("g1", s(2), "owner");
        send("g2", s(3), "owner");
        send("g3", s(4), "owner");

        assertThat(send("own3", s(5), "newbie")).isEmpty();
        assertThat(send("g4", s(6), "owner")).isPresent();
    }

    @Test
    void shouldIgnoreAccountsAtLeastAOldAndDropTheirState() {
        // Given a new account with three counted conversations
        send("g1", s(0), "o");
        send("g2", s(1), "o");
        send("g3", s(2), "o");
        assertThat(spam.trackedSenders()).isEqualTo(1);

        // When its next message is sent exactly one day after its creation
        Optional<Verdict> verdict = spam.onMessage(message("newbie", "g4", 1, s(-3_600).plus(Duration.ofDays(1)), "hi"), createdAt, "o");

        // Then it is no longer new: nothing reported and nothing kept
        assertThat(verdict).isEmpty();
        assertThat(spam.trackedSenders()).isZero();
    }

    @Test
    void shouldLetConversationsLeaveTheWindowAfterW() {
        send("g1", s(0), "o");
        send("g2", s(100), "o");
        send("g3", s(200), "o");

        // At 600 s, g1 (seen at 0 s) is out of the ten-minute window: three distinct, no report
        assertThat(send("g4", s(600), "o")).isEmpty();
        // A fifth within the window of the other four is reported
        assertThat(send("g5", s(601), "o")).isPresent();
    }

    @Test
    void shouldForgetSendersWhoseConversationsLeftTheWindow() {
        send("g1", s(0), "o");

        assertThat(spam.expire(s(599))).isZero();
        assertThat(spam.expire(s(600))).isEqualTo(1);
        assertThat(spam.trackedSenders()).isZero();
    }

    @Test
    void shouldCountInAWindowItIsGivenWhenKeyedOutside() {
        // Given the job's form: the sender's window held outside, "someone else's" decided upstream
        DistinctWindow window = new DistinctWindow();
        for (int i = 1; i <= 3; i++) {
            assertThat(spam.onMessage(window, message("newbie", "g" + i, 1, s(i), "hi"), createdAt, true)).isEmpty();
        }
        // ... its own conversation does not count
        assertThat(spam.onMessage(window, message("newbie", "own", 1, s(4), "hi"), createdAt, false)).isEmpty();
        assertThat(window.keys).containsExactly("g1", "g2", "g3");

        // When a fourth conversation of someone else's follows, then one a day after the account was created
        Optional<Verdict> fourth = spam.onMessage(window, message("newbie", "g4", 1, s(5), "hi"), createdAt, true);
        Optional<Verdict> old = spam.onMessage(window, message("newbie", "g5", 1, createdAt.plus(Duration.ofDays(1)), "hi"), createdAt, true);

        // Then the fourth is reported, the old account's message neither reported nor counted, and
        // the window is of use until W after its latest conversation
        assertThat(fourth).hasValueSatisfying(v -> assertThat(v.getDetectedAt()).isEqualTo(s(5)));
        assertThat(old).isEmpty();
        assertThat(window.keys).containsExactly("g1", "g2", "g3", "g4");
        assertThat(spam.expiresAt(window)).isEqualTo(s(5).plus(Duration.ofMinutes(10)).toEpochMilli());
        assertThat(spam.isNew(createdAt, createdAt.plus(Duration.ofDays(1)).minusMillis(1))).isTrue();
    }
}
