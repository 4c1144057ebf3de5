package dev.kchat.moderation.job;

import dev.kchat.events.moderation.ModerationAction;
import dev.kchat.events.moderation.Mute;
import dev.kchat.events.moderation.Redact;
import java.time.Instant;

/**
 * An action in flight to {@code moderation.actions}: a mute of a user or the redaction of a
 * message. A Flink POJO; {@link #toAction} gives the record routing enforces.
 *
 * @param actionId  deterministic: derived from the verdict id and the action type
 * @param userId    the user acted upon (the topic key)
 * @param issuedAt  event time of the verdict, epoch ms (not the wall clock: a replay gives the same record)
 * @param muteUntil for a mute, epoch ms until which the user cannot send
 * @param conversationId for a redaction, the message's conversation
 * @param seq       for a redaction, the message's seq
 */
public record Enforcement(String actionId, Type type, String userId, String reason, String verdictId, long issuedAt,
        long muteUntil, String conversationId, long seq) {

    /** The action kinds the job issues; it never issues {@code Unmute} (a mute ends at its {@code until}). */
    public enum Type { MUTE, REDACT }

    /** Who issued the job's actions, as {@code issued_by}. */
    public static final String ISSUED_BY = "flink-moderation";

    /** The record for {@code moderation.actions}. */
    public ModerationAction toAction() {
        Object action = switch (type) {
            case MUTE -> Mute.newBuilder().setUntil(Instant.ofEpochMilli(muteUntil)).build();
            case REDACT -> Redact.newBuilder().setConversationId(conversationId).setSeq(seq).build();
        };
        return ModerationAction.newBuilder()
                .setActionId(actionId)
                .setUserId(userId)
                .setIssuedBy(ISSUED_BY)
                .setReason(reason)
                .setVerdictId(verdictId)
                .setIssuedAt(Instant.ofEpochMilli(issuedAt))
                .setAction(action)
                .build();
    }
}
