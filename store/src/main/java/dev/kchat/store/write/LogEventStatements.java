package dev.kchat.store.write;

import static dev.kchat.store.write.ChatRows.finish;
import static dev.kchat.store.write.ChatRows.isRemoval;
import static dev.kchat.store.write.ChatRows.preview;
import static dev.kchat.store.write.ChatRows.targetSeqOf;
import static dev.kchat.store.write.ChatRows.typeOf;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.BoundStatement;
import com.datastax.oss.driver.api.core.cql.BoundStatementBuilder;
import com.datastax.oss.driver.api.core.cql.PreparedStatement;
import com.datastax.oss.driver.api.core.data.UdtValue;
import com.datastax.oss.driver.api.core.type.ListType;
import com.datastax.oss.driver.api.core.type.UserDefinedType;
import dev.kchat.events.chat.ConversationCreated;
import dev.kchat.events.chat.ConversationEvent;
import dev.kchat.events.chat.ConversationRenamed;
import dev.kchat.events.chat.MessageDeleted;
import dev.kchat.events.chat.MessageEdited;
import dev.kchat.events.chat.MessagePosted;
import dev.kchat.events.chat.MessageRecalled;
import dev.kchat.events.chat.MessageRedacted;
import dev.kchat.events.chat.ReactionAdded;
import dev.kchat.events.chat.ReactionRemoved;
import dev.kchat.events.common.Attachment;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The upserts that store one event of {@code chat.conversation.log}: its own row in
 * {@code messages_by_conversation}, the change it makes to its target message, to the message's
 * reactions, to {@code conversations} and (through {@link MembershipStatements}) to membership.
 * Pure apart from preparing its statements once. Used by the chat writer.
 */
final class LogEventStatements {

    /** Values of the {@code status} column of a message row. */
    enum MessageStatus { POSTED, EDITED, RECALLED, DELETED, REDACTED }

    private final UserDefinedType attachmentType;
    private final PreparedStatement insertEvent;
    private final PreparedStatement addReaction;
    private final PreparedStatement removeReaction;
    private final PreparedStatement insertPosted;
    private final PreparedStatement editTarget;
    private final PreparedStatement removeTarget;
    private final PreparedStatement conversationSeen;
    private final PreparedStatement conversationCreated;
    private final PreparedStatement conversationRenamed;
    private final PreparedStatement conversationPreview;
    private final PreparedStatement conversationPreviewRemoved;
    private final MembershipStatements membership;

    /** Prepares the statements against {@code keyspace}, which the migrations must have created. */
    LogEventStatements(CqlSession session, String keyspace) {
        String m = keyspace + ".messages_by_conversation";
        String c = keyspace + ".conversations";
        insertEvent = session.prepare("INSERT INTO " + m
                + " (conversation_id, bucket, seq, event_id, event_type, actor_id, actor_device_id, occurred_at, target_seq, event)"
                + " VALUES (:conversation_id, :bucket, :seq, :event_id, :event_type, :actor_id, :actor_device_id, :occurred_at, :target_seq, :event)"
                + " USING TIMESTAMP :ts");
        insertPosted = session.prepare("INSERT INTO " + m
                + " (conversation_id, bucket, seq, event_id, event_type, actor_id, actor_device_id, occurred_at,"
                + " message_id, client_msg_id, body, reply_to_seq, mentions, attachments, status, last_change_seq, event)"
                + " VALUES (:conversation_id, :bucket, :seq, :event_id, :event_type, :actor_id, :actor_device_id, :occurred_at,"
                + " :message_id, :client_msg_id, :body, :reply_to_seq, :mentions, :attachments, :status, :last_change_seq, :event)"
                + " USING TIMESTAMP :ts");
        // The attachment type as the server described it when preparing: the session's schema metadata
        // can lag a migration that just added fields to the type (V007), and a value built from a stale
        // type would silently drop them.
        this.attachmentType = (UserDefinedType) ((ListType) insertPosted.getVariableDefinitions().get("attachments").getType())
                .getElementType();
        editTarget = session.prepare("UPDATE " + m + " USING TIMESTAMP :ts"
                + " SET body = :body, status = :status, last_change_seq = :last_change_seq, edited_at = :edited_at"
                + " WHERE conversation_id = :conversation_id AND bucket = :bucket AND seq = :seq");
        addReaction = session.prepare("INSERT INTO " + keyspace + ".reactions_by_message"
                + " (conversation_id, bucket, seq, emoji, user_id) VALUES (:conversation_id, :bucket, :seq, :emoji, :user_id)"
                + " USING TIMESTAMP :ts");
        removeReaction = session.prepare("DELETE FROM " + keyspace + ".reactions_by_message USING TIMESTAMP :ts"
                + " WHERE conversation_id = :conversation_id AND bucket = :bucket AND seq = :seq AND emoji = :emoji"
                + " AND user_id = :user_id");
        // Content cells go; the row stays so history keeps its seq and clients show "message recalled".
        removeTarget = session.prepare("UPDATE " + m + " USING TIMESTAMP :ts"
                + " SET body = null, mentions = null, attachments = null, event = null,"
                + " status = :status, last_change_seq = :last_change_seq, redaction_rule = :redaction_rule"
                + " WHERE conversation_id = :conversation_id AND bucket = :bucket AND seq = :seq");
        conversationSeen = session.prepare("UPDATE " + c + " USING TIMESTAMP :ts"
                + " SET last_seq = :last_seq, last_activity_at = :last_activity_at WHERE conversation_id = :conversation_id");
        conversationCreated = session.prepare("UPDATE " + c + " USING TIMESTAMP :ts"
                + " SET kind = :kind, name = :name, created_by = :created_by, created_at = :created_at"
                + " WHERE conversation_id = :conversation_id");
        conversationRenamed = session.prepare("UPDATE " + c + " USING TIMESTAMP :ts SET name = :name"
                + " WHERE conversation_id = :conversation_id");
        conversationPreview = session.prepare("UPDATE " + c + " USING TIMESTAMP :ts"
                + " SET last_message_seq = :last_message_seq, last_message_preview = :preview, last_message_sender = :sender"
                + " WHERE conversation_id = :conversation_id");
        // Written at the target's own timestamp: deletes the preview only if it still shows that message
        // (a tombstone wins a tie, a newer message's preview has a higher timestamp).
        conversationPreviewRemoved = session.prepare("DELETE last_message_preview FROM " + c + " USING TIMESTAMP :ts"
                + " WHERE conversation_id = :conversation_id");
        membership = new MembershipStatements(session, keyspace);
    }

