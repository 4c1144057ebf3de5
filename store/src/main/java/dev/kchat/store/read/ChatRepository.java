package dev.kchat.store.read;

import com.datastax.oss.driver.api.core.ConsistencyLevel;
import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.AsyncResultSet;
import com.datastax.oss.driver.api.core.cql.BoundStatement;
import com.datastax.oss.driver.api.core.cql.PreparedStatement;
import com.datastax.oss.driver.api.core.cql.Row;
import com.datastax.oss.driver.api.core.data.UdtValue;
import dev.kchat.schemas.Ids;
import dev.kchat.store.write.Buckets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Semaphore;
import java.util.function.Function;

/**
 * The read side of the store, used by ingress and edges: conversation history, inbox sync and the
 * conversation list. Thread-safe; blocking calls on the caller's thread.
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
    /** Most conversations returned by {@link #conversations(String, int)}. */
    public static final int MAX_CONVERSATIONS = 1_000;
    public static final ConsistencyLevel HISTORY_CONSISTENCY = ConsistencyLevel.LOCAL_QUORUM;
    public static final ConsistencyLevel SYNC_CONSISTENCY = ConsistencyLevel.LOCAL_QUORUM;
    public static final ConsistencyLevel LIST_CONSISTENCY = ConsistencyLevel.LOCAL_ONE;
    /** Receipts on demand: like the list, a position a moment stale is corrected by asking again. */
    public static final ConsistencyLevel RECEIPTS_CONSISTENCY = ConsistencyLevel.LOCAL_ONE;
    /** Members read per request by {@link #receipts}. */
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
    /** Reads in flight for one call of {@link #currentConversationKinds} or {@link #currentMemberships}. */
    public static final int MEMBERSHIP_PARALLELISM = 16;

    /** Which side of the given seq a history page lies on. */
    public enum Direction { BEFORE, AFTER }

    /** Order of the events in a page. */
    public enum Order { NEWEST_FIRST, OLDEST_FIRST }

    private static final String EVENT_COLUMNS = "conversation_id, seq, event_type, event_id, actor_id, actor_device_id,"
            + " occurred_at, message_id, client_msg_id, body, reply_to_seq, mentions, attachments, target_seq, status,"
            + " last_change_seq, edited_at, redaction_rule, event";
    private static final String INBOX_COLUMNS = "user_id, inbox_seq, conversation_id, conv_seq, item_type, created_at, entry";

    private final CqlSession session;
    private final PreparedStatement historyBefore;
    private final PreparedStatement historyAfter;
    private final PreparedStatement oneEvent;
    private final PreparedStatement conversationHead;
    private final PreparedStatement inboxAfter;
    private final PreparedStatement inboxHead;
    private final PreparedStatement userConversations;
    private final PreparedStatement conversation;
    private final PreparedStatement userConversation;
    private final PreparedStatement membersAfter;
    private final PreparedStatement reactionsBetween;
    private final PreparedStatement memberPositions;
    private final PreparedStatement receiptCounts;
    private final PreparedStatement userMemberships;
    private final PreparedStatement userMembershipsIn;
    private final PreparedStatement conversationKind;

    /** Prepares the statements against {@code keyspace}, which the migrations must have created. */
    public ChatRepository(CqlSession session, String keyspace) {
        this.session = session;
        String m = keyspace + ".messages_by_conversation";
        historyBefore = session.prepare("SELECT " + EVENT_COLUMNS + " FROM " + m
                + " WHERE conversation_id = ? AND bucket = ? AND seq < ? ORDER BY seq DESC LIMIT ?");
        historyAfter = session.prepare("SELECT " + EVENT_COLUMNS + " FROM " + m
                + " WHERE conversation_id = ? AND bucket = ? AND seq > ? ORDER BY seq ASC LIMIT ?");
        oneEvent = session.prepare("SELECT " + EVENT_COLUMNS + " FROM " + m
                + " WHERE conversation_id = ? AND bucket = ? AND seq = ?");
        conversationHead = session.prepare("SELECT last_seq FROM " + keyspace + ".conversations WHERE conversation_id = ?");
        inboxAfter = session.prepare("SELECT " + INBOX_COLUMNS + " FROM " + keyspace + ".inbox_by_user"
                + " WHERE user_id = ? AND bucket = ? AND inbox_seq > ? ORDER BY inbox_seq ASC LIMIT ?");
        inboxHead = session.prepare("SELECT last_inbox_seq FROM " + keyspace + ".inbox_heads WHERE user_id = ?");
        userConversations = session.prepare("SELECT conversation_id, role, active, joined_seq, left_seq, last_seq,"
                + " last_activity_at, last_message_seq, last_message_preview, last_message_sender, read_seq"
                + " FROM " + keyspace + ".conversations_by_user WHERE user_id = ?");
        userConversation = session.prepare("SELECT conversation_id, role, active, joined_seq, left_seq, last_seq,"
                + " last_activity_at, last_message_seq, last_message_preview, last_message_sender, read_seq"
                + " FROM " + keyspace + ".conversations_by_user WHERE user_id = ? AND conversation_id = ?");
        reactionsBetween = session.prepare("SELECT seq, emoji FROM " + keyspace + ".reactions_by_message"
                + " WHERE conversation_id = ? AND bucket = ? AND seq >= ? AND seq <= ?");
        membersAfter = session.prepare("SELECT user_id, role, active, joined_seq FROM " + keyspace
                + ".members_by_conversation WHERE conversation_id = ? AND user_id > ? ORDER BY user_id ASC LIMIT ?");
        memberPositions = session.prepare("SELECT read_seq, delivered_seq FROM " + keyspace
                + ".conversations_by_user WHERE user_id = ? AND conversation_id = ?");
        receiptCounts = session.prepare("SELECT delivered_count, read_count FROM " + keyspace
                + ".receipt_counts_by_message WHERE conversation_id = ? AND bucket = ? AND seq = ?");
        userMemberships = session.prepare("SELECT conversation_id, active FROM " + keyspace
                + ".conversations_by_user WHERE user_id = ?");
        userMembershipsIn = session.prepare("SELECT conversation_id, active FROM " + keyspace
                + ".conversations_by_user WHERE user_id = ? AND conversation_id IN ?");
        conversationKind = session.prepare("SELECT kind FROM " + keyspace + ".conversations WHERE conversation_id = ?");
        conversation = session.prepare("SELECT kind, name, last_seq, last_activity_at, last_message_seq,"
                + " last_message_preview, last_message_sender FROM " + keyspace + ".conversations WHERE conversation_id = ?");
    }

    /**
     * A page of a conversation's history next to {@code seq} (exclusive): the {@code limit} events just
     * before it or just after it, crossing bucket boundaries, in the order asked for. Events of every
     * type are returned (messages and membership changes), so seqs are contiguous.
     *
     * @param limit 1 or more; capped at {@value #MAX_PAGE_SIZE}
     * @throws IllegalArgumentException if {@code limit < 1} or {@code seq < 0}
     */
    public HistoryPage history(String conversationId, Direction direction, long seq, int limit, Order order) {
        Objects.requireNonNull(conversationId, "conversationId");
        int size = pageSize(limit);
        if (seq < 0) {
            throw new IllegalArgumentException("seq must be >= 0, was " + seq);
        }
        int want = size + 1; // one extra row tells whether more exist
        List<StoredEvent> rows = new ArrayList<>(want);
        boolean bucketsLeft = direction == Direction.BEFORE
                ? readBefore(conversationId, seq, want, rows)
                : readAfter(conversationId, seq, want, rows);
        boolean hasMore = rows.size() > size || bucketsLeft;
        List<StoredEvent> page = new ArrayList<>(rows.size() > size ? rows.subList(0, size) : rows);
        // Reads run away from seq: BEFORE comes newest first, AFTER oldest first.
        Order natural = direction == Direction.BEFORE ? Order.NEWEST_FIRST : Order.OLDEST_FIRST;
        if (order != natural) {
            Collections.reverse(page);
        }
        return new HistoryPage(withReactions(conversationId, page), hasMore);
    }

    /** Counts of reactions per emoji for the messages of a page: one range read per bucket it spans. */
    private List<StoredEvent> withReactions(String conversationId, List<StoredEvent> page) {
        if (page.isEmpty()) {
            return page;
        }
        long low = page.stream().mapToLong(StoredEvent::seq).min().orElseThrow();
        long high = page.stream().mapToLong(StoredEvent::seq).max().orElseThrow();
        Map<Long, Map<String, Integer>> counts = new HashMap<>();
        for (long bucket = Buckets.messageBucket(low); bucket <= Buckets.messageBucket(high); bucket++) {
            for (Row row : session.execute(reactionsBetween.bind(conversationId, bucket, low, high)
                    .setConsistencyLevel(HISTORY_CONSISTENCY))) {
                counts.computeIfAbsent(row.getLong("seq"), s -> new TreeMap<>()).merge(row.getString("emoji"), 1, Integer::sum);
            }
        }
        if (counts.isEmpty()) {
            return page;
        }
        List<StoredEvent> out = new ArrayList<>(page.size());
        for (StoredEvent e : page) {
            Map<String, Integer> c = counts.get(e.seq());
            out.add(c == null ? e : e.withReactions(c));
        }
        return out;
    }

    /** The newest {@code limit} events of a conversation (empty if the store has none), in the order asked for. */
    public HistoryPage latest(String conversationId, int limit, Order order) {
        long head = lastSeq(conversationId);
        if (head == 0) {
            pageSize(limit);
            return new HistoryPage(List.of(), false);
        }
        return history(conversationId, Direction.BEFORE, head + 1, limit, order);
    }

    /** One event of a conversation by seq. */
    public Optional<StoredEvent> event(String conversationId, long seq) {
        Row row = session.execute(oneEvent.bind(conversationId, Buckets.messageBucket(seq), seq)
                .setConsistencyLevel(HISTORY_CONSISTENCY)).one();
        return Optional.ofNullable(row).map(ChatRepository::toEvent);
    }

    /** The newest seq the store has for a conversation, 0 if none. */
    public long lastSeq(String conversationId) {
        Row row = session.execute(conversationHead.bind(conversationId).setConsistencyLevel(HISTORY_CONSISTENCY)).one();
        return row == null || row.isNull("last_seq") ? 0 : row.getLong("last_seq");
    }

    /**
     * The entries of a user's inbox after {@code afterInboxSeq} (the device's SyncKey), oldest first: a
     * device that saw N gets N+1, N+2, ... exactly, each entry as it was delivered live.
     *
     * @param limit 1 or more; capped at {@value #MAX_PAGE_SIZE}
     * @throws IllegalArgumentException if {@code limit < 1} or {@code afterInboxSeq < 0}
     */
    public SyncPage sync(String userId, long afterInboxSeq, int limit) {
        Objects.requireNonNull(userId, "userId");
        int size = pageSize(limit);
        if (afterInboxSeq < 0) {
            throw new IllegalArgumentException("afterInboxSeq must be >= 0, was " + afterInboxSeq);
        }
        Row headRow = session.execute(inboxHead.bind(userId).setConsistencyLevel(SYNC_CONSISTENCY)).one();
        long head = headRow == null || headRow.isNull("last_inbox_seq") ? 0 : headRow.getLong("last_inbox_seq");
        List<StoredInboxEntry> entries = new ArrayList<>();
        int want = size + 1;
        boolean bucketsLeft = false;
        if (head > afterInboxSeq) { // so afterInboxSeq + 1 cannot overflow
            long lastBucket = Buckets.inboxBucket(head);
            long bucket = Buckets.inboxBucket(afterInboxSeq + 1);
            for (int read = 0; bucket <= lastBucket && entries.size() < want; read++, bucket++) {
                if (read == MAX_BUCKETS_PER_PAGE) {
                    bucketsLeft = true;
                    break;
                }
                for (Row row : session.execute(inboxAfter.bind(userId, bucket, afterInboxSeq, want - entries.size())
                        .setConsistencyLevel(SYNC_CONSISTENCY))) {
                    entries.add(toInboxEntry(row));
                }
            }
        }
        boolean hasMore = entries.size() > size || bucketsLeft;
        List<StoredInboxEntry> page = entries.size() > size ? entries.subList(0, size) : entries;
        long lastReturned = page.isEmpty() ? afterInboxSeq : page.get(page.size() - 1).inboxSeq();
        // The head can be written a moment before the entries of the same batch: report that more is coming.
        return new SyncPage(page, head, hasMore || lastReturned < head);
    }

    /**
     * A user's conversations with unread counts, most recent activity first; conversations the user has
     * left are included (inactive) so their history stays reachable.
     *
     * <p>Unread is {@code last seq - read seq}. The last seq comes from the conversation's own row
     * (kept from the log, so it is exact for read-diffused large groups and channels, which have no
     * per-member inbox entries) or from the user's inbox, whichever is newer; for a member who left, it
     * stops at the seq they left at.
     *
     * @param limit 1 or more; capped at {@value #MAX_CONVERSATIONS}
     */
    public List<ConversationSummary> conversations(String userId, int limit) {
        Objects.requireNonNull(userId, "userId");
        if (limit < 1) {
            throw new IllegalArgumentException("limit must be >= 1, was " + limit);
        }
        List<Row> memberships = new ArrayList<>();
        session.execute(userConversations.bind(userId).setConsistencyLevel(LIST_CONSISTENCY)).forEach(memberships::add);
        // One point read per conversation, all in flight at once: each goes straight to a replica of its row.
        List<CompletableFuture<AsyncResultSet>> details = new ArrayList<>(memberships.size());
        for (Row m : memberships) {
            BoundStatement read = conversation.bind(m.getString("conversation_id")).setConsistencyLevel(LIST_CONSISTENCY);
            details.add(session.executeAsync(read).toCompletableFuture());
        }
        List<ConversationSummary> out = new ArrayList<>(memberships.size());
        for (int i = 0; i < memberships.size(); i++) {
            out.add(summary(memberships.get(i), await(details.get(i)).one()));
        }
        out.sort(Comparator.comparing(ConversationSummary::lastActivityAt, Comparator.nullsLast(Comparator.reverseOrder()))
                .thenComparing(ConversationSummary::conversationId));
        return out.size() > Math.min(limit, MAX_CONVERSATIONS) ? List.copyOf(out.subList(0, Math.min(limit, MAX_CONVERSATIONS)))
                : List.copyOf(out);
    }

    /**
     * One user's line for one conversation, if the user is or was a member: two point reads, for
     * permission checks on every history request (the list query reads all of the user's rows).
     */
    public Optional<ConversationSummary> membership(String userId, String conversationId) {
        Objects.requireNonNull(userId, "userId");
        Objects.requireNonNull(conversationId, "conversationId");
        Row m = session.execute(userConversation.bind(userId, conversationId).setConsistencyLevel(LIST_CONSISTENCY)).one();
        if (m == null) {
            return Optional.empty();
        }
        Row c = session.execute(conversation.bind(conversationId).setConsistencyLevel(LIST_CONSISTENCY)).one();
        return Optional.of(summary(m, c));
    }

    /**
     * A page of a conversation's current members, ordered by user id, after {@code afterUserId}
     * (exclusive; empty string for the first page). Members who left are skipped, so a page may hold
     * fewer than {@code limit} members while {@link MemberPage#nextAfter()} still points further.
     *
     * @param limit 1 or more; capped at {@value #MAX_PAGE_SIZE}
     */
    public MemberPage members(String conversationId, String afterUserId, int limit) {
        Objects.requireNonNull(conversationId, "conversationId");
        int size = pageSize(limit);
        List<MemberPage.Member> members = new ArrayList<>(size);
        String last = null;
        int scanned = 0;
        for (Row row : session.execute(membersAfter.bind(conversationId, afterUserId == null ? "" : afterUserId, size)
                .setConsistencyLevel(LIST_CONSISTENCY))) {
            scanned++;
            last = row.getString("user_id");
            if (isActive(row)) {
                members.add(new MemberPage.Member(last, row.getString("role"),
                        row.isNull("joined_seq") ? 0 : row.getLong("joined_seq")));
            }
        }
        return new MemberPage(members, scanned == size ? last : null);
    }

    /**
     * The conversations {@code userId} is a current member of, each with its kind ({@code DIRECT},
     * {@code GROUP}, {@code CHANNEL}; null while the sink has not stored the conversation yet). One read
     * of the user's partition, then one point read of the kind per conversation that is not a direct
     * chat (whose id says its kind), at most {@value #MEMBERSHIP_PARALLELISM} in flight. For the presence
     * policy, which caches it briefly.
     */
    public Map<String, String> currentConversationKinds(String userId) {
        Objects.requireNonNull(userId, "userId");
        Map<String, String> kinds = new HashMap<>();
        List<String> unknown = new ArrayList<>();
        for (Row row : session.execute(userMemberships.bind(userId).setConsistencyLevel(LIST_CONSISTENCY))) {
            if (isActive(row)) {
                String id = row.getString("conversation_id");
                if (Ids.isDirectConversation(id)) {
                    kinds.put(id, "DIRECT");
                } else {
                    unknown.add(id);
                }
            }
        }
        List<CompletableFuture<AsyncResultSet>> reads = inParallel(unknown, conversationKind::bind, MEMBERSHIP_PARALLELISM,
                LIST_CONSISTENCY);
        for (int i = 0; i < unknown.size(); i++) {
            Row row = await(reads.get(i)).one();
            kinds.put(unknown.get(i), row == null ? null : row.getString("kind"));
        }
        return kinds;
    }

    /**
     * For each of {@code userIds}, which of {@code conversationIds} they are a current member of (users
     * in none are absent from the map). One read of each user's partition per
     * {@value #MAX_IN_VALUES} conversations ({@code conversation_id IN ...}, so the work is bounded by
     * the ids asked, not by how many conversations a user has), at most
     * {@value #MEMBERSHIP_PARALLELISM} in flight.
     */
    public Map<String, Set<String>> currentMemberships(Collection<String> userIds, Collection<String> conversationIds) {
        Objects.requireNonNull(userIds, "userIds");
        List<String> ids = List.copyOf(new LinkedHashSet<>(conversationIds));
        record Read(String userId, List<String> conversationIds) {
        }
        List<Read> planned = new ArrayList<>();
        for (String userId : new LinkedHashSet<>(userIds)) {
            for (int from = 0; from < ids.size(); from += MAX_IN_VALUES) {
                planned.add(new Read(userId, ids.subList(from, Math.min(ids.size(), from + MAX_IN_VALUES))));
            }
        }
        List<CompletableFuture<AsyncResultSet>> reads = inParallel(planned,
                r -> userMembershipsIn.bind(r.userId(), r.conversationIds()), MEMBERSHIP_PARALLELISM, LIST_CONSISTENCY);
        Map<String, Set<String>> out = new HashMap<>();
        for (int i = 0; i < planned.size(); i++) {
            for (Row row : await(reads.get(i)).currentPage()) { // at most MAX_IN_VALUES rows: one page
                if (isActive(row)) {
                    out.computeIfAbsent(planned.get(i).userId(), u -> new HashSet<>()).add(row.getString("conversation_id"));
                }
            }
        }
        return out;
    }

    /** Starts one read per item, at most {@code parallelism} in flight; the futures in item order. */
    private <T> List<CompletableFuture<AsyncResultSet>> inParallel(List<T> items, Function<T, BoundStatement> statement,
            int parallelism, ConsistencyLevel consistency) {
        Semaphore inFlight = new Semaphore(parallelism);
        List<CompletableFuture<AsyncResultSet>> reads = new ArrayList<>(items.size());
        for (T item : items) {
            inFlight.acquireUninterruptibly();
            CompletableFuture<AsyncResultSet> read = session.executeAsync(statement.apply(item)
                    .setConsistencyLevel(consistency)).toCompletableFuture();
            read.whenComplete((rs, failure) -> inFlight.release());
            reads.add(read);
        }
        return reads;
    }

    private static boolean isActive(Row row) {
        return row.isNull("active") || row.getBoolean("active");
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

    /**
     * Who has read and who has received message {@code seq} ("Message info"): the current members who
     * joined at or before it, the author excluded, each in the furthest list that their stored positions
     * reach (read: {@code read_seq}; delivered: {@code delivered_seq}, or the read position). Members are
     * read in pages of {@value #RECEIPTS_MEMBER_PAGE}, and only when there are at most
     * {@code maxMembers}; then one point read per counted member, at most {@code parallelism} in flight.
     * The caller checks that {@code seq} is a message and who wrote it ({@link #event}).
     *
     * @throws TooManyMembersException if the conversation has more than {@code maxMembers} current
     *     members (found after reading at most {@code maxMembers + }{@value #RECEIPTS_MEMBER_PAGE} rows)
     */
    public MessageReceipts receipts(String conversationId, long seq, String authorId, int maxMembers, int parallelism) {
        Objects.requireNonNull(conversationId, "conversationId");
        Objects.requireNonNull(authorId, "authorId");
        if (seq < 1 || maxMembers < 1 || parallelism < 1) {
            throw new IllegalArgumentException("seq, maxMembers and parallelism must be >= 1, were " + seq + ", "
                    + maxMembers + ", " + parallelism);
        }
        CompletableFuture<AsyncResultSet> counts = session.executeAsync(receiptCounts
                .bind(conversationId, Buckets.messageBucket(seq), seq).setConsistencyLevel(RECEIPTS_CONSISTENCY))
                .toCompletableFuture();
        // Members first, without their positions: a conversation over the limit costs a bounded scan only.
        List<String> counted = new ArrayList<>();
        int current = 0;
        String after = "";
        while (after != null) {
            AsyncResultSet page = await(session.executeAsync(membersAfter.bind(conversationId, after, RECEIPTS_MEMBER_PAGE)
                    .setConsistencyLevel(RECEIPTS_CONSISTENCY)).toCompletableFuture());
            int scanned = 0;
            String last = null;
            for (Row row : page.currentPage()) {
                scanned++;
                last = row.getString("user_id");
                if (!isActive(row)) {
                    continue;
                }
                if (++current > maxMembers) {
                    counts.cancel(false);
                    throw new TooManyMembersException(conversationId, maxMembers);
                }
                // Only members for whom the message was theirs to receive: joined at or before it.
                if (!last.equals(authorId) && longOr(row, "joined_seq", 1) <= seq) {
                    counted.add(last);
                }
            }
            after = scanned == RECEIPTS_MEMBER_PAGE ? last : null;
        }
        List<CompletableFuture<AsyncResultSet>> positions = inParallel(counted,
                userId -> memberPositions.bind(userId, conversationId), parallelism, RECEIPTS_CONSISTENCY);
        List<String> read = new ArrayList<>();
        List<String> delivered = new ArrayList<>();
        List<String> pending = new ArrayList<>();
        for (int i = 0; i < counted.size(); i++) {
            Row row = await(positions.get(i)).one();
            long readSeq = row == null ? 0 : longOr(row, "read_seq", 0);
            long deliveredSeq = Math.max(readSeq, row == null ? 0 : longOr(row, "delivered_seq", 0));
            (readSeq >= seq ? read : deliveredSeq >= seq ? delivered : pending).add(counted.get(i));
        }
        Row countsRow = await(counts).one();
        return new MessageReceipts(conversationId, seq, read, delivered, pending, current,
                countsRow == null || countsRow.isNull("delivered_count") ? null : countsRow.getInt("delivered_count"),
                countsRow == null || countsRow.isNull("read_count") ? null : countsRow.getInt("read_count"));
    }

    /**
     * Reads up to {@code want} events with seq below {@code seq} into {@code rows}, newest first.
     *
     * @return whether it stopped at {@link #MAX_BUCKETS_PER_PAGE} with buckets still to read
     */
    private boolean readBefore(String conversationId, long seq, int want, List<StoredEvent> rows) {
        if (seq <= 1) {
            return false;
        }
        // Seqs are gap-free from 1, so every bucket from the head down to 0 holds rows: walk down until the
        // page is full. Only a seq beyond the head (a client asking "before infinity") finds empty buckets
        // first; the head then says where the rows start, instead of walking every empty bucket.
        boolean headChecked = false;
        int read = 0;
        for (long bucket = Buckets.messageBucket(seq - 1); bucket >= 0 && rows.size() < want; bucket--) {
            if (read++ == MAX_BUCKETS_PER_PAGE) {
                return true;
            }
            int before = rows.size();
            for (Row row : session.execute(historyBefore.bind(conversationId, bucket, seq, want - rows.size())
                    .setConsistencyLevel(HISTORY_CONSISTENCY))) {
                rows.add(toEvent(row));
            }
            if (rows.size() == before && rows.isEmpty() && !headChecked) {
                headChecked = true;
                long headBucket = Buckets.messageBucket(lastSeq(conversationId));
                if (headBucket < bucket) {
                    bucket = headBucket + 1; // the loop's decrement lands on the head's bucket
                }
            }
        }
        return false;
    }

    /**
     * Reads up to {@code want} events with seq above {@code seq} into {@code rows}, oldest first.
     *
     * @return whether it stopped at {@link #MAX_BUCKETS_PER_PAGE} with buckets still to read
     */
    private boolean readAfter(String conversationId, long seq, int want, List<StoredEvent> rows) {
        if (seq == Long.MAX_VALUE) {
            return false; // no seq follows, and seq + 1 would overflow
        }
        long bucket = Buckets.messageBucket(seq + 1);
        long lastBucket = -1;
        for (int read = 0; rows.size() < want; read++, bucket++) {
            if (read == MAX_BUCKETS_PER_PAGE) {
                return true;
            }
            int before = rows.size();
            for (Row row : session.execute(historyAfter.bind(conversationId, bucket, seq, want - rows.size())
                    .setConsistencyLevel(HISTORY_CONSISTENCY))) {
                rows.add(toEvent(row));
            }
            if (rows.size() >= want) {
                break;
            }
            long bucketEnd = Buckets.lastMessageSeqIn(bucket);
            boolean bucketFull = rows.size() > before && rows.get(rows.size() - 1).seq() == bucketEnd;
            if (!bucketFull || bucketEnd == Long.MAX_VALUE) {
                // This bucket stopped short of its end: either the head of the conversation, or a seq the
                // store lacks. Only the conversation's last seq can tell whether later buckets hold more.
                if (lastBucket < 0) {
                    lastBucket = Buckets.messageBucket(lastSeq(conversationId));
                }
                if (bucket >= lastBucket) {
                    break;
                }
            }
        }
        return false;
    }

    private static ConversationSummary summary(Row membership, Row conversation) {
        boolean active = isActive(membership);
        long userLast = longOr(membership, "last_seq", 0);
        long convLast = conversation == null ? 0 : longOr(conversation, "last_seq", 0);
        long lastSeq = Math.max(userLast, convLast);
        Instant activity = latest(membership.getInstant("last_activity_at"),
                conversation == null ? null : conversation.getInstant("last_activity_at"));
        if (!active && !membership.isNull("left_seq")) {
            lastSeq = Math.min(lastSeq, membership.getLong("left_seq"));
            // After leaving, the conversation's later activity is not the user's.
            activity = membership.getInstant("last_activity_at") != null ? membership.getInstant("last_activity_at") : activity;
        }
        // Nothing from before the user joined is theirs to read.
        long readSeq = Math.max(longOr(membership, "read_seq", 0), longOr(membership, "joined_seq", 1) - 1);
        // The preview of whichever source saw the newer message (the user's inbox or the log).
        Row previewSource = membership;
        if (conversation != null && longOr(conversation, "last_message_seq", 0) > longOr(membership, "last_message_seq", 0)
                && (active || longOr(conversation, "last_message_seq", 0) <= lastSeq)) {
            previewSource = conversation;
        }
        return new ConversationSummary(
                membership.getString("conversation_id"),
                conversation == null ? null : conversation.getString("kind"),
                conversation == null ? null : conversation.getString("name"),
                membership.getString("role"),
                active,
                lastSeq,
                readSeq,
                Math.max(0, lastSeq - readSeq),
                activity,
                previewSource.isNull("last_message_seq") ? null : previewSource.getLong("last_message_seq"),
                previewSource.getString("last_message_preview"),
                previewSource.getString("last_message_sender"));
    }

    static StoredEvent toEvent(Row row) {
        List<UdtValue> attachments = row.getList("attachments", UdtValue.class);
        return new StoredEvent(
                row.getString("conversation_id"),
                row.getLong("seq"),
                row.getString("event_type"),
                row.getString("event_id"),
                row.getString("actor_id"),
                row.getString("actor_device_id"),
                row.getInstant("occurred_at"),
                row.getString("message_id"),
                row.getString("client_msg_id"),
                row.getString("body"),
                row.isNull("reply_to_seq") ? null : row.getLong("reply_to_seq"),
                List.copyOf(row.getList("mentions", String.class)),
                attachments.stream().map(a -> new StoredEvent.StoredAttachment(
                        a.getString("url"), a.getString("mime_type"), a.getLong("size_bytes"), a.getString("name"),
                        a.getString("media_id"), a.isNull("width") ? null : a.getInt("width"),
                        a.isNull("height") ? null : a.getInt("height"))).toList(),
                row.isNull("target_seq") ? null : row.getLong("target_seq"),
                row.getString("status"),
                row.isNull("last_change_seq") ? null : row.getLong("last_change_seq"),
                row.getInstant("edited_at"),
                row.getString("redaction_rule"),
                row.getByteBuffer("event"),
                Map.of());
    }

    private static StoredInboxEntry toInboxEntry(Row row) {
        return new StoredInboxEntry(
                row.getString("user_id"),
                row.getLong("inbox_seq"),
                row.getString("conversation_id"),
                row.isNull("conv_seq") ? null : row.getLong("conv_seq"),
                row.getString("item_type"),
                row.getInstant("created_at"),
                row.getByteBuffer("entry"));
    }

    private static int pageSize(int limit) {
        if (limit < 1) {
            throw new IllegalArgumentException("limit must be >= 1, was " + limit);
        }
        return Math.min(limit, MAX_PAGE_SIZE);
    }

    private static long longOr(Row row, String column, long fallback) {
        return row.isNull(column) ? fallback : row.getLong(column);
    }

    private static Instant latest(Instant a, Instant b) {
        if (a == null) {
            return b;
        }
        return b == null || a.isAfter(b) ? a : b;
    }

    private static AsyncResultSet await(CompletableFuture<AsyncResultSet> future) {
        try {
            return future.join();
        } catch (CompletionException e) {
            // Surface the driver's own exception (timeout, unavailable...) rather than the wrapper.
            if (e.getCause() instanceof RuntimeException cause) {
                throw cause;
            }
            throw e;
        }
    }
}
