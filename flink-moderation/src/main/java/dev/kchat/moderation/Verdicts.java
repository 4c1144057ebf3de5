package dev.kchat.moderation;

import dev.kchat.events.moderation.ChatMessageRef;
import dev.kchat.events.moderation.MomentRef;
import dev.kchat.events.moderation.Severity;
import dev.kchat.events.moderation.Verdict;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Objects;
import java.util.UUID;

/**
 * Building {@link Verdict} records, the one output of every detector.
 *
 * <p>A verdict's id is a name-based UUID of (rule, subject, ref, detected_at), and detected_at is
 * the event time of the record that triggered it, never the wall clock. Replaying the same input
 * (a Flink restore from a checkpoint) therefore yields the same verdicts with the same ids, and a
 * consumer can de-duplicate by id.
 */
public final class Verdicts {

    /** Rule name of {@link RateBurst} verdicts. */
    public static final String RATE_BURST = "rate_burst";
    /** Rule name of {@link Flood} verdicts. */
    public static final String FLOOD = "flood";
    /** Rule name of {@link StrangerSpam} verdicts. */
    public static final String STRANGER_SPAM = "stranger_spam";
    /** Evidence is for reviewers, not an archive: it is cut to this many characters. */
    public static final int MAX_EVIDENCE_LENGTH = 1_000;

    private Verdicts() {
    }

    /**
     * A verdict.
     *
     * @param rule          a detector's rule name or a dictionary rule id
     * @param severity      how serious
     * @param subjectUserId the sender or author it is about (the topic key)
     * @param ref           a {@link ChatMessageRef}, a {@link MomentRef}, or null for behaviour
     *                      not tied to one item
     * @param detectedAt    event time of the triggering record
     * @param evidence      what matched, for reviewers; cut to {@link #MAX_EVIDENCE_LENGTH}
     * @throws IllegalArgumentException if {@code ref} is of another type
     */
    public static Verdict verdict(String rule, Severity severity, String subjectUserId, Object ref,
                                  Instant detectedAt, String evidence) {
        Objects.requireNonNull(rule, "rule");
        Objects.requireNonNull(severity, "severity");
        Objects.requireNonNull(subjectUserId, "subjectUserId");
        Objects.requireNonNull(detectedAt, "detectedAt");
        String name = rule + '\u0000' + subjectUserId + '\u0000' + refKey(ref) + '\u0000' + detectedAt.toEpochMilli();
        return Verdict.newBuilder()
                .setVerdictId(UUID.nameUUIDFromBytes(name.getBytes(StandardCharsets.UTF_8)).toString())
                .setSubjectUserId(subjectUserId)
                .setRule(rule)
                .setSeverity(severity)
                .setRef(ref)
                .setDetectedAt(detectedAt)
                .setEvidence(evidence == null || evidence.length() <= MAX_EVIDENCE_LENGTH
                        ? evidence
                        : evidence.substring(0, MAX_EVIDENCE_LENGTH - 1) + "…")
                .build();
    }

    /** A stable text form of a ref, part of the verdict id. */
    static String refKey(Object ref) {
        if (ref == null) {
            return "-";
        }
        if (ref instanceof ChatMessageRef chat) {
            return "chat:" + chat.getConversationId() + ':' + chat.getSeq();
        }
        if (ref instanceof MomentRef moment) {
            return "moment:" + moment.getPostId() + ':' + (moment.getCommentId() == null ? "" : moment.getCommentId());
        }
        throw new IllegalArgumentException("a verdict's ref is a ChatMessageRef, a MomentRef or null, not "
                + ref.getClass().getName());
    }
}
