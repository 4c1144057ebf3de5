package dev.kchat.store.read;

import static dev.kchat.store.read.ConversationListReader.LIST_CONSISTENCY;
import static dev.kchat.store.read.CqlReads.await;
import static dev.kchat.store.read.CqlReads.isActive;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.AsyncResultSet;
import com.datastax.oss.driver.api.core.cql.PreparedStatement;
import com.datastax.oss.driver.api.core.cql.Row;
import dev.kchat.schemas.Ids;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * Current memberships for the presence policy: the conversations a user is a current member of with
 * their kinds, and which of some conversations some users are current members of. Reads at
 * {@link ConversationListReader#LIST_CONSISTENCY}, at most {@value #MEMBERSHIP_PARALLELISM} in
 * flight per call. Thread-safe; blocking calls on the caller's thread.
 */
public final class MembershipReader {

    /**
     * Values of one {@code IN} on a clustering key: ScyllaDB refuses more than
     * {@code max_clustering_key_restrictions_per_query} (100 by default).
     */
    public static final int MAX_IN_VALUES = 100;
    /**
     * Reads in flight for one call of {@link #currentConversationKinds} or
     * {@link #currentMemberships}.
     */
    public static final int MEMBERSHIP_PARALLELISM = 16;

    private final CqlSession session;
    private final PreparedStatement userMemberships;
    private final PreparedStatement userMembershipsIn;
    private final PreparedStatement conversationKind;

    /** Prepares the statements against {@code keyspace}, which the migrations must have created. */
    public MembershipReader(CqlSession session, String keyspace) {
        this.session = session;
        userMemberships = session.prepare("SELECT conversation_id, active FROM " + keyspace
                + ".conversations_by_user WHERE user_id = ?");
        userMembershipsIn = session.prepare("SELECT conversation_id, active FROM " + keyspace
                + ".conversations_by_user WHERE user_id = ? AND conversation_id IN ?");
        conversationKind = session.prepare("SELECT kind FROM " + keyspace + ".conversations WHERE conversation_id = ?");
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
        List<CompletableFuture<AsyncResultSet>> reads = CqlReads.inParallel(session, unknown, conversationKind::bind, MEMBERSHIP_PARALLELISM,
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
        List<CompletableFuture<AsyncResultSet>> reads = CqlReads.inParallel(session, planned,
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
}
