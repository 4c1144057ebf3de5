package dev.kchat.moderation.job;

import dev.kchat.events.moderation.ChatMessageRef;
import dev.kchat.events.moderation.MomentRef;
import dev.kchat.events.moderation.Severity;
import dev.kchat.events.moderation.Verdict;
import java.time.Instant;

/**
 * A verdict in flight between the detectors and the sinks, with what the action policy decided
 * for it. The fields of {@link Verdict} flattened into basic types (a Flink POJO); {@link #toVerdict}
 * gives the record written to {@code moderation.verdicts}.
 *
 * @param muteMillis how long to mute the subject from {@code detectedAt}; 0 for no mute
 * @param redact     whether to redact the chat message the verdict refers to
 */
public record Detection(String verdictId, String rule, Severity severity, String subjectUserId,
        String conversationId, long seq, String messageId, String postId, String commentId,
        long detectedAt, String evidence, long muteMillis, boolean redact) {

    /** A detector's verdict with the policy's decision. */
    public static Detection of(Verdict verdict, ActionPolicy.Decision decision) {
        String conversationId = null;
        long seq = 0;
        String messageId = null;
        String postId = null;
        String commentId = null;
        if (verdict.getRef() instanceof ChatMessageRef chat) {
            conversationId = chat.getConversationId();
            seq = chat.getSeq();
            messageId = chat.getMessageId();
        } else if (verdict.getRef() instanceof MomentRef moment) {
            postId = moment.getPostId();
            commentId = moment.getCommentId();
        }
        return new Detection(verdict.getVerdictId(), verdict.getRule(), verdict.getSeverity(), verdict.getSubjectUserId(),
                conversationId, seq, messageId, postId, commentId, verdict.getDetectedAt().toEpochMilli(),
                verdict.getEvidence(), decision.muteMillis(), decision.redact());
    }

    /** Whether the verdict is about a chat message (which a Redact can target). */
    public boolean isAboutChatMessage() {
        return conversationId != null;
    }

    /** The record for {@code moderation.verdicts}. */
    public Verdict toVerdict() {
        Object ref = null;
        if (conversationId != null) {
            ref = ChatMessageRef.newBuilder().setConversationId(conversationId).setSeq(seq).setMessageId(messageId).build();
        } else if (postId != null) {
            ref = MomentRef.newBuilder().setPostId(postId).setCommentId(commentId).build();
        }
        return Verdict.newBuilder()
                .setVerdictId(verdictId)
                .setSubjectUserId(subjectUserId)
                .setRule(rule)
                .setSeverity(severity)
                .setRef(ref)
                .setDetectedAt(Instant.ofEpochMilli(detectedAt))
                .setEvidence(evidence)
                .build();
    }
}
