package dev.kchat.store.write;

import static dev.kchat.store.write.ChatRows.finish;
import static dev.kchat.store.write.ChatRows.isRemoval;
import static dev.kchat.store.write.ChatRows.preview;
import static dev.kchat.store.write.ChatRows.targetSeqOf;
import static dev.kchat.store.write.ChatRows.typeOf;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.BoundStatement;
import com.datastax.oss.driver.api.core.cql.PreparedStatement;
import dev.kchat.events.chat.ConversationEvent;
import dev.kchat.events.chat.InboxEntry;
import dev.kchat.events.chat.MessagePosted;
import dev.kchat.events.chat.MessageStatusChanged;
import dev.kchat.events.chat.ReadPositionChanged;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The upserts that store one entry of {@code chat.inbox}: the entry itself, the user's inbox head,
 * the user's view of the conversation, and the receipt state a {@code MessageStatusChanged} carries.
 * Pure apart from preparing its statements once. Used by the chat writer.
 */
final class InboxEntryStatements {

    private final PreparedStatement userConversationSeen;
    private final PreparedStatement userConversationPreview;
    private final PreparedStatement userConversationPreviewRemoved;
    private final PreparedStatement userConversationRead;
    private final PreparedStatement userConversationDelivered;
    private final PreparedStatement receiptCounts;
    private final PreparedStatement insertInbox;
    private final PreparedStatement inboxHead;

    /** Prepares the statements against {@code keyspace}, which the migrations must have created. */
    InboxEntryStatements(CqlSession session, String keyspace) {
        String cu = keyspace + ".conversations_by_user";
        userConversationSeen = session.prepare("UPDATE " + cu + " USING TIMESTAMP :ts"
                + " SET last_seq = :last_seq, last_activity_at = :last_activity_at"
                + " WHERE user_id = :user_id AND conversation_id = :conversation_id");
        userConversationPreview = session.prepare("UPDATE " + cu + " USING TIMESTAMP :ts"
                + " SET last_message_seq = :last_message_seq, last_message_preview = :preview, last_message_sender = :sender"
                + " WHERE user_id = :user_id AND conversation_id = :conversation_id");
        userConversationPreviewRemoved = session.prepare("DELETE last_message_preview FROM " + cu + " USING TIMESTAMP :ts"
                + " WHERE user_id = :user_id AND conversation_id = :conversation_id");
        userConversationRead = session.prepare("UPDATE " + cu + " USING TIMESTAMP :ts SET read_seq = :read_seq"
                + " WHERE user_id = :user_id AND conversation_id = :conversation_id");
        insertInbox = session.prepare("INSERT INTO " + keyspace + ".inbox_by_user"
                + " (user_id, bucket, inbox_seq, conversation_id, conv_seq, item_type, created_at, entry)"
                + " VALUES (:user_id, :bucket, :inbox_seq, :conversation_id, :conv_seq, :item_type, :created_at, :entry)"
                + " USING TIMESTAMP :ts");
        userConversationDelivered = session.prepare("UPDATE " + cu + " USING TIMESTAMP :ts SET delivered_seq = :delivered_seq"
                + " WHERE user_id = :user_id AND conversation_id = :conversation_id");
        receiptCounts = session.prepare("UPDATE " + keyspace + ".receipt_counts_by_message USING TIMESTAMP :ts"
                + " SET delivered_count = :delivered_count, read_count = :read_count"
                + " WHERE conversation_id = :conversation_id AND bucket = :bucket AND seq = :seq");
        inboxHead = session.prepare("UPDATE " + keyspace + ".inbox_heads USING TIMESTAMP :ts"
                + " SET last_inbox_seq = :last_inbox_seq WHERE user_id = :user_id");
    }

