package dev.kchat.moderation.job;

import static dev.kchat.moderation.job.JobFixtures.created;
import static dev.kchat.moderation.job.JobFixtures.joined;
import static dev.kchat.moderation.job.JobFixtures.keyedEntries;
import static dev.kchat.moderation.job.JobFixtures.posted;
import static dev.kchat.moderation.job.JobFixtures.rule;
import static dev.kchat.moderation.job.JobFixtures.s;
import static org.assertj.core.api.Assertions.assertThat;

import dev.kchat.events.moderation.Severity;
import dev.kchat.moderation.ModerationConfig;
import dev.kchat.moderation.Verdicts;
import dev.kchat.service.Settings;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.api.operators.co.CoBroadcastWithKeyedOperator;
import org.apache.flink.streaming.util.KeyedBroadcastOperatorTestHarness;
import org.apache.flink.streaming.util.ProcessFunctionTestHarnesses;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class StrangerSpamFunctionTest {

    /** New below A = 1 h; more than S = 2 conversations of others within W = 10 min; mutes 20 min; state TTL 2 h. */
    private static final ModerationConfig CONFIG = ModerationConfig.from(Settings.of(Map.of(
            ModerationConfig.STRANGER_ACCOUNT_AGE, "1h", ModerationConfig.STRANGER_MAX_CONVERSATIONS, "2",
            ModerationConfig.STRANGER_WINDOW, "10m", ModerationConfig.STRANGER_MUTE, "20m",
            ModerationConfig.STRANGER_STATE_TTL, "2h")));
    private static final long TTL = Duration.ofHours(2).toMillis();

    private KeyedBroadcastOperatorTestHarness<String, Activity, RuleUpdate, Detection> harness;

    @BeforeEach
    void open() throws Exception {
        harness = ProcessFunctionTestHarnesses.forKeyedBroadcastProcessFunction(
                new StrangerSpamFunction(CONFIG), Activity::actorId, Types.STRING, RuleBook.RULES);
        harness.setStateTtlProcessingTime(0);
    }

    @AfterEach
    void close() throws Exception {
        harness.close();
    }

    /** A message as the creators step passes it on: into someone else's conversation, or into one's own. */
    private void post(String sender, String conversation, long at, boolean others) throws Exception {
        harness.processElement(posted(sender, conversation, 1, at).intoOthersConversation(others), at);
    }

    private void act(Activity activity) throws Exception {
        harness.processElement(activity, activity.at());
    }

    @Test
    void shouldMuteANewAccountPostingIntoMoreThanSOthersConversationsButNotAnOldOne() throws Exception {
        // Given newbie first seen joining a group at 0 s, and oldie first seen creating one two hours earlier
        act(joined("newbie", "g0", 2, s(0)));
        act(created("oldie", "own-old", s(-7_200)));

        // When both post into three conversations of others within a minute, newbie also into two of its own
        post("newbie", "own1", s(5), false);
        post("newbie", "own2", s(6), false);
        for (int i = 1; i <= 3; i++) {
            post("newbie", "g" + i, s(10 * i), true);
            post("oldie", "g" + i, s(10 * i + 1), true);
        }

        // Then newbie's third is a verdict with a 20 min mute; oldie's are neither reported nor counted
        assertThat(harness.extractOutputValues()).singleElement().satisfies(d -> {
            assertThat(d.rule()).isEqualTo(Verdicts.STRANGER_SPAM);
            assertThat(d.subjectUserId()).isEqualTo("newbie");
            assertThat(d.conversationId()).isEqualTo("g3");
            assertThat(d.severity()).isEqualTo(Severity.HIGH);
            assertThat(d.detectedAt()).isEqualTo(s(30));
            assertThat(d.muteMillis()).isEqualTo(Duration.ofMinutes(20).toMillis());
            assertThat(d.redact()).isFalse();
            assertThat(d.evidence()).startsWith("account 0 min old (new below 60 min) sent into 3 conversations it did not create");
        });
        assertThat(keyedEntries(harness, StrangerSpamFunction.STATE.getName())).isEqualTo(1);
        assertThat(keyedEntries(harness, StrangerSpamFunction.FIRST_SEEN)).isEqualTo(2);

        // When event time passes a window after newbie's last message
        harness.watermark(s(30) + Duration.ofMinutes(10).toMillis());

        // Then the window and its timer are gone; the first-seen times stay, for their TTL
        assertThat(keyedEntries(harness, StrangerSpamFunction.STATE.getName(), StrangerSpamFunction.TIMER.getName())).isZero();
        assertThat(harness.numEventTimeTimers()).isZero();
        assertThat(keyedEntries(harness, StrangerSpamFunction.FIRST_SEEN)).isEqualTo(2);

        // When the TTL passes after both users' last action, and a checkpoint is taken
        harness.setStateTtlProcessingTime(TTL);
        OperatorSubtaskState checkpoint = harness.snapshot(1, TTL);

        // Then it carries no keyed state at all
        try (KeyedBroadcastOperatorTestHarness<String, Activity, RuleUpdate, Detection> restored = new KeyedBroadcastOperatorTestHarness<>(
                new CoBroadcastWithKeyedOperator<>(new StrangerSpamFunction(CONFIG), List.of(RuleBook.RULES)),
                Activity::actorId, Types.STRING, 1, 1, 0)) {
            restored.initializeState(checkpoint);
            restored.open();
            assertThat(keyedEntries(restored, StrangerSpamFunction.FIRST_SEEN, StrangerSpamFunction.STATE.getName(),
                    StrangerSpamFunction.TIMER.getName())).isZero();
            assertThat(restored.numEventTimeTimers()).isZero();
        }
    }

    @Test
    void shouldDateAnAccountByItsEarliestEventSeenEvenWhenItArrivesLate() throws Exception {
        // Given a user's message read before its earlier join (another partition)
        post("u", "g1", s(4_000), true);
        act(joined("u", "g0", 2, s(0)));

        // When it posts into two more conversations of others
        post("u", "g2", s(4_001), true);
        post("u", "g3", s(4_002), true);

        // Then the first message was counted as a new account's (its age was not yet known), the
        // later ones not: the account is older than an hour by its join
        assertThat(harness.extractOutputValues()).isEmpty();
        assertThat(keyedEntries(harness, StrangerSpamFunction.STATE.getName())).isEqualTo(1);
    }

    @Test
    void shouldApplyAStrangerSpamRuleChangedAtRunTime() throws Exception {
        // Given a rule: new below 90 min, more than 1 conversation, LOW, no mute
        harness.processBroadcastElement(RuleUpdate.of(rule(RuleBook.STRANGER_SPAM, true, Severity.LOW, s(0), List.of(),
                Map.of("account_age", "90m", "max_conversations", "1", "mute", "0s"))), s(0));

        // When an account first seen 80 minutes ago (old under the settings, new under the rule) posts into two groups
        act(joined("u", "g0", 2, s(0)));
        post("u", "g1", s(4_800), true);
        post("u", "g2", s(4_801), true);

        // Then the second is a LOW verdict without a mute
        assertThat(harness.extractOutputValues()).singleElement().satisfies(d -> {
            assertThat(d.severity()).isEqualTo(Severity.LOW);
            assertThat(d.muteMillis()).isZero();
        });
    }

    @Test
    void shouldIgnoreARuleWhoseAccountAgeOutlivesTheStateTtl() throws Exception {
        // Given a rule asking for an account age the state TTL (2 h) cannot keep
        harness.processBroadcastElement(RuleUpdate.of(rule(RuleBook.STRANGER_SPAM, true, Severity.LOW, s(0), List.of(),
                Map.of("account_age", "3h"))), s(0));

        // When an account first seen 80 minutes ago posts into three groups
        act(joined("u", "g0", 2, s(0)));
        for (int i = 1; i <= 3; i++) {
            post("u", "g" + i, s(4_800 + i), true);
        }

        // Then the settings' age (1 h) stays: the account is old, nothing reported
        assertThat(harness.extractOutputValues()).isEmpty();
    }

    @Test
    void shouldKeepDatingAccountsWhileSwitchedOff() throws Exception {
        // Given the detector switched off, and a user first seen then
        harness.processBroadcastElement(RuleUpdate.of(rule(RuleBook.STRANGER_SPAM, false, Severity.HIGH, s(0), List.of(), Map.of())), s(0));
        act(joined("u", "g0", 2, s(0)));
        for (int i = 1; i <= 5; i++) {
            post("u", "g" + i, s(i), true);
        }
        assertThat(harness.extractOutputValues()).isEmpty();
        assertThat(keyedEntries(harness, StrangerSpamFunction.STATE.getName())).isZero();

        // When it is switched on again and the user, now over an hour old, posts into three groups
        harness.processBroadcastElement(RuleUpdate.of(rule(RuleBook.STRANGER_SPAM, true, Severity.HIGH, s(60), List.of(), Map.of())), s(60));
        for (int i = 6; i <= 8; i++) {
            post("u", "g" + i, s(3_600 + i), true);
        }

        // Then the user is old by the time seen while the detector was off: nothing reported
        assertThat(harness.extractOutputValues()).isEmpty();
    }
}
