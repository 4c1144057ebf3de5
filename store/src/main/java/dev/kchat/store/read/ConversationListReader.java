package dev.kchat.store.read;

import static dev.kchat.store.read.CqlReads.await;
import static dev.kchat.store.read.CqlReads.isActive;
import static dev.kchat.store.read.CqlReads.longOr;

import com.datastax.oss.driver.api.core.ConsistencyLevel;
import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.AsyncResultSet;
import com.datastax.oss.driver.api.core.cql.BoundStatement;
import com.datastax.oss.driver.api.core.cql.PreparedStatement;
import com.datastax.oss.driver.api.core.cql.Row;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * The conversation list and its members: a user's conversations with unread counts, one user's line
 * for one conversation (the permission check of history requests), pages of a conversation's current
 * members. Reads at {@link #LIST_CONSISTENCY}, because the list is the hottest read and a
 * count that is a moment stale is corrected by the next live event. Thread-safe; blocking calls on the
 * caller's thread.
 */
public final class ConversationListReader {

    /** Most conversations returned by {@link #conversations(String, int)}. */
    public static final int MAX_CONVERSATIONS = 1_000;
    public static final ConsistencyLevel LIST_CONSISTENCY = ConsistencyLevel.LOCAL_ONE;

    private final CqlSession session;
    private final PreparedStatement userConversations;
    private final PreparedStatement conversation;
    private final PreparedStatement userConversation;
    private final PreparedStatement membersAfter;

    /** Prepares the statements against {@code keyspace}, which the migrations must have created. */
    public ConversationListReader(CqlSession session, String keyspace) {
        this.session = session;
        userConversations = session.prepare("SELECT conversation_id, role, active, joined_seq, left_seq, last_seq,"
                + " last_activity_at, last_message_seq, last_message_preview, last_message_sender, read_seq"
                + " FROM " + keyspace + ".conversations_by_user WHERE user_id = ?");
        userConversation = session.prepare("SELECT conversation_id, role, active, joined_seq, left_seq, last_seq,"
                + " last_activity_at, last_message_seq, last_message_preview, last_message_sender, read_seq"
                + " FROM " + keyspace + ".conversations_by_user WHERE user_id = ? AND conversation_id = ?");
        membersAfter = session.prepare("SELECT user_id, role, active, joined_seq FROM " + keyspace
                + ".members_by_conversation WHERE conversation_id = ? AND user_id > ? ORDER BY user_id ASC LIMIT ?");
        conversation = session.prepare("SELECT kind, name, last_seq, last_activity_at, last_message_seq,"
                + " last_message_preview, last_message_sender FROM " + keyspace + ".conversations WHERE conversation_id = ?");
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
     * @param limit 1 or more; capped at {@value ReadLimits#MAX_PAGE_SIZE}
     */
    public MemberPage members(String conversationId, String afterUserId, int limit) {
        Objects.requireNonNull(conversationId, "conversationId");
        int size = CqlReads.pageSize(limit);
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

    private static Instant latest(Instant a, Instant b) {
        if (a == null) {
            return b;
        }
        return b == null || a.isAfter(b) ? a : b;
    }
}