    /**
     * The upserts that store one inbox entry: the entry itself in {@code inbox_by_user} (its bytes as
     * delivered, so a device's sync replays exactly what it would have received live), the user's inbox
     * head in {@code inbox_heads} (only ever moves forward), and the user's
     * view of the conversation in {@code conversations_by_user} (last seq and preview from a carried
     * conversation event, read position from {@code ReadPositionChanged}), and what a
     * {@code MessageStatusChanged} to an author says for "who got my message": the recipient's
     * delivered position (per-recipient statuses) or the message's counts.
     *
     * @param rawValue the record's value exactly as read from the topic (Confluent wire format)
     * @throws IllegalArgumentException if the entry cannot be stored (bad inbox seq)
     */
    List<BoundStatement> statementsFor(InboxEntry entry, byte[] rawValue) {
        Objects.requireNonNull(entry.getUserId(), "user_id");
        String userId = entry.getUserId();
        long inboxSeq = entry.getInboxSeq();
        List<BoundStatement> out = new ArrayList<>();
        out.add(finish(insertInbox.boundStatementBuilder()
                .setLong("ts", WriteTimestamps.of(inboxSeq))
                .setString("user_id", userId)
                .setLong("bucket", Buckets.inboxBucket(inboxSeq))
                .setLong("inbox_seq", inboxSeq)
                .setString("conversation_id", entry.getConversationId())
                .set("conv_seq", entry.getConvSeq(), Long.class)
                .setString("item_type", typeOf(entry.getItem()))
                .setInstant("created_at", entry.getCreatedAt())
                .setByteBuffer("entry", ByteBuffer.wrap(rawValue))));
        out.add(finish(inboxHead.boundStatementBuilder()
                .setLong("ts", WriteTimestamps.of(inboxSeq))
                .setString("user_id", userId)
                .setLong("last_inbox_seq", inboxSeq)));
        Object item = entry.getItem();
        if (dev.kchat.schemas.Ids.serverOf(entry.getConversationId()) != null) {
            // A server's channels are not in the conversation list: their read state and mentions are
            // the server's (ServerWriter), listed with the server's channels.
            return out;
        }
        if (item instanceof ConversationEvent event) {
            long ts = WriteTimestamps.of(event.getSeq());
            String conversationId = event.getConversationId();
            out.add(finish(userConversationSeen.boundStatementBuilder()
                    .setLong("ts", ts)
                    .setString("user_id", userId)
                    .setString("conversation_id", conversationId)
                    .setLong("last_seq", event.getSeq())
                    .setInstant("last_activity_at", event.getOccurredAt())));
            if (event.getPayload() instanceof MessagePosted posted) {
                out.add(finish(userConversationPreview.boundStatementBuilder()
                        .setLong("ts", ts)
                        .setString("user_id", userId)
                        .setString("conversation_id", conversationId)
                        .setLong("last_message_seq", event.getSeq())
                        .setString("preview", preview(posted))
                        .setString("sender", event.getActorId())));
                if (event.getActorId().equals(userId)) {
                    // What one sends oneself is read: the sender's unread count does not grow with it.
                    out.add(finish(userConversationRead.boundStatementBuilder()
                            .setLong("ts", ts)
                            .setString("user_id", userId)
                            .setString("conversation_id", conversationId)
                            .setLong("read_seq", event.getSeq())));
                }
            } else if (isRemoval(event.getPayload())) {
                out.add(finish(userConversationPreviewRemoved.boundStatementBuilder()
                        .setLong("ts", WriteTimestamps.of(targetSeqOf(event.getPayload())))
                        .setString("user_id", userId)
                        .setString("conversation_id", conversationId)));
            }
        } else if (item instanceof ReadPositionChanged read) {
            // Timestamp = the read seq: a stale or replayed position never moves the marker backwards.
            out.add(finish(userConversationRead.boundStatementBuilder()
                    .setLong("ts", WriteTimestamps.of(Math.max(1, read.getReadSeq())))
                    .setString("user_id", userId)
                    .setString("conversation_id", read.getConversationId())
                    .setLong("read_seq", read.getReadSeq())));
        } else if (item instanceof MessageStatusChanged status) {
            out.addAll(statusChanges(status, inboxSeq));
        }
        return out;
    }

    /**
     * A status to an author, stored for receipts on demand. Per recipient ({@code by_user_id} set): the
     * recipient got the author's messages up to {@code up_to_seq} (READ includes delivered), written to
     * the recipient's {@code delivered_seq} at timestamp = that seq, so it only moves forward, like
     * {@code read_seq}. Counts: the message's row in {@code receipt_counts_by_message} at timestamp = the
     * author's inbox seq, so the newest status wins.
     */
    private List<BoundStatement> statusChanges(MessageStatusChanged status, long inboxSeq) {
        long upTo = status.getUpToSeq();
        if (upTo < 1) {
            return List.of();
        }
        if (status.getByUserId() != null) {
            return List.of(finish(userConversationDelivered.boundStatementBuilder()
                    .setLong("ts", WriteTimestamps.of(upTo))
                    .setString("user_id", status.getByUserId())
                    .setString("conversation_id", status.getConversationId())
                    .setLong("delivered_seq", upTo)));
        }
        return List.of(finish(receiptCounts.boundStatementBuilder()
                .setLong("ts", WriteTimestamps.of(inboxSeq))
                .setString("conversation_id", status.getConversationId())
                .setLong("bucket", Buckets.messageBucket(upTo))
                .setLong("seq", upTo)
                .setInt("delivered_count", status.getDeliveredCount())
                .setInt("read_count", status.getReadCount())));
    }
}
