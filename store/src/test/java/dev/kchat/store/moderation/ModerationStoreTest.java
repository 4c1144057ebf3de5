package dev.kchat.store.moderation;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kchat.events.moderation.ChatMessageRef;
import dev.kchat.events.moderation.ModerationAction;
import dev.kchat.events.moderation.ModerationRule;
import dev.kchat.events.moderation.Mute;
import dev.kchat.events.moderation.Redact;
import dev.kchat.events.moderation.Severity;
import dev.kchat.events.moderation.Unmute;
import dev.kchat.events.moderation.Verdict;
import dev.kchat.store.TestStore;
import dev.kchat.store.moderation.ModerationRepository.StoredVerdict;
import java.time.Instant;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The moderation tables against a real CQL server: what the sink writes is what trust and safety reads. */
class ModerationStoreTest {

    private static final Instant T = Instant.parse("2026-11-26T10:00:00Z");
    private static ModerationWriter writer;
    private static ModerationRepository repository;

    @BeforeAll
    static void newStore() {
        String keyspace = TestStore.newKeyspace("moderation");
        writer = new ModerationWriter(TestStore.session(), keyspace);
        repository = new ModerationRepository(TestStore.session(), keyspace);
    }

    @Test
    void shouldListAUsersVerdictsAndADaysVerdictsNewestFirstFilteredAndTheSameAfterAReplay() {
        // Given three verdicts about spammer, one about bob, one the day before
        List<Verdict> verdicts = List.of(verdict("v1", "spammer", "rate_burst", Severity.MEDIUM, T),
                verdict("v2", "spammer", "sensitive_word", Severity.HIGH, T.plusSeconds(5)),
                verdict("v3", "bob", "flood", Severity.MEDIUM, T.plusSeconds(7)),
                verdict("v4", "spammer", "flood", Severity.MEDIUM, T.plusSeconds(9)),
                verdict("v0", "spammer", "flood", Severity.LOW, T.minusSeconds(86_400)));
        verdicts.forEach(v -> TestStore.write(writer.statementsFor(v)));
        verdicts.forEach(v -> TestStore.write(writer.statementsFor(v)));

        // Then
        assertThat(repository.verdictsOfUser("spammer", T.plusSeconds(60), 10, v -> true))
                .extracting(StoredVerdict::verdictId).containsExactly("v4", "v2", "v1", "v0");
        assertThat(repository.verdictsOfUser("spammer", T.plusSeconds(9), 10, v -> true))
                .as("before the newest").extracting(StoredVerdict::verdictId).containsExactly("v2", "v1", "v0");
        assertThat(repository.verdictsOfDay(LocalDate.of(2026, 11, 26), T.plusSeconds(60), 10, v -> v.rule().equals("flood")))
                .extracting(StoredVerdict::verdictId).containsExactly("v4", "v3");
        StoredVerdict high = repository.verdictsOfDay(LocalDate.of(2026, 11, 26), T.plusSeconds(60), 10,
                v -> v.severity().equals("HIGH")).get(0);
        assertThat(high.conversationId()).isEqualTo("g:1");
        assertThat(high.seq()).isEqualTo(42L);
        assertThat(high.evidence()).isEqualTo("evidence of v2");
    }

    @Test
    void shouldKeepAUsersActionsWithWhoIssuedThem() {
        TestStore.write(writer.statementsFor(action("a1", "eve", "flink-moderation", T, Mute.newBuilder().setUntil(T.plusSeconds(600)).build())));
        TestStore.write(writer.statementsFor(action("a2", "eve", "flink-moderation", T.plusSeconds(1),
                Redact.newBuilder().setConversationId("g:1").setSeq(42).build())));
        TestStore.write(writer.statementsFor(action("a3", "eve", "admin:tess", T.plusSeconds(30), new Unmute())));

        List<ModerationRepository.StoredAction> actions = repository.actionsOfUser("eve", 10);

        assertThat(actions).extracting(a -> a.action() + " by " + a.issuedBy())
                .containsExactly("Unmute by admin:tess", "Redact by flink-moderation", "Mute by flink-moderation");
        assertThat(actions.get(1).seq()).isEqualTo(42L);
        assertThat(actions.get(2).muteUntil()).isEqualTo(T.plusSeconds(600));
    }

    @Test
    void shouldKeepTheNewestVersionOfARuleWhateverTheOrderAndForgetADeletedOne() {
        ModerationRule v1 = rule("dict-x", List.of("spam"), T);
        ModerationRule v2 = rule("dict-x", List.of("spam", "scam"), T.plusSeconds(10));
        TestStore.write(writer.statementsFor(v2));
        TestStore.write(writer.statementsFor(v1));
        TestStore.write(writer.statementsFor(rule("dict-y", List.of("x"), T)));
        TestStore.write(writer.ruleDeleted("dict-y", T.plusSeconds(60)));

        assertThat(repository.rules()).singleElement().satisfies(r -> {
            assertThat(r.ruleId()).isEqualTo("dict-x");
            assertThat(r.words()).containsExactly("spam", "scam");
            assertThat(r.params()).containsEntry("mute", "10m");
        });
    }

    @Test
    void shouldListADaysWindowsOfCountsNewestFirst() {
        for (int minute = 0; minute < 3; minute++) {
            Instant start = T.plusSeconds(60L * minute);
            TestStore.write(writer.statementsFor(dev.kchat.events.moderation.ModerationStats.newBuilder()
                    .setWindowStart(start).setWindowEnd(start.plusSeconds(60)).setMessages(100 + minute).setMoments(0)
                    .setVerdicts(minute).setActions(minute).setVerdictsByRule(Map.of("flood", (long) minute))
                    .setVerdictsBySeverity(Map.of("MEDIUM", (long) minute)).build()));
        }

        List<ModerationRepository.StoredStats> stats = repository.statsOfDay(LocalDate.of(2026, 11, 26), 2);

        assertThat(stats).extracting(ModerationRepository.StoredStats::messages).containsExactly(102L, 101L);
        assertThat(stats.get(0).verdictsByRule()).containsEntry("flood", 2L);
        assertThat(stats.get(0).verdictsBySeverity()).containsEntry("MEDIUM", 2L);
    }

    private static Verdict verdict(String id, String user, String rule, Severity severity, Instant at) {
        return Verdict.newBuilder().setVerdictId(id).setSubjectUserId(user).setRule(rule).setSeverity(severity)
                .setRef(ChatMessageRef.newBuilder().setConversationId("g:1").setSeq(42).setMessageId("m-42").build())
                .setDetectedAt(at).setEvidence("evidence of " + id).build();
    }

    private static ModerationAction action(String id, String user, String issuedBy, Instant at, Object what) {
        return ModerationAction.newBuilder().setActionId(id).setUserId(user).setIssuedBy(issuedBy).setReason("spam")
                .setIssuedAt(at).setAction(what).build();
    }

    private static ModerationRule rule(String id, List<String> words, Instant at) {
        return ModerationRule.newBuilder().setRuleId(id).setEnabled(true).setSeverity(Severity.HIGH).setWords(words)
                .setParams(Map.of("mute", "10m")).setUpdatedBy("admin:tess").setUpdatedAt(at).build();
    }
}
