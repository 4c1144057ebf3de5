package dev.kchat.store.moderation;

import com.datastax.oss.driver.api.core.ConsistencyLevel;
import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.PreparedStatement;
import com.datastax.oss.driver.api.core.cql.Row;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * What trust and safety reads (migration V004): a user's verdicts and actions, the verdicts of a
 * day (the review queue) filtered by rule and severity, the current rules, and the job's counts. Pages are bounded;
 * filters are applied to the rows of one partition as they are read, so a page costs at most
 * {@link #MAX_SCANNED} rows however rare the filtered rows are.
 */
public final class ModerationRepository {

    /** Rows one filtered page reads at most. */
    public static final int MAX_SCANNED = 5_000;

    /** A stored verdict. {@code conversationId}/{@code seq}/{@code messageId} for chat, {@code postId} for Moments. */
    public record StoredVerdict(String verdictId, String userId, String rule, String severity, Instant detectedAt,
            String conversationId, Long seq, String messageId, String postId, String evidence) {
    }

    /** A stored action on a user. */
    public record StoredAction(String actionId, String userId, String action, String issuedBy, String reason, String verdictId,
            Instant issuedAt, Instant muteUntil, String conversationId, Long seq) {
    }

    /** A window of the job's counts. */
    public record StoredStats(Instant windowStart, Instant windowEnd, long messages, long moments, long verdicts, long actions,
            Map<String, Long> verdictsByRule, Map<String, Long> verdictsBySeverity) {
    }

    /** A stored rule. */
    public record StoredRule(String ruleId, boolean enabled, String severity, List<String> words, Map<String, String> params,
            String updatedBy, Instant updatedAt) {
    }

    private final CqlSession session;
    private final PreparedStatement verdictsOfUser;
    private final PreparedStatement verdictsOfDay;
    private final PreparedStatement actionsOfUser;
    private final PreparedStatement rules;
    private final PreparedStatement statsOfDay;

    public ModerationRepository(CqlSession session, String keyspace) {
        this.session = session;
        String verdictColumns = "verdict_id, user_id, rule, severity, detected_at, conversation_id, seq, message_id, post_id, evidence";
        verdictsOfUser = session.prepare("SELECT " + verdictColumns + " FROM " + keyspace
                + ".moderation_verdicts_by_user WHERE user_id = ? AND detected_at < ?");
        verdictsOfDay = session.prepare("SELECT " + verdictColumns + " FROM " + keyspace
                + ".moderation_verdicts_by_day WHERE day = ? AND detected_at < ?");
        actionsOfUser = session.prepare("SELECT action_id, user_id, action, issued_by, reason, verdict_id, issued_at, mute_until,"
                + " conversation_id, seq FROM " + keyspace + ".moderation_actions_by_user WHERE user_id = ? LIMIT ?");
        statsOfDay = session.prepare("SELECT window_start, window_end, messages, moments, verdicts, actions, verdicts_by_rule,"
                + " verdicts_by_severity FROM " + keyspace + ".moderation_stats_by_day WHERE day = ? LIMIT ?");
        rules = session.prepare("SELECT rule_id, enabled, severity, words, params, updated_by, updated_at FROM " + keyspace
                + ".moderation_rules");
    }

    /** A user's verdicts detected before {@code before}, newest first, matching the filter, at most {@code limit}. */
    public List<StoredVerdict> verdictsOfUser(String userId, Instant before, int limit, Predicate<StoredVerdict> filter) {
        return verdicts(verdictsOfUser.bind(userId, before), limit, filter);
    }

    /** A UTC day's verdicts detected before {@code before}, newest first, matching the filter, at most {@code limit}. */
    public List<StoredVerdict> verdictsOfDay(LocalDate day, Instant before, int limit, Predicate<StoredVerdict> filter) {
        return verdicts(verdictsOfDay.bind(day, before), limit, filter);
    }

    /** A user's actions, newest first, at most {@code limit}. */
    public List<StoredAction> actionsOfUser(String userId, int limit) {
        List<StoredAction> out = new ArrayList<>();
        for (Row r : session.execute(actionsOfUser.bind(userId, limit).setConsistencyLevel(ConsistencyLevel.LOCAL_QUORUM))) {
            out.add(new StoredAction(r.getString("action_id"), r.getString("user_id"), r.getString("action"),
                    r.getString("issued_by"), r.getString("reason"), r.getString("verdict_id"), r.getInstant("issued_at"),
                    r.getInstant("mute_until"), r.getString("conversation_id"), r.isNull("seq") ? null : r.getLong("seq")));
        }
        return out;
    }

    /** A UTC day's windows of counts, newest first, at most {@code limit}. */
    public List<StoredStats> statsOfDay(LocalDate day, int limit) {
        List<StoredStats> out = new ArrayList<>();
        for (Row r : session.execute(statsOfDay.bind(day, limit).setConsistencyLevel(ConsistencyLevel.LOCAL_QUORUM))) {
            out.add(new StoredStats(r.getInstant("window_start"), r.getInstant("window_end"), r.getLong("messages"),
                    r.getLong("moments"), r.getLong("verdicts"), r.getLong("actions"),
                    r.getMap("verdicts_by_rule", String.class, Long.class), r.getMap("verdicts_by_severity", String.class, Long.class)));
        }
        return out;
    }

    /** Every rule, in id order. */
    public List<StoredRule> rules() {
        List<StoredRule> out = new ArrayList<>();
        for (Row r : session.execute(rules.bind().setConsistencyLevel(ConsistencyLevel.LOCAL_QUORUM))) {
            out.add(new StoredRule(r.getString("rule_id"), r.getBoolean("enabled"), r.getString("severity"),
                    r.getList("words", String.class), r.getMap("params", String.class, String.class),
                    r.getString("updated_by"), r.getInstant("updated_at")));
        }
        out.sort((a, b) -> a.ruleId().compareTo(b.ruleId()));
        return out;
    }

    private List<StoredVerdict> verdicts(com.datastax.oss.driver.api.core.cql.BoundStatement query, int limit,
            Predicate<StoredVerdict> filter) {
        List<StoredVerdict> out = new ArrayList<>();
        int scanned = 0;
        for (Row r : session.execute(query.setPageSize(Math.min(MAX_SCANNED, Math.max(limit, 100)))
                .setConsistencyLevel(ConsistencyLevel.LOCAL_QUORUM))) {
            StoredVerdict v = new StoredVerdict(r.getString("verdict_id"), r.getString("user_id"), r.getString("rule"),
                    r.getString("severity"), r.getInstant("detected_at"), r.getString("conversation_id"),
                    r.isNull("seq") ? null : r.getLong("seq"), r.getString("message_id"), r.getString("post_id"),
                    r.getString("evidence"));
            if (filter.test(v)) {
                out.add(v);
            }
            if (out.size() >= limit || ++scanned >= MAX_SCANNED) {
                break;
            }
        }
        return out;
    }
}
