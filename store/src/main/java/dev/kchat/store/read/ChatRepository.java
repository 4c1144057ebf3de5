package dev.kchat.store.read;

import com.datastax.oss.driver.api.core.CqlSession;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The read side of the store, used by ingress and edges: one object, prepared once per session, that
 * answers every chat read. Each capability is a reader of its own, which this class wires and
 * delegates to: {@link HistoryReader} (history pages, one event, the newest seq),
 * {@link InboxSyncReader} (inbox sync), {@link ConversationListReader} (the conversation list, one
 * membership, member pages), {@link MembershipReader} (current memberships for the presence policy)
 * and {@link ReceiptsReader} (receipts on demand). Thread-safe; blocking calls on the caller's thread.
 *
 * <p>Consistency: history and sync read at {@code LOCAL_QUORUM} (with the sink's {@code LOCAL_QUORUM}
 * writes, a read sees every write the sink has acknowledged: a synced device never misses an entry);
 * the conversation list reads at {@code LOCAL_ONE}, because it is the hottest read and a count that is
 * a moment stale is corrected by the next live event.
 *
 * <p>Reads see what the sink has stored. The sink writes a batch concurrently, so for a few
 * milliseconds a later seq can be visible before an earlier one; pages report what is there and
 * {@code hasMore} tells the client to ask again.
 */
public final class ChatRepository {

    /** The most conversations the list returns ({@link ConversationListReader#MAX_CONVERSATIONS}). */
    public static final int MAX_CONVERSATIONS = ConversationListReader.MAX_CONVERSATIONS;

    private final HistoryReader history;
    private final InboxSyncReader inbox;
    private final ConversationListReader list;
    private final MembershipReader memberships;
    private final ReceiptsReader receipts;

    /** Prepares the statements against {@code keyspace}, which the migrations must have created. */
    public ChatRepository(CqlSession session, String keyspace) {
        this.history = new HistoryReader(session, keyspace);
        this.inbox = new InboxSyncReader(session, keyspace);
        this.list = new ConversationListReader(session, keyspace);
        this.memberships = new MembershipReader(session, keyspace);
        this.receipts = new ReceiptsReader(session, keyspace);
    }

    /** See {@link HistoryReader#history}. */
    public HistoryPage history(String conversationId, HistoryReader.Direction direction, long seq, int limit,
            HistoryReader.Order order) {
        return history.history(conversationId, direction, seq, limit, order);
    }

    /** See {@link HistoryReader#latest}. */
    public HistoryPage latest(String conversationId, int limit, HistoryReader.Order order) {
        return history.latest(conversationId, limit, order);
    }

    /** See {@link HistoryReader#event}. */
    public Optional<StoredEvent> event(String conversationId, long seq) {
        return history.event(conversationId, seq);
    }

    /** See {@link HistoryReader#lastSeq}. */
    public long lastSeq(String conversationId) {
        return history.lastSeq(conversationId);
    }

    /** See {@link InboxSyncReader#sync}. */
    public SyncPage sync(String userId, long afterInboxSeq, int limit) {
        return inbox.sync(userId, afterInboxSeq, limit);
    }

    /** See {@link ConversationListReader#conversations}. */
    public List<ConversationSummary> conversations(String userId, int limit) {
        return list.conversations(userId, limit);
    }

    /** See {@link ConversationListReader#membership}. */
    public Optional<ConversationSummary> membership(String userId, String conversationId) {
        return list.membership(userId, conversationId);
    }

    /** See {@link ConversationListReader#members}. */
    public MemberPage members(String conversationId, String afterUserId, int limit) {
        return list.members(conversationId, afterUserId, limit);
    }

    /** See {@link MembershipReader#currentConversationKinds}. */
    public Map<String, String> currentConversationKinds(String userId) {
        return memberships.currentConversationKinds(userId);
    }

    /** See {@link MembershipReader#currentMemberships}. */
    public Map<String, Set<String>> currentMemberships(Collection<String> userIds, Collection<String> conversationIds) {
        return memberships.currentMemberships(userIds, conversationIds);
    }

    /** See {@link ReceiptsReader#receipts}. */
    public MessageReceipts receipts(String conversationId, long seq, String authorId, int maxMembers, int parallelism) {
        return receipts.receipts(conversationId, seq, authorId, maxMembers, parallelism);
    }

}