    /**
     * The upserts that store one event of the conversation log: its own row in
     * {@code messages_by_conversation} (every event, so history has no gaps), the change it makes to
     * its target message (edit, recall, delete, redaction), to {@code conversations} (last seq,
     * activity, preview, name) and to membership ({@code members_by_conversation},
     * {@code conversations_by_user}).
     *
     * @param rawValue the record's value exactly as read from the topic (Confluent wire format)
     * @throws IllegalArgumentException if the event cannot be stored (bad seq, unknown payload)
     */
    List<BoundStatement> statementsFor(ConversationEvent event, byte[] rawValue) {
        Objects.requireNonNull(event.getConversationId(), "conversation_id");
        String conversationId = event.getConversationId();
        long seq = event.getSeq();
        long ts = WriteTimestamps.of(seq);
        Object payload = event.getPayload();
        List<BoundStatement> out = new ArrayList<>();

        if (payload instanceof MessagePosted posted) {
            out.add(finish(messageKey(insertPosted.boundStatementBuilder(), conversationId, seq, ts)
                    .setString("event_id", event.getEventId())
                    .setString("event_type", typeOf(payload))
                    .setString("actor_id", event.getActorId())
                    .setString("actor_device_id", event.getActorDeviceId())
                    .setInstant("occurred_at", event.getOccurredAt())
                    .setString("message_id", posted.getMessageId())
                    .setString("client_msg_id", posted.getClientMsgId())
                    .setString("body", posted.getBody())
                    .set("reply_to_seq", posted.getReplyToSeq(), Long.class)
                    .setList("mentions", posted.getMentions(), String.class)
                    .setList("attachments", attachments(posted.getAttachments()), UdtValue.class)
                    .setString("status", MessageStatus.POSTED.name())
                    .setLong("last_change_seq", seq)
                    .setByteBuffer("event", ByteBuffer.wrap(rawValue))));
            out.add(finish(conversationPreview.boundStatementBuilder()
                    .setLong("ts", ts)
                    .setString("conversation_id", conversationId)
                    .setLong("last_message_seq", seq)
                    .setString("preview", preview(posted))
                    .setString("sender", event.getActorId())));
        } else {
            Long targetSeq = targetSeqOf(payload);
            BoundStatementBuilder row = messageKey(insertEvent.boundStatementBuilder(), conversationId, seq, ts)
                    .setString("event_id", event.getEventId())
                    .setString("event_type", typeOf(payload))
                    .setString("actor_id", event.getActorId())
                    .setString("actor_device_id", event.getActorDeviceId())
                    .setInstant("occurred_at", event.getOccurredAt())
                    .set("target_seq", targetSeq, Long.class);
            // An edit's row carries no content: the new body lives in the target row only, so a later
            // recall or redaction of the target removes it everywhere.
            if (!(payload instanceof MessageEdited)) {
                row.setByteBuffer("event", ByteBuffer.wrap(rawValue));
            }
            out.add(finish(row));
            out.addAll(targetChanges(event, payload));
            out.addAll(reactionChanges(event, payload));
            out.addAll(conversationChanges(event, payload));
            out.addAll(membership.statementsFor(conversationId, seq, payload));
        }
        out.add(finish(conversationSeen.boundStatementBuilder()
                .setLong("ts", ts)
                .setString("conversation_id", conversationId)
                .setLong("last_seq", seq)
                .setInstant("last_activity_at", event.getOccurredAt())));
        return out;
    }

