package dev.kchat.moderation.job;

import static dev.kchat.moderation.job.JobFixtures.created;
import static dev.kchat.moderation.job.JobFixtures.joined;
import static dev.kchat.moderation.job.JobFixtures.keyedEntries;
import static dev.kchat.moderation.job.JobFixtures.posted;
import static dev.kchat.moderation.job.JobFixtures.s;
import static org.assertj.core.api.Assertions.assertThat;

import dev.kchat.moderation.ModerationConfig;
import dev.kchat.service.Settings;
import java.time.Duration;
import java.util.Map;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.apache.flink.streaming.util.ProcessFunctionTestHarnesses;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class ConversationCreatorsTest {

    /** New below 1 h, 10 min window: the state TTL may be as short as 2 h, which the test waits out. */
    private static final ModerationConfig CONFIG = ModerationConfig.from(Settings.of(Map.of(
            ModerationConfig.STRANGER_ACCOUNT_AGE, "1h", ModerationConfig.STRANGER_WINDOW, "10m",
            ModerationConfig.STRANGER_STATE_TTL, "2h")));
    private static final long TTL = Duration.ofHours(2).toMillis();

    private KeyedOneInputStreamOperatorTestHarness<String, Activity, Activity> harness;

    @BeforeEach
    void open() throws Exception {
        harness = ProcessFunctionTestHarnesses.forKeyedProcessFunction(new ConversationCreators(CONFIG), Activity::conversationId, Types.STRING);
        harness.setStateTtlProcessingTime(0);
    }

    @AfterEach
    void close() throws Exception {
        harness.close();
    }

    @Test
    void shouldMarkMessagesIntoConversationsTheSenderDidNotCreate() throws Exception {
        // Given a group created by owner, a direct chat opened by bob, and one whose creation the job never saw
        harness.processElement(created("owner", "g1", s(0)), s(0));
        harness.processElement(joined("newbie", "g1", 2, s(1)), s(1));
        harness.processElement(created("bob", "dm:alice:bob", s(2)), s(2));

        // When the owner, newbie, alice and bob post
        harness.processElement(posted("owner", "g1", 3, s(3)), s(3));
        harness.processElement(posted("newbie", "g1", 4, s(4)), s(4));
        harness.processElement(posted("alice", "dm:alice:bob", 2, s(5)), s(5));
        harness.processElement(posted("bob", "dm:alice:bob", 3, s(6)), s(6));
        harness.processElement(posted("newbie", "unseen", 7, s(7)), s(7));

        // Then every activity passes, in order; a message is into someone else's conversation
        // unless its sender created it; a direct chat is the opener's; an unknown creator is not the sender
        assertThat(harness.extractOutputValues())
                .extracting(a -> a.kind() + " " + a.actorId() + "@" + a.conversationId() + " " + a.intoOthersConversation())
                .containsExactly(
                        "CREATED owner@g1 false", "OTHER newbie@g1 false", "CREATED bob@dm:alice:bob false",
                        "POSTED owner@g1 false", "POSTED newbie@g1 true", "POSTED alice@dm:alice:bob true",
                        "POSTED bob@dm:alice:bob false", "POSTED newbie@unseen true");
        // ... and only creators are kept: one per conversation created, no timers
        assertThat(keyedEntries(harness, ConversationCreators.CREATOR)).isEqualTo(2);
        assertThat(harness.numEventTimeTimers() + harness.numProcessingTimeTimers()).isZero();
    }

    @Test
    void shouldKeepACreatorWhileMessagesReadItAndForgetItATtlAfterTheLast() throws Exception {
        // Given a conversation created at TTL time 0 and posted into an hour and a half later
        harness.processElement(created("owner", "g1", s(0)), s(0));
        harness.setStateTtlProcessingTime(TTL * 3 / 4);
        harness.processElement(posted("owner", "g1", 2, s(1)), s(1));

        // When more than the TTL has passed since creation, but not since the last message
        harness.setStateTtlProcessingTime(TTL + 1);
        harness.processElement(posted("owner", "g1", 3, s(2)), s(2));

        // Then the creator is still known: reading refreshed it
        assertThat(harness.extractOutputValues()).filteredOn(a -> a.kind() == Activity.Kind.POSTED)
                .allSatisfy(a -> assertThat(a.intoOthersConversation()).isFalse());

        // When the TTL passes after the last message
        harness.setStateTtlProcessingTime(TTL + 1 + TTL);
        OperatorSubtaskState checkpoint = harness.snapshot(1, TTL * 3);

        // Then the checkpoint carries no creator
        try (KeyedOneInputStreamOperatorTestHarness<String, Activity, Activity> restored = new KeyedOneInputStreamOperatorTestHarness<>(
                new KeyedProcessOperator<>(new ConversationCreators(CONFIG)), Activity::conversationId, Types.STRING)) {
            restored.initializeState(checkpoint);
            restored.open();
            assertThat(keyedEntries(restored, ConversationCreators.CREATOR)).isZero();
        }
        // ... and the running operator no longer returns it: the owner's message now counts as into someone else's
        harness.processElement(posted("owner", "g1", 4, s(3)), s(3));
        assertThat(harness.extractOutputValues()).last().satisfies(a -> assertThat(a.intoOthersConversation()).isTrue());
    }
}
