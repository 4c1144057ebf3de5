package dev.kchat.moderation.job;

import static dev.kchat.moderation.job.JobFixtures.chat;
import static dev.kchat.moderation.job.JobFixtures.dictionary;
import static dev.kchat.moderation.job.JobFixtures.post;
import static dev.kchat.moderation.job.JobFixtures.rule;
import static dev.kchat.moderation.job.JobFixtures.s;
import static org.assertj.core.api.Assertions.assertThat;

import dev.kchat.events.moderation.Severity;
import dev.kchat.moderation.ModerationConfig;
import java.util.List;
import java.util.Map;
import org.apache.flink.streaming.util.BroadcastOperatorTestHarness;
import org.apache.flink.streaming.util.ProcessFunctionTestHarnesses;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class SensitiveWordsFunctionTest {

    private BroadcastOperatorTestHarness<Content, RuleUpdate, Detection> harness;

    @BeforeEach
    void open() throws Exception {
        harness = ProcessFunctionTestHarnesses.forBroadcastProcessFunction(
                new SensitiveWordsFunction(ModerationConfig.defaults()), RuleBook.RULES);
    }

    @AfterEach
    void close() throws Exception {
        harness.close();
    }

    @Test
    void shouldRedactAndMuteAHighMatchDisguisedBySpacingCaseAndFullWidth() throws Exception {
        // Given a HIGH dictionary with its own mute
        harness.processBroadcastElement(RuleUpdate.of(rule("slurs", true, Severity.HIGH, s(0), List.of("badword"), Map.of("mute", "2h"))), s(0));

        // When a message spells it in full-width capitals
        harness.processElement(chat("u", "c1", 7, s(1), "you ＢＡＤＷＯＲＤ"), s(1));

        // Then a HIGH verdict that redacts the message and mutes for the dictionary's 2 h
        assertThat(harness.extractOutputValues()).singleElement().satisfies(d -> {
            assertThat(d.rule()).isEqualTo("slurs");
            assertThat(d.severity()).isEqualTo(Severity.HIGH);
            assertThat(d.conversationId()).isEqualTo("c1");
            assertThat(d.seq()).isEqualTo(7);
            assertThat(d.redact()).isTrue();
            assertThat(d.muteMillis()).isEqualTo(7_200_000);
        });
    }

    @Test
    void shouldJudgeWithTheRulesAsTheyChange() throws Exception {
        // Given a MEDIUM dictionary
        harness.processBroadcastElement(RuleUpdate.of(dictionary("d1", Severity.MEDIUM, s(0), "scam")), s(0));
        harness.processElement(post("u", "p1", s(1), "a scam"), s(1));

        // When it is replaced by an older version (a replay), then removed
        harness.processBroadcastElement(RuleUpdate.of(dictionary("d1", Severity.MEDIUM, s(-10), "other")), s(2));
        harness.processElement(post("u", "p2", s(3), "a scam again"), s(3));
        harness.processBroadcastElement(RuleUpdate.removed("d1"), s(4));
        harness.processElement(post("u", "p3", s(5), "a scam once more"), s(5));

        // Then the first two posts are verdicts without actions (MEDIUM, moments), the third nothing
        assertThat(harness.extractOutputValues()).extracting(Detection::postId).containsExactly("p1", "p2");
        assertThat(harness.extractOutputValues()).allSatisfy(d -> {
            assertThat(d.redact()).isFalse();
            assertThat(d.muteMillis()).isZero();
        });
        assertThat(harness.getBroadcastState(RuleBook.RULES).entries()).isEmpty();
    }
}
