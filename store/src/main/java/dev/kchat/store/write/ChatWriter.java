package dev.kchat.store.write;

import com.datastax.oss.driver.api.core.ConsistencyLevel;
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
import dev.kchat.events.chat.InboxEntry;
import dev.kchat.events.chat.MemberJoined;
import dev.kchat.events.chat.MemberLeft;
import dev.kchat.events.chat.MessageDeleted;
import dev.kchat.events.chat.MessageEdited;
import dev.kchat.events.chat.MessagePosted;
import dev.kchat.events.chat.MessageRecalled;
import dev.kchat.events.chat.MessageRedacted;
import dev.kchat.events.chat.MessageStatusChanged;
import dev.kchat.events.chat.OwnershipTransferred;
import dev.kchat.events.chat.ReactionAdded;
import dev.kchat.events.chat.ReactionRemoved;
import dev.kchat.events.chat.ReadPositionChanged;
import dev.kchat.events.chat.RoleChanged;
import dev.kchat.events.common.Attachment;
import dev.kchat.events.common.Member;
import dev.kchat.events.common.MemberRole;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Turns the sequenced events of {@code chat.conversation.log} and the entries of {@code chat.inbox} into
 * idempotent CQL upserts. Pure apart from preparing its statements once: it returns statements, the
 * caller executes them (see {@link AsyncWriter}).
 *
 * <p>Every statement is an upsert with {@code USING TIMESTAMP} from {@link WriteTimestamps}, marked
 * idempotent (safe for driver retries and speculative execution), at {@code LOCAL_QUORUM}: acknowledged
 * writes survive the loss of a replica, and {@code LOCAL_QUORUM} reads see them.
 */
public final class ChatWriter {

    /** Consistency of every write. */
    public static final ConsistencyLevel WRITE_CONSISTENCY = ConsistencyLevel.LOCAL_QUORUM;
    /** Characters of a message body kept as the conversation-list preview. */
    public static final int PREVIEW_MAX_CHARS = 120;

    /** Values of the {@code status} column of a message row. */
    public enum MessageStatus { POSTED, EDITED, RECALLED, DELETED, REDACTED }

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
    private final PreparedStatement memberJoined;
    private final PreparedStatement memberLeft;
    private final PreparedStatement memberRole;
    private final PreparedStatement userConversationJoined;
    private final PreparedStatement userConversationLeft;
    private final PreparedStatement userConversationRole;
    private final PreparedStatement userConversationSeen;
    private final PreparedStatement userConversationPreview;
    private final PreparedStatement userConversationPreviewRemoved;
    private final PreparedStatement userConversationRead;
    private final PreparedStatement userConversationDelivered;
    private final PreparedStatement receiptCounts;
    private final PreparedStatement insertInbox;
    private final PreparedStatement inboxHead;

