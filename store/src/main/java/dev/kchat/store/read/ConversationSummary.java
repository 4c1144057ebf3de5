package dev.kchat.store.read;

import java.time.Instant;

/**
 * One line of a user's conversation list.
 *
 * @param kind {@code DIRECT}, {@code GROUP} or {@code CHANNEL}; null until the creation event is stored
 * @param active false once the user left or was removed
 * @param lastSeq newest seq the user can see: the conversation's last seq, or the seq at which the user
 *     left
 * @param readSeq the user's read position (0 if never read)
 * @param unread {@code lastSeq - readSeq}, never negative
 * @param lastMessagePreview null if no message yet or the last one was recalled, deleted or redacted
 */
public record ConversationSummary(
        String conversationId,
        String kind,
        String name,
        String role,
        boolean active,
        long lastSeq,
        long readSeq,
        long unread,
        Instant lastActivityAt,
        Long lastMessageSeq,
        String lastMessagePreview,
        String lastMessageSender) {
}
