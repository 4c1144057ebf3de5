package dev.kchat.ingress.moderation;

import dev.kchat.api.ApiException;
import dev.kchat.api.auth.JwtAuthenticator.Caller;
import dev.kchat.events.moderation.ModerationAction;
import dev.kchat.events.moderation.ModerationRule;
import dev.kchat.events.moderation.Mute;
import dev.kchat.events.moderation.Redact;
import dev.kchat.events.moderation.Severity;
import dev.kchat.events.moderation.Unmute;
import dev.kchat.schemas.Ids;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * Turns a moderator's validated requests into the records of {@code moderation.actions} and
 * {@code moderation.rules}: pure functions, no I/O. Every record names its actor ({@code admin:<id>}),
 * so the topics are the audit trail. Every refusal is a 4xx {@link ApiException} with a machine code,
 * and then nothing is produced.
 */
public final class ModerationFactory {

    /** The role a caller's token must grant ({@code roles} claim) to use the trust-and-safety API. */
    public static final String MODERATOR_ROLE = "moderator";
    /** The longest mute a moderator can give: 31 days. */
    public static final Duration MAX_MUTE = Duration.ofDays(31);
    /** The longest reason, in code points. */
    public static final int MAX_REASON_CHARS = 500;
    /** The most phrases in one rule, and the longest phrase (code points). */
    public static final int MAX_WORDS = 10_000;
    public static final int MAX_WORD_CHARS = 200;
    /** The most params in one rule, and the longest value. */
    public static final int MAX_PARAMS = 32;
    public static final int MAX_PARAM_VALUE_CHARS = 100;
    /** What an appeal's reason is prefixed with, so an auditor tells appeals from other unmutes. */
    public static final String APPEAL_PREFIX = "appeal: ";

    /** Rule ids: like user ids, 1-64 characters of {@code [A-Za-z0-9_.-]}. */
    public static final Pattern RULE_ID = Ids.USER_ID;
    /** Param names: lower-case words joined by underscores ({@code max_messages}). */
    private static final Pattern PARAM_NAME = Pattern.compile("[a-z][a-z0-9_]{0,63}");
    /** Verdict ids as the Flink job writes them: printable ASCII. */
    private static final Pattern VERDICT_ID = Pattern.compile("[\\x21-\\x7E]{1,128}");

    private ModerationFactory() {
    }

    /** {@code 403 not_a_moderator} unless the caller's token grants {@link #MODERATOR_ROLE}. */
    public static void requireModerator(Caller caller) {
        if (!caller.hasRole(MODERATOR_ROLE)) {
            throw new ApiException(403, "not_a_moderator", "the trust-and-safety API is for moderators (a token whose roles"
                    + " claim holds '" + MODERATOR_ROLE + "')");
        }
    }

    /** Who a moderator's record says acted: {@code admin:<user id>}. */
    public static String actor(Caller caller) {
        return "admin:" + caller.userId();
    }

    /** A Mute of {@code userId} for the request's duration from {@code now}. */
    public static ModerationAction mute(Caller caller, String userId, ModerationRequests.Mute request, Instant now,
            String requestId) {
        requireUser(userId);
        Long seconds = request.durationSeconds();
        if (seconds == null) {
            throw ApiException.badRequest("missing_field", "duration_seconds is required");
        }
        if (seconds < 1 || seconds > MAX_MUTE.toSeconds()) {
            throw ApiException.badRequest("invalid_duration", "duration_seconds must be from 1 to " + MAX_MUTE.toSeconds()
                    + " (31 days), not " + seconds);
        }
        Instant at = now.truncatedTo(ChronoUnit.MILLIS);
        return action(caller, userId, reason(request.reason()), null, at, requestId, "mute",
                Mute.newBuilder().setUntil(at.plusSeconds(seconds)).build());
    }

    /** An Unmute of {@code userId}. */
    public static ModerationAction unmute(Caller caller, String userId, ModerationRequests.Reason request, Instant now,
            String requestId) {
        requireUser(userId);
        return action(caller, userId, reason(request.reason()), null, now.truncatedTo(ChronoUnit.MILLIS), requestId,
                "unmute", new Unmute());
    }

    /** A Redact of message {@code seq} of a conversation, keyed by the message's author. */
    public static ModerationAction redact(Caller caller, String authorId, String conversationId, long seq,
            ModerationRequests.Reason request, Instant now, String requestId) {
        return action(caller, authorId, reason(request.reason()), null, now.truncatedTo(ChronoUnit.MILLIS), requestId,
                "redact\u0000" + conversationId + '\u0000' + seq,
                Redact.newBuilder().setConversationId(conversationId).setSeq(seq).build());
    }

    /**
     * An appeal upheld: an Unmute of the appealing user, naming the verdict appealed if given, its
     * reason prefixed {@value #APPEAL_PREFIX}.
     */
    public static ModerationAction appeal(Caller caller, ModerationRequests.Appeal request, Instant now, String requestId) {
        if (request.userId() == null) {
            throw ApiException.badRequest("missing_field", "user_id is required");
        }
        requireUser(request.userId());
        if (request.verdictId() != null && !VERDICT_ID.matcher(request.verdictId()).matches()) {
            throw ApiException.badRequest("invalid_field", "verdict_id must be 1-128 printable ASCII characters");
        }
        return action(caller, request.userId(), APPEAL_PREFIX + reason(request.reason()), request.verdictId(),
                now.truncatedTo(ChronoUnit.MILLIS), requestId, "appeal", new Unmute());
    }