    /** Prepares the statements against {@code keyspace}, which the migrations must have created. */
    public ChatWriter(CqlSession session, String keyspace) {
        if (session.getMetadata().getKeyspace(keyspace).flatMap(ks -> ks.getUserDefinedType("attachment")).isEmpty()) {
            throw new IllegalStateException("type " + keyspace + ".attachment is missing: apply the migrations first");
        }
        String m = keyspace + ".messages_by_conversation";
        String c = keyspace + ".conversations";
        String mb = keyspace + ".members_by_conversation";
        String cu = keyspace + ".conversations_by_user";
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
        // Content cells go; the row stays so history keeps its seq and clients show "message recalled".
        addReaction = session.prepare("INSERT INTO " + keyspace + ".reactions_by_message"
                + " (conversation_id, bucket, seq, emoji, user_id) VALUES (:conversation_id, :bucket, :seq, :emoji, :user_id)"
                + " USING TIMESTAMP :ts");
        removeReaction = session.prepare("DELETE FROM " + keyspace + ".reactions_by_message USING TIMESTAMP :ts"
                + " WHERE conversation_id = :conversation_id AND bucket = :bucket AND seq = :seq AND emoji = :emoji"
                + " AND user_id = :user_id");
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
        memberJoined = session.prepare("UPDATE " + mb + " USING TIMESTAMP :ts"
                + " SET role = :role, active = true, joined_seq = :joined_seq, left_seq = null"
                + " WHERE conversation_id = :conversation_id AND user_id = :user_id");
        memberLeft = session.prepare("UPDATE " + mb + " USING TIMESTAMP :ts SET active = false, left_seq = :left_seq"
                + " WHERE conversation_id = :conversation_id AND user_id = :user_id");
        memberRole = session.prepare("UPDATE " + mb + " USING TIMESTAMP :ts SET role = :role"
                + " WHERE conversation_id = :conversation_id AND user_id = :user_id");
        userConversationJoined = session.prepare("UPDATE " + cu + " USING TIMESTAMP :ts"
                + " SET role = :role, active = true, joined_seq = :joined_seq, left_seq = null"
                + " WHERE user_id = :user_id AND conversation_id = :conversation_id");
        userConversationLeft = session.prepare("UPDATE " + cu + " USING TIMESTAMP :ts SET active = false, left_seq = :left_seq"
                + " WHERE user_id = :user_id AND conversation_id = :conversation_id");
        userConversationRole = session.prepare("UPDATE " + cu + " USING TIMESTAMP :ts SET role = :role"
                + " WHERE user_id = :user_id AND conversation_id = :conversation_id");
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
     * The upserts that store one event of the conversation log: its own row in
     * {@code messages_by_conversation} (every event, so history has no gaps), the change it makes to
     * its target message (edit, recall, delete, redaction), to {@code conversations} (last seq,
     * activity, preview, name) and to membership ({@code members_by_conversation},
     * {@code conversations_by_user}).
     *
     * @param rawValue the record's value exactly as read from the topic (Confluent wire format)
     * @throws IllegalArgumentException if the event cannot be stored (bad seq, unknown payload)
     */
    public List<BoundStatement> statementsFor(ConversationEvent event, byte[] rawValue) {
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
            out.addAll(membershipChanges(conversationId, seq, payload));
        }
        out.add(finish(conversationSeen.boundStatementBuilder()
                .setLong("ts", ts)
                .setString("conversation_id", conversationId)
                .setLong("last_seq", seq)
                .setInstant("last_activity_at", event.getOccurredAt())));
        return out;
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
    public List<BoundStatement> statementsFor(InboxEntry entry, byte[] rawValue) {
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

    private List<BoundStatement> membershipChanges(String conversationId, long seq, Object payload) {
        List<BoundStatement> out = new ArrayList<>();
        long ts = WriteTimestamps.of(seq);
        List<Member> joined = payload instanceof ConversationCreated created ? created.getMembers()
                : payload instanceof MemberJoined memberJoinedEvent ? memberJoinedEvent.getMembers() : List.of();
        for (Member member : joined) {
            for (PreparedStatement ps : List.of(memberJoined, userConversationJoined)) {
                out.add(finish(ps.boundStatementBuilder()
                        .setLong("ts", ts)
                        .setString("conversation_id", conversationId)
                        .setString("user_id", member.getUserId())
                        .setString("role", member.getRole().name())
                        .setLong("joined_seq", seq)));
            }
        }
        if (payload instanceof MemberLeft left) {
            for (PreparedStatement ps : List.of(memberLeft, userConversationLeft)) {
                out.add(finish(ps.boundStatementBuilder()
                        .setLong("ts", ts)
                        .setString("conversation_id", conversationId)
                        .setString("user_id", left.getUserId())
                        .setLong("left_seq", seq)));
            }
        } else if (payload instanceof RoleChanged changed) {
            out.addAll(roleChange(conversationId, ts, changed.getUserId(), changed.getRole()));
        } else if (payload instanceof OwnershipTransferred transferred) {
            out.addAll(roleChange(conversationId, ts, transferred.getPreviousOwnerId(), MemberRole.ADMIN));
            out.addAll(roleChange(conversationId, ts, transferred.getNewOwnerId(), MemberRole.OWNER));
        }
        return out;
    }

    private List<BoundStatement> roleChange(String conversationId, long ts, String userId, MemberRole role) {
        List<BoundStatement> out = new ArrayList<>(2);
        for (PreparedStatement ps : List.of(memberRole, userConversationRole)) {
            out.add(finish(ps.boundStatementBuilder()
                    .setLong("ts", ts)
                    .setString("conversation_id", conversationId)
                    .setString("user_id", userId)
                    .setString("role", role.name())));
        }
        return out;
    }

    private static BoundStatementBuilder messageKey(BoundStatementBuilder b, String conversationId, long seq, long ts) {
        WriteTimestamps.of(seq);
        return b.setLong("ts", ts)
                .setString("conversation_id", conversationId)
                .setLong("bucket", Buckets.messageBucket(seq))
                .setLong("seq", seq);
    }

    private static BoundStatement finish(BoundStatementBuilder b) {
        return b.setConsistencyLevel(WRITE_CONSISTENCY).setIdempotence(true).build();
    }

    private List<UdtValue> attachments(List<Attachment> attachments) {
        List<UdtValue> out = new ArrayList<>(attachments.size());
        for (Attachment a : attachments) {
            out.add(attachmentType.newValue(a.getUrl(), a.getMimeType(), a.getSizeBytes(), a.getName(), a.getMediaId(), a.getWidth(),
                    a.getHeight()));
        }
        return out;
    }

    private static boolean isRemoval(Object payload) {
        return payload instanceof MessageRecalled || payload instanceof MessageDeleted || payload instanceof MessageRedacted;
    }

    /** The message an event acts on, or null if it acts on none. */
    private static Long targetSeqOf(Object payload) {
        if (payload instanceof MessageEdited p) {
            return p.getTargetSeq();
        } else if (payload instanceof MessageRecalled p) {
            return p.getTargetSeq();
        } else if (payload instanceof MessageDeleted p) {
            return p.getTargetSeq();
        } else if (payload instanceof MessageRedacted p) {
            return p.getTargetSeq();
        } else if (payload instanceof ReactionAdded p) {
            return p.getTargetSeq();
        } else if (payload instanceof ReactionRemoved p) {
            return p.getTargetSeq();
        }
        return null;
    }

    /** The stored name of a payload or inbox item type: the Avro record's simple name. */
    static String typeOf(Object payload) {
        if (payload == null) {
            throw new IllegalArgumentException("event without payload");
        }
        return payload.getClass().getSimpleName();
    }

    /** First {@value #PREVIEW_MAX_CHARS} characters of the body, never splitting a surrogate pair. */
    static String preview(MessagePosted posted) {
        String body = posted.getBody();
        if (body.isBlank() && !posted.getAttachments().isEmpty()) {
            return "[" + posted.getAttachments().get(0).getMimeType() + "]";
        }
        if (body.length() <= PREVIEW_MAX_CHARS) {
            return body;
        }
        int end = PREVIEW_MAX_CHARS;
        if (Character.isHighSurrogate(body.charAt(end - 1))) {
            end--;
        }
        return body.substring(0, end);
    }
}