    /** One row per (message, emoji, user): added and removed at the reaction event's seq. */
    private List<BoundStatement> reactionChanges(ConversationEvent event, Object payload) {
        String emoji;
        long target;
        PreparedStatement statement;
        if (payload instanceof ReactionAdded added) {
            emoji = added.getEmoji();
            target = added.getTargetSeq();
            statement = addReaction;
        } else if (payload instanceof ReactionRemoved removed) {
            emoji = removed.getEmoji();
            target = removed.getTargetSeq();
            statement = removeReaction;
        } else {
            return List.of();
        }
        return List.of(finish(statement.boundStatementBuilder()
                .setLong("ts", WriteTimestamps.of(event.getSeq()))
                .setString("conversation_id", event.getConversationId())
                .setLong("bucket", Buckets.messageBucket(target))
                .setLong("seq", target)
                .setString("emoji", emoji)
                .setString("user_id", event.getActorId())));
    }

    private List<BoundStatement> targetChanges(ConversationEvent event, Object payload) {
        String conversationId = event.getConversationId();
        long seq = event.getSeq();
        if (payload instanceof MessageEdited edited) {
            return List.of(finish(messageKey(editTarget.boundStatementBuilder(), conversationId, edited.getTargetSeq(),
                    WriteTimestamps.of(seq))
                    .setString("body", edited.getBody())
                    .setString("status", MessageStatus.EDITED.name())
                    .setLong("last_change_seq", seq)
                    .setInstant("edited_at", event.getOccurredAt())));
        }
        if (!isRemoval(payload)) {
            return List.of();
        }
        long target = targetSeqOf(payload);
        MessageStatus status = payload instanceof MessageRecalled ? MessageStatus.RECALLED
                : payload instanceof MessageDeleted ? MessageStatus.DELETED : MessageStatus.REDACTED;
        String rule = payload instanceof MessageRedacted redacted ? redacted.getRule() : null;
        return List.of(
                finish(messageKey(removeTarget.boundStatementBuilder(), conversationId, target, WriteTimestamps.terminal(seq))
                        .setString("status", status.name())
                        .setLong("last_change_seq", seq)
                        .setString("redaction_rule", rule)),
                finish(conversationPreviewRemoved.boundStatementBuilder()
                        .setLong("ts", WriteTimestamps.of(target))
                        .setString("conversation_id", conversationId)));
    }

    private List<BoundStatement> conversationChanges(ConversationEvent event, Object payload) {
        long ts = WriteTimestamps.of(event.getSeq());
        if (payload instanceof ConversationCreated created) {
            return List.of(finish(conversationCreated.boundStatementBuilder()
                    .setLong("ts", ts)
                    .setString("conversation_id", event.getConversationId())
                    .setString("kind", created.getKind().name())
                    .setString("name", created.getName())
                    .setString("created_by", event.getActorId())
                    .setInstant("created_at", event.getOccurredAt())));
        }
        if (payload instanceof ConversationRenamed renamed) {
            return List.of(finish(conversationRenamed.boundStatementBuilder()
                    .setLong("ts", ts)
                    .setString("conversation_id", event.getConversationId())
                    .setString("name", renamed.getName())));
        }
        return List.of();
    }

    private static BoundStatementBuilder messageKey(BoundStatementBuilder b, String conversationId, long seq, long ts) {
        WriteTimestamps.of(seq);
        return b.setLong("ts", ts)
                .setString("conversation_id", conversationId)
                .setLong("bucket", Buckets.messageBucket(seq))
                .setLong("seq", seq);
    }

    private List<UdtValue> attachments(List<Attachment> attachments) {
        List<UdtValue> out = new ArrayList<>(attachments.size());
        for (Attachment a : attachments) {
            out.add(attachmentType.newValue(a.getUrl(), a.getMimeType(), a.getSizeBytes(), a.getName(), a.getMediaId(), a.getWidth(),
                    a.getHeight()));
        }
        return out;
    }
}
