package dev.kchat.api.presence;

import dev.kchat.schemas.Ids;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Who may see whose presence, the same at every door (the HTTP API's {@code GET /v1/presence}, the
 * edge's {@code subscribe_presence}): a user sees their own presence, and that of the users with whom
 * they share a direct chat or a group, both being current members. Sharing only a channel is not
 * enough: a channel's members are an audience, not acquaintances, and one channel would otherwise show
 * everyone's presence to up to 100,000 strangers. Leaving or being removed ends it.
 *
 * <p>Cost for a batch: the caller's current conversations (one partition read, plus a point read of
 * the kind of each non-direct one), then, for the users not answered from the cache, one batch of
 * membership reads limited to the caller's direct chat with each of them and the caller's groups
 * ({@link CurrentMemberships}): the work grows with the caller's groups and the users asked, never
 * with how many conversations the others are in. The caller's list and the answers built on it are
 * cached for {@code ttl} (30 s by default) from the list's read, so a membership change shows in
 * presence visibility within that time. Store failures
 * propagate to the caller (the door answers "unavailable"). Thread-safe; blocking.
 *
 * <pre>{@code
 * PresenceVisibility visibility = new PresenceVisibility(repository::currentConversationKinds,
 *         repository::currentMemberships);
 * Set<String> visible = visibility.visibleTo(caller.userId(), requestedUserIds);
 * }</pre>
 */
public final class PresenceVisibility {

    public static final Duration DEFAULT_TTL = Duration.ofSeconds(30);
    /** Cached callers and cached (caller, user) answers, each; the least recently used go first. */
    public static final int DEFAULT_MAX_CACHED = 100_000;
    /** The kinds of conversation whose members see each other's presence. */
    public static final Set<String> SHARING_KINDS = Set.of("DIRECT", "GROUP");

    /** The store's read side: a user's current conversations, each with its kind. */
    @FunctionalInterface
    public interface CurrentConversations {
        /** Conversation id to kind ({@code DIRECT}, {@code GROUP}, {@code CHANNEL}, or null if not known yet). */
        Map<String, String> currentConversationKinds(String userId);
    }

    /** The store's read side: which of some conversations each of some users is a current member of. */
    @FunctionalInterface
    public interface CurrentMemberships {
        /** For each user, the given conversations they are a current member of; users in none may be absent. */
        Map<String, Set<String>> currentMemberships(Collection<String> userIds, Collection<String> conversationIds);
    }

    private record Pair(String callerId, String userId) {
    }

    /** A caller's sharing conversations and when they were read: answers built on them expire with them. */
    private record Sharing(Map<String, String> kinds, long readAt) {
    }

    private final CurrentConversations conversations;
    private final CurrentMemberships memberships;
    private final Clock clock;
    private final ExpiringCache<String, Sharing> conversationsOf;
    private final ExpiringCache<Pair, Boolean> answers;

    /** With the defaults: answers cached 30 s, at most {@value #DEFAULT_MAX_CACHED} of each kind. */
    public PresenceVisibility(CurrentConversations conversations, CurrentMemberships memberships) {
        this(conversations, memberships, DEFAULT_TTL, DEFAULT_MAX_CACHED, Clock.systemUTC());
    }

    public PresenceVisibility(CurrentConversations conversations, CurrentMemberships memberships, Duration ttl,
            int maxCached, Clock clock) {
        this.conversations = Objects.requireNonNull(conversations, "conversations");
        this.memberships = Objects.requireNonNull(memberships, "memberships");
        this.clock = Objects.requireNonNull(clock, "clock");
        if (ttl.isNegative() || maxCached < 1) {
            throw new IllegalArgumentException("ttl must be >= 0 and maxCached >= 1, were " + ttl + ", " + maxCached);
        }
        this.conversationsOf = new ExpiringCache<>(ttl.toMillis(), maxCached);
        this.answers = new ExpiringCache<>(ttl.toMillis(), maxCached);
    }

    /**
     * Of {@code userIds}, those whose presence {@code callerId} may see, in the order given (duplicates
     * once). Ids that are not user ids are never visible. Blocks on store reads for what is not cached.
     */
    public Set<String> visibleTo(String callerId, Collection<String> userIds) {
        Objects.requireNonNull(callerId, "callerId");
        long now = clock.millis();
        Set<String> asked = new LinkedHashSet<>(userIds);
        Set<String> visible = new LinkedHashSet<>();
        List<String> unresolved = new ArrayList<>();
        for (String userId : asked) {
            if (userId.equals(callerId)) {
                visible.add(userId);
            } else if (Ids.isUserId(userId) && Ids.isUserId(callerId)) {
                Boolean known = answers.get(new Pair(callerId, userId), now);
                if (known == null) {
                    unresolved.add(userId);
                } else if (known) {
                    visible.add(userId);
                }
            }
        }
        if (!unresolved.isEmpty()) {
            Sharing sharing = conversationsOf.get(callerId, now);
            if (sharing == null) {
                sharing = new Sharing(Map.copyOf(sharingOnly(conversations.currentConversationKinds(callerId))), now);
                conversationsOf.put(callerId, sharing, now);
            }
            Set<String> found = resolve(callerId, sharing.kinds(), unresolved);
            for (String userId : unresolved) {
                // Expires with the caller's list it was built on: no answer is older than the ttl.
                answers.put(new Pair(callerId, userId), found.contains(userId), sharing.readAt());
            }
            // Keep the order asked: the resolved ones sit among the cached ones.
            Set<String> ordered = new LinkedHashSet<>();
            for (String userId : asked) {
                if (visible.contains(userId) || found.contains(userId)) {
                    ordered.add(userId);
                }
            }
            visible = ordered;
        }
        return visible;
    }

    /** Whether {@code callerId} may see the presence of {@code userId}. */
    public boolean canSee(String callerId, String userId) {
        return visibleTo(callerId, List.of(userId)).contains(userId);
    }

    private Set<String> resolve(String callerId, Map<String, String> mine, List<String> userIds) {
        Set<String> shared = new LinkedHashSet<>();
        mine.forEach((id, kind) -> {
            if ("GROUP".equals(kind)) {
                shared.add(id);
            }
        });
        // A direct chat is asked only of its other member: the id names both.
        for (String userId : userIds) {
            String direct = Ids.directConversation(callerId, userId);
            if ("DIRECT".equals(mine.get(direct))) {
                shared.add(direct);
            }
        }
        Set<String> found = new LinkedHashSet<>();
        if (shared.isEmpty()) {
            return found;
        }
        memberships.currentMemberships(userIds, shared).forEach((userId, in) -> {
            if (in.stream().anyMatch(shared::contains)) {
                found.add(userId);
            }
        });
        return found;
    }

    private static Map<String, String> sharingOnly(Map<String, String> kinds) {
        Map<String, String> out = new LinkedHashMap<>();
        kinds.forEach((id, kind) -> {
            if (kind != null && SHARING_KINDS.contains(kind)) {
                out.put(id, kind);
            }
        });
        return out;
    }
}