    /** The new version of rule {@code ruleId}, by the caller, at {@code now}. */
    public static ModerationRule rule(Caller caller, String ruleId, ModerationRequests.Rule request, Instant now) {
        requireRuleId(ruleId);
        if (request.enabled() == null) {
            throw ApiException.badRequest("missing_field", "enabled is required");
        }
        if (request.severity() == null) {
            throw ApiException.badRequest("missing_field", "severity is required");
        }
        return ModerationRule.newBuilder()
                .setRuleId(ruleId)
                .setEnabled(request.enabled())
                .setSeverity(severity(request.severity(), "invalid_severity", "severity"))
                .setWords(words(request.words()))
                .setParams(params(request.params()))
                .setUpdatedBy(actor(caller))
                .setUpdatedAt(now.truncatedTo(ChronoUnit.MILLIS))
                .build();
    }

    /** {@code 400 invalid_rule_id} unless {@code ruleId} is 1-64 characters of {@code [A-Za-z0-9_.-]}. */
    public static void requireRuleId(String ruleId) {
        if (!RULE_ID.matcher(ruleId).matches()) {
            throw ApiException.badRequest("invalid_rule_id", "a rule id is 1-64 characters of [A-Za-z0-9_.-]");
        }
    }

    /** {@code 400 invalid_user_id} unless {@code userId} is a user id. */
    public static void requireUser(String userId) {
        if (!Ids.isUserId(userId)) {
            throw ApiException.badRequest("invalid_user_id", "'" + userId + "' is not a user id");
        }
    }

    /** A severity by its exact name (LOW, MEDIUM, HIGH, CRITICAL), else 400 with {@code code} naming {@code field}. */
    public static Severity severity(String name, String code, String field) {
        for (Severity s : Severity.values()) {
            if (s.name().equals(name)) {
                return s;
            }
        }
        throw ApiException.badRequest(code, field + " must be one of LOW, MEDIUM, HIGH, CRITICAL");
    }

    /**
     * The action's id: with an {@code Idempotency-Key}, the same for every retry of the request (so routing
     * redacts once however often it is retried); without, a random one.
     */
    static String actionId(Caller caller, String userId, String what, String requestId) {
        if (requestId == null) {
            return UUID.randomUUID().toString();
        }
        if (!Ids.isClientMsgId(requestId)) {
            throw ApiException.badRequest("invalid_request_id", "Idempotency-Key must be 1-64 printable ASCII characters without spaces");
        }
        return UUID.nameUUIDFromBytes(String.join("\u0000", actor(caller), userId, what, requestId)
                .getBytes(StandardCharsets.UTF_8)).toString();
    }

    private static ModerationAction action(Caller caller, String userId, String reason, String verdictId, Instant at,
            String requestId, String what, Object payload) {
        return ModerationAction.newBuilder()
                .setActionId(actionId(caller, userId, what, requestId))
                .setUserId(userId)
                .setIssuedBy(actor(caller))
                .setReason(reason)
                .setVerdictId(verdictId)
                .setIssuedAt(at)
                .setAction(payload)
                .build();
    }

    private static String reason(String reason) {
        if (reason == null || reason.isBlank()) {
            throw ApiException.badRequest("missing_field", "reason is required: say why, for the audit trail");
        }
        String trimmed = reason.strip();
        if (trimmed.codePointCount(0, trimmed.length()) > MAX_REASON_CHARS) {
            throw ApiException.badRequest("invalid_reason", "reason must be at most " + MAX_REASON_CHARS + " characters");
        }
        return trimmed;
    }

    private static List<String> words(List<String> words) {
        if (words == null) {
            return List.of();
        }
        if (words.size() > MAX_WORDS) {
            throw ApiException.badRequest("invalid_words", "a rule has at most " + MAX_WORDS + " words, not " + words.size());
        }
        List<String> out = new ArrayList<>(words.size());
        for (int i = 0; i < words.size(); i++) {
            String w = words.get(i);
            if (w == null || w.isBlank() || w.codePointCount(0, w.length()) > MAX_WORD_CHARS) {
                throw ApiException.badRequest("invalid_words", "words[" + i + "] must be a phrase of 1-" + MAX_WORD_CHARS
                        + " characters");
            }
            out.add(w);
        }
        return out;
    }

    private static Map<String, String> params(Map<String, String> params) {
        if (params == null) {
            return Map.of();
        }
        if (params.size() > MAX_PARAMS) {
            throw ApiException.badRequest("invalid_params", "a rule has at most " + MAX_PARAMS + " params");
        }
        Map<String, String> out = new LinkedHashMap<>();
        for (Map.Entry<String, String> p : params.entrySet()) {
            if (!PARAM_NAME.matcher(p.getKey()).matches()) {
                throw ApiException.badRequest("invalid_params", "param names are lower-case words joined by '_', not '"
                        + p.getKey() + "'");
            }
            String value = p.getValue();
            if (value == null || value.isBlank() || value.length() > MAX_PARAM_VALUE_CHARS) {
                throw ApiException.badRequest("invalid_params", "params." + p.getKey() + " must be a string of 1-"
                        + MAX_PARAM_VALUE_CHARS + " characters");
            }
            out.put(p.getKey(), value);
        }
        return out;
    }
}
