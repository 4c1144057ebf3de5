package dev.kchat.store.read;

import com.datastax.oss.driver.api.core.ConsistencyLevel;
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

    /** Largest page of history or sync; larger limits are capped to this. */
    public static final int MAX_PAGE_SIZE = 200;
    /** Most conversations returned by {@link ConversationListReader#conversations(String, int)}. */
    public static final int MAX_CONVERSATIONS = 1_000;
    public static final ConsistencyLevel HISTORY_CONSISTENCY = ConsistencyLevel.LOCAL_QUORUM;
    public static final ConsistencyLevel SYNC_CONSISTENCY = ConsistencyLevel.LOCAL_QUORUM;
    public static final ConsistencyLevel LIST_CONSISTENCY = ConsistencyLevel.LOCAL_ONE;
    /** Receipts on demand: like the list, a position a moment stale is corrected by asking again. */
    public static final ConsistencyLevel RECEIPTS_CONSISTENCY = ConsistencyLevel.LOCAL_ONE;
    /** Members read per request by {@link ReceiptsReader#receipts}. */
    public static final int RECEIPTS_MEMBER_PAGE = 200;
    /**
     * Most bucket partitions one history or sync page reads. Seqs are gap-free, so a page of at most
     * {@value #MAX_PAGE_SIZE} + 1 rows spans two buckets when the store has every row; more are read only
     * across rows the sink has not written (yet). The bound keeps one request's work finite whatever seq
     * it names: the page ends there with {@code hasMore}, and the client asks again from where it got to.
     */
    public static final int MAX_BUCKETS_PER_PAGE = 64;
    /**
     * Values of one {@code IN} on a clustering key: ScyllaDB refuses more than
     * {@code max_clustering_key_restrictions_per_query} (100 by default).
     */
    public static final int MAX_IN_VALUES = 100;
    /**
     * Reads in flight for one call of {@link MembershipReader#currentConversationKinds} or
     * {@link MembershipReader#currentMemberships}.
     */
    public static final int MEMBERSHIP_PARALLELISM = 16;

    /** Which side of the given seq a history page lies on. */
    public enum Direction { BEFORE, AFTER }

    /** Order of the events in a page. */
    public enum Order { NEWEST_FIRST, OLDEST_FIRST }

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
    public HistoryPage history(String conversationId, Direction direction, long seq, int limit, Order order) {
        return history.history(conversationId, direction, seq, limit, order);
    }

    /** See {@link HistoryReader#latest}. */
    public HistoryPage latest(String conversationId, int limit, Order order) {
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

    /** A conversation has more current members than a receipts query may read. */
    public static final class TooManyMembersException extends RuntimeException {

        private final int limit;

        TooManyMembersException(String conversationId, int limit) {
            super("conversation " + conversationId + " has more than " + limit + " members");
            this.limit = limit;
        }

        public int limit() {
            return limit;
        }
    }
}
