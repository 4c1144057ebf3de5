package dev.kchat.store.moderation;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.BoundStatement;
import com.datastax.oss.driver.api.core.cql.BoundStatementBuilder;
import com.datastax.oss.driver.api.core.cql.PreparedStatement;
import dev.kchat.events.moderation.ChatMessageRef;
import dev.kchat.events.moderation.ModerationAction;
import dev.kchat.events.moderation.ModerationRule;
import dev.kchat.events.moderation.ModerationStats;
import dev.kchat.events.moderation.MomentRef;
import dev.kchat.events.moderation.Mute;
import dev.kchat.events.moderation.Redact;
import dev.kchat.events.moderation.Verdict;
import dev.kchat.store.write.ChatWriter;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.List;

/**
 * The statements that store the moderation streams for trust and safety (migration V004): a
 * verdict in its user's and its day's partitions, an action in its user's partition, a rule as the
 * current version of that rule, a window of the job's counts in its day's partition. Each row is keyed by the record's own id, so a replay rewrites the
 * same row with the same values; a rule is written at its {@code updated_at}, so an older version
 * replayed never overwrites a newer one.
 */
public final class ModerationWriter {

    private final PreparedStatement verdictByUser;
    private final PreparedStatement verdictByDay;
    private final PreparedStatement actionByUser;
    private final PreparedStatement rule;
    private final PreparedStatement ruleDeleted;
    private final PreparedStatement stats;

    public ModerationWriter(CqlSession session, String keyspace) {
        String columns = "verdict_id, rule, severity, conversation_id, seq, message_id, post_id, evidence, detected_at";
        String values = ":verdict_id, :rule, :severity, :conversation_id, :seq, :message_id, :post_id, :evidence, :detected_at";
        verdictByUser = session.prepare("INSERT INTO " + keyspace + ".moderation_verdicts_by_user (user_id, " + columns
                + ") VALUES (:user_id, " + values + ")");
        verdictByDay = session.prepare("INSERT INTO " + keyspace + ".moderation_verdicts_by_day (day, user_id, " + columns
                + ") VALUES (:day, :user_id, " + values + ")");
        actionByUser = session.prepare("INSERT INTO " + keyspace + ".moderation_actions_by_user (user_id, issued_at, action_id,"
                + " action, issued_by, reason, verdict_id, mute_until, conversation_id, seq) VALUES (:user_id, :issued_at,"
                + " :action_id, :action, :issued_by, :reason, :verdict_id, :mute_until, :conversation_id, :seq)");
        rule = session.prepare("INSERT INTO " + keyspace + ".moderation_rules (rule_id, enabled, severity, words, params,"
                + " updated_by, updated_at) VALUES (:rule_id, :enabled, :severity, :words, :params, :updated_by, :updated_at)"
                + " USING TIMESTAMP :ts");
        stats = session.prepare("INSERT INTO " + keyspace + ".moderation_stats_by_day (day, window_start, window_end, messages,"
                + " moments, verdicts, actions, verdicts_by_rule, verdicts_by_severity) VALUES (:day, :window_start, :window_end,"
                + " :messages, :moments, :verdicts, :actions, :verdicts_by_rule, :verdicts_by_severity)");
        ruleDeleted = session.prepare("DELETE FROM " + keyspace + ".moderation_rules USING TIMESTAMP :ts WHERE rule_id = :rule_id");
    }

    /** A verdict, in its user's partition and in its day's. */
    public List<BoundStatement> statementsFor(Verdict verdict) {
        return List.of(finish(verdict(verdictByUser.boundStatementBuilder(), verdict)),
                finish(verdict(verdictByDay.boundStatementBuilder(), verdict).setLocalDate("day", day(verdict.getDetectedAt()))));
    }

