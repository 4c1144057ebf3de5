package dev.kchat.ingress.moderation;

import java.util.List;
import java.util.Map;

/**
 * Request bodies of the trust-and-safety API (JSON, snake_case, bound strictly by {@code ApiJson}).
 * Validation lives in {@link ModerationFactory}.
 */
public final class ModerationRequests {

    private ModerationRequests() {
    }

    /** {@code POST /v1/moderation/users/{user}/mute}. */
    public record Mute(Long durationSeconds, String reason) {
    }

    /** {@code POST /v1/moderation/users/{user}/unmute} and {@code .../messages/{seq}/redact}. */
    public record Reason(String reason) {
    }

    /** {@code PUT /v1/moderation/rules/{rule_id}}. */
    public record Rule(Boolean enabled, String severity, List<String> words, Map<String, String> params) {
    }

    /** {@code POST /v1/moderation/appeals}. */
    public record Appeal(String userId, String verdictId, String reason) {
    }
}
