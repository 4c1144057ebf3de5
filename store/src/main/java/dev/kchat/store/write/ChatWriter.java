package dev.kchat.store.write;

import com.datastax.oss.driver.api.core.ConsistencyLevel;
import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.BoundStatement;
import dev.kchat.events.chat.ConversationEvent;
import dev.kchat.events.chat.InboxEntry;
import java.util.List;

/**
 * Turns the sequenced events of {@code chat.conversation.log} and the entries of {@code chat.inbox} into
 * idempotent CQL upserts. Pure apart from preparing its statements once: it returns statements, the
 * caller executes them (see {@link AsyncWriter}). The statements of a log event are built by
 * {@link LogEventStatements} (with {@link MembershipStatements}), those of an inbox entry by
 * {@link InboxEntryStatements}.
 *
 * <p>Every statement is an upsert with {@code USING TIMESTAMP} from {@link WriteTimestamps}, marked
 * idempotent (safe for driver retries and speculative execution), at {@code LOCAL_QUORUM}: acknowledged
 * writes survive the loss of a replica, and {@code LOCAL_QUORUM} reads see them.
 */
public final class ChatWriter {

    /** Consistency of every write (of this writer and of the store's other writers). */
    public static final ConsistencyLevel WRITE_CONSISTENCY = ChatRows.WRITE_CONSISTENCY;

    private final LogEventStatements log;
    private final InboxEntryStatements inbox;

    /** Prepares the statements against {@code keyspace}, which the migrations must have created. */
    public ChatWriter(CqlSession session, String keyspace) {
        if (session.getMetadata().getKeyspace(keyspace).flatMap(ks -> ks.getUserDefinedType("attachment")).isEmpty()) {
            throw new IllegalStateException("type " + keyspace + ".attachment is missing: apply the migrations first");
        }
        this.log = new LogEventStatements(session, keyspace);
        this.inbox = new InboxEntryStatements(session, keyspace);
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
        return log.statementsFor(event, rawValue);
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
        return inbox.statementsFor(entry, rawValue);
    }
}
