package dev.kchat.moderation.job;

import static dev.kchat.moderation.job.JobFixtures.chat;
import static dev.kchat.moderation.job.JobFixtures.keyedEntries;
import static dev.kchat.moderation.job.JobFixtures.post;
import static dev.kchat.moderation.job.JobFixtures.rule;
import static dev.kchat.moderation.job.JobFixtures.s;
import static org.assertj.core.api.Assertions.assertThat;

import dev.kchat.events.moderation.Severity;
import dev.kchat.moderation.ModerationConfig;
import dev.kchat.moderation.Verdicts;
import dev.kchat.service.Settings;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.util.KeyedBroadcastOperatorTestHarness;
import org.apache.flink.streaming.util.ProcessFunctionTestHarnesses;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class RateBurstFunctionTest {

    /** K = 3 messages per W = 10 s, a burst mutes for 5 min. */
    private static final ModerationConfig CONFIG = ModerationConfig.from(Settings.of(Map.of(
            ModerationConfig.BURST_MAX_MESSAGES, "3", ModerationConfig.BURST_WINDOW, "10s", ModerationConfig.BURST_MUTE, "5m")));

    private KeyedBroadcastOperatorTestHarness<String, Content, RuleUpdate, Detection> harness;

    @BeforeEach
    void open() throws Exception {
        harness = ProcessFunctionTestHarnesses.forKeyedBroadcastProcessFunction(
                new RateBurstFunction(CONFIG), Content::senderId, Types.STRING, RuleBook.RULES);
    }

    @AfterEach
    void close() throws Exception {
        harness.close();
    }

    private void send(String sender, long at) throws Exception {
        harness.processElement(chat(sender, "c1", at, at, "hi"), at);
    }

    @Test
    void shouldReportABurstWithAMuteAndForgetTheSenderAWindowAfterTheLastMessage() throws Exception {
        // Given three messages within ten seconds and one more, and a quiet sender
        send("spammer", s(0));
        send("spammer", s(1));
        send("quiet", s(1));
        send("spammer", s(2));
        send("spammer", s(3));

        // Then one burst verdict, for the spammer, with the configured mute
        List<Detection> out = harness.extractOutputValues();
        assertThat(out).singleElement().satisfies(d -> {
            assertThat(d.rule()).isEqualTo(Verdicts.RATE_BURST);
            assertThat(d.subjectUserId()).isEqualTo("spammer");
            assertThat(d.detectedAt()).isEqualTo(s(3));
            assertThat(d.muteMillis()).isEqualTo(300_000);
            assertThat(d.redact()).isFalse();
        });
        assertThat(keyedEntries(harness, RateBurstFunction.STATE.getName())).isEqualTo(2);

        // When event time passes a window after each sender's last message
        harness.watermark(s(13));

        // Then no state and no timer is left
        assertThat(keyedEntries(harness, RateBurstFunction.STATE.getName(), RateBurstFunction.TIMER.getName())).isZero();
        assertThat(harness.numEventTimeTimers()).isZero();
    }

    @Test
    void shouldKeepTheStateWhileTheSenderGoesOnAndClearItAfterwards() throws Exception {
        // Given a sender whose first timer comes due while it is still sending
        send("u", s(0));
        send("u", s(8));

        // When event time reaches the first expiry (10 s), which the later message has moved
        harness.watermark(s(10));

        // Then the state stays, with one timer for the new expiry
        assertThat(keyedEntries(harness, RateBurstFunction.STATE.getName())).isEqualTo(1);
        assertThat(harness.numEventTimeTimers()).isEqualTo(1);

        // And it goes a window after the last message
        harness.watermark(s(18));
        assertThat(keyedEntries(harness, RateBurstFunction.STATE.getName(), RateBurstFunction.TIMER.getName())).isZero();
        assertThat(harness.numEventTimeTimers()).isZero();
    }

    @Test
    void shouldCountMomentsAndApplyAThresholdChangedByARule() throws Exception {
        // Given a rule that lowers the limit to one message per minute, at high severity
        harness.processBroadcastElement(RuleUpdate.of(rule(RuleBook.RATE_BURST, true, Severity.HIGH, s(0), List.of(),
                Map.of("max_messages", "1", "window", "1m"))), s(0));

        // When a user posts a moment and then a comment-free chat message 30 s later
        harness.processElement(post("u", "p1", s(0), "hello"), s(0));
        send("u", s(30));

        // Then the second is a burst, at the rule's severity
        assertThat(harness.extractOutputValues()).singleElement()
                .satisfies(d -> assertThat(d.severity()).isEqualTo(Severity.HIGH));
    }

    @Test
    void shouldNotCountWhenARuleSwitchesTheDetectorOff() throws Exception {
        // Given the detector switched off
        harness.processBroadcastElement(RuleUpdate.of(rule(RuleBook.RATE_BURST, false, Severity.MEDIUM, s(0), List.of(), Map.of())), s(0));

        // When a sender bursts
        for (int i = 0; i < 10; i++) {
            send("u", s(i));
        }

        // Then nothing is reported or kept
        assertThat(harness.extractOutputValues()).isEmpty();
        assertThat(keyedEntries(harness, RateBurstFunction.STATE.getName())).isZero();
    }
}
