package dev.kchat.moderation.job;

import static dev.kchat.moderation.job.JobFixtures.chat;
import static dev.kchat.moderation.job.JobFixtures.keyedEntries;
import static dev.kchat.moderation.job.JobFixtures.s;
import static org.assertj.core.api.Assertions.assertThat;

import dev.kchat.moderation.ModerationConfig;
import dev.kchat.moderation.Verdicts;
import dev.kchat.service.Settings;
import java.util.Map;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.util.KeyedBroadcastOperatorTestHarness;
import org.apache.flink.streaming.util.ProcessFunctionTestHarnesses;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class FloodFunctionTest {

    /** The same content in more than 2 conversations within 1 min is a flood. */
    private static final ModerationConfig CONFIG = ModerationConfig.from(Settings.of(Map.of(
            ModerationConfig.FLOOD_MAX_CONVERSATIONS, "2", ModerationConfig.FLOOD_WINDOW, "1m")));
    private static final String PASTE = "visit my shop at example dot com";

    private KeyedBroadcastOperatorTestHarness<String, Content, RuleUpdate, Detection> harness;

    @BeforeEach
    void open() throws Exception {
        harness = ProcessFunctionTestHarnesses.forKeyedBroadcastProcessFunction(
                new FloodFunction(CONFIG), Content::senderAndContent, Types.STRING, RuleBook.RULES);
    }

    @AfterEach
    void close() throws Exception {
        harness.close();
    }

    @Test
    void shouldReportTheThirdConversationAndForgetTheContentAWindowAfterTheLastCopy() throws Exception {
        // Given one paste into three conversations (the last with other spacing and case), and a short greeting everywhere
        harness.processElement(chat("u", "c1", 1, s(0), PASTE), s(0));
        harness.processElement(chat("u", "c2", 1, s(10), PASTE), s(10));
        harness.processElement(chat("u", "c1", 2, s(15), "hi"), s(15));
        harness.processElement(chat("u", "c2", 2, s(16), "hi"), s(16));
        harness.processElement(chat("u", "c3", 1, s(20), "Visit  my SHOP at example dot com"), s(20));

        // Then one flood verdict, at the third conversation; the greeting left no state
        assertThat(harness.extractOutputValues()).singleElement().satisfies(d -> {
            assertThat(d.rule()).isEqualTo(Verdicts.FLOOD);
            assertThat(d.conversationId()).isEqualTo("c3");
            assertThat(d.muteMillis()).isEqualTo(ModerationConfig.DEFAULT_FLOOD_MUTE.toMillis());
        });
        assertThat(keyedEntries(harness, FloodFunction.STATE.getName())).isEqualTo(1);

        // When event time passes a window after the last copy
        harness.watermark(s(80));

        // Then no state and no timer is left
        assertThat(keyedEntries(harness, FloodFunction.STATE.getName(), FloodFunction.TIMER.getName())).isZero();
        assertThat(harness.numEventTimeTimers()).isZero();
    }
}
