package dev.kchat.moderation;

import dev.kchat.events.moderation.ModerationRule;
import dev.kchat.events.moderation.Severity;
import java.time.Instant;
import java.util.List;

/** Named instants and record builders shared by the moderation tests. */
final class ModerationFixtures {

    static final Instant T0 = Instant.parse("2026-03-01T10:00:00Z");

    private ModerationFixtures() {
    }

    static Instant ms(long millis) {
        return T0.plusMillis(millis);
    }

    static Instant s(long seconds) {
        return T0.plusSeconds(seconds);
    }

    static ModerationRule rule(String id, Severity severity, String... words) {
        return rule(id, true, severity, 0, words);
    }

    static ModerationRule rule(String id, boolean enabled, Severity severity, long updatedSecond, String... words) {
        return ModerationRule.newBuilder().setRuleId(id).setEnabled(enabled).setSeverity(severity)
                .setWords(List.of(words)).setUpdatedBy("admin:test").setUpdatedAt(s(updatedSecond)).build();
    }

    static ChatMessage message(String sender, String conversation, long seq, Instant at, String body) {
        return new ChatMessage(sender, conversation, seq, "m-" + conversation + "-" + seq, at, body);
    }
}
