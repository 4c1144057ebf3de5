package dev.kchat.store.read;

import java.nio.ByteBuffer;
import java.time.Instant;

/**
 * One entry of a user's inbox, as delivered.
 *
 * @param itemType the item's Avro record name ({@code ConversationEvent}, {@code ReadPositionChanged}, ...)
 * @param entry the {@code InboxEntry} exactly as on {@code chat.inbox} (Confluent wire format): decode it
 *     with the inbox topic's value serde
 */
public record StoredInboxEntry(
        String userId,
        long inboxSeq,
        String conversationId,
        Long convSeq,
        String itemType,
        Instant createdAt,
        ByteBuffer entry) {
}