    /** An action, in the partition of the user it acted upon. */
    public List<BoundStatement> statementsFor(ModerationAction action) {
        Object what = action.getAction();
        BoundStatementBuilder b = actionByUser.boundStatementBuilder()
                .setString("user_id", action.getUserId())
                .setInstant("issued_at", action.getIssuedAt())
                .setString("action_id", action.getActionId())
                .setString("action", ((org.apache.avro.specific.SpecificRecord) what).getSchema().getName())
                .setString("issued_by", action.getIssuedBy())
                .setString("reason", action.getReason())
                .setString("verdict_id", action.getVerdictId())
                .setInstant("mute_until", what instanceof Mute mute ? mute.getUntil() : null)
                .setString("conversation_id", what instanceof Redact redact ? redact.getConversationId() : null);
        b = what instanceof Redact redact ? b.setLong("seq", redact.getSeq()) : b.setToNull("seq");
        return List.of(finish(b));
    }

    /** The current version of a rule. */
    public List<BoundStatement> statementsFor(ModerationRule r) {
        return List.of(finish(rule.boundStatementBuilder()
                .setString("rule_id", r.getRuleId())
                .setBoolean("enabled", r.getEnabled())
                .setString("severity", r.getSeverity().name())
                .setList("words", List.copyOf(r.getWords()), String.class)
                .setMap("params", java.util.Map.copyOf(r.getParams()), String.class, String.class)
                .setString("updated_by", r.getUpdatedBy())
                .setInstant("updated_at", r.getUpdatedAt())
                // Microseconds, as the driver's own timestamps: an older version never wins.
                .setLong("ts", r.getUpdatedAt().toEpochMilli() * 1000)));
    }

    /**
     * A rule removed: a tombstone on the compacted {@code moderation.rules}, at its record timestamp
     * (a tombstone carries no {@code updated_at}; both come from the producer's clock), so a version
     * written after the deletion wins and one written before does not.
     */
    public List<BoundStatement> ruleDeleted(String ruleId, Instant at) {
        return List.of(finish(ruleDeleted.boundStatementBuilder().setString("rule_id", ruleId)
                .setLong("ts", at.toEpochMilli() * 1000)));
    }

    /** A window of the job's counts, in its UTC day's partition. */
    public List<BoundStatement> statementsFor(ModerationStats window) {
        return List.of(finish(stats.boundStatementBuilder()
                .setLocalDate("day", day(window.getWindowStart()))
                .setInstant("window_start", window.getWindowStart())
                .setInstant("window_end", window.getWindowEnd())
                .setLong("messages", window.getMessages())
                .setLong("moments", window.getMoments())
                .setLong("verdicts", window.getVerdicts())
                .setLong("actions", window.getActions())
                .setMap("verdicts_by_rule", java.util.Map.copyOf(window.getVerdictsByRule()), String.class, Long.class)
                .setMap("verdicts_by_severity", java.util.Map.copyOf(window.getVerdictsBySeverity()), String.class, Long.class)));
    }

    private static BoundStatementBuilder verdict(BoundStatementBuilder b, Verdict v) {
        Object ref = v.getRef();
        b = b.setString("user_id", v.getSubjectUserId())
                .setString("verdict_id", v.getVerdictId())
                .setString("rule", v.getRule())
                .setString("severity", v.getSeverity().name())
                .setString("evidence", v.getEvidence())
                .setInstant("detected_at", v.getDetectedAt())
                .setString("conversation_id", ref instanceof ChatMessageRef m ? m.getConversationId() : null)
                .setString("message_id", ref instanceof ChatMessageRef m ? m.getMessageId() : null)
                .setString("post_id", ref instanceof MomentRef p ? p.getPostId() : null);
        return ref instanceof ChatMessageRef m ? b.setLong("seq", m.getSeq()) : b.setToNull("seq");
    }

    /** The UTC day a verdict is filed under. */
    public static LocalDate day(Instant at) {
        return at.atZone(ZoneOffset.UTC).toLocalDate();
    }

    private static BoundStatement finish(BoundStatementBuilder b) {
        return b.setConsistencyLevel(ChatWriter.WRITE_CONSISTENCY).setIdempotence(true).build();
    }
}
