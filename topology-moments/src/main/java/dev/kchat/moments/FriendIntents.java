package dev.kchat.moments;

import dev.kchat.events.social.FriendAdded;
import dev.kchat.events.social.FriendBlocked;
import dev.kchat.events.social.FriendRemoved;
import dev.kchat.events.social.FriendRequested;
import dev.kchat.events.social.FriendUnblocked;
import dev.kchat.events.social.GraphOrigin;
import dev.kchat.events.social.SocialGraphEvent;
import java.time.Instant;
import java.util.Optional;

/**
 * The rules of a change to the friend graph asked for by one user (an {@code INTENT} record on
 * {@code social.graph}), judged on that user's side of the graph alone: ingress judges it on the
 * store's copy before producing (and answers the refusal's code), topology-moments judges it again
 * on its own state, which is exact for the actor's partition, before writing both sides.
 *
 * <p>The actor's side holds everything a decision needs, because every change reaches both sides:
 * a request the other user made is an incoming request here, a block by the other user is in
 * {@link FriendGraph#blockedBy()}.
 *
 * <table>
 *   <caption>What each intent needs (refusal codes)</caption>
 *   <tr><th>intent</th><th>needs</th></tr>
 *   <tr><td>{@code FriendRequested(outgoing)}</td><td>no block either way ({@code blocked}), not friends
 *       ({@code already_friends}), no request of the actor's ({@code request_already_sent}) nor of the
 *       other's ({@code incoming_request_pending}: accept it instead)</td></tr>
 *   <tr><td>{@code FriendAdded} (accept)</td><td>an incoming request ({@code no_pending_request})</td></tr>
 *   <tr><td>{@code FriendRemoved} (unfriend, decline, withdraw)</td><td>a friendship or a request
 *       either way ({@code not_friends})</td></tr>
 *   <tr><td>{@code FriendBlocked(outgoing)}</td><td>not blocked by the actor yet ({@code already_blocked})</td></tr>
 *   <tr><td>{@code FriendUnblocked(outgoing)}</td><td>blocked by the actor ({@code not_blocked})</td></tr>
 * </table>
 * A request, block or unblock with {@code outgoing = false}, or about oneself, is {@code invalid_intent}.
 */
public final class FriendIntents {

    public static final String INVALID_INTENT = "invalid_intent";
    public static final String BLOCKED = "blocked";
    public static final String ALREADY_FRIENDS = "already_friends";
    public static final String REQUEST_ALREADY_SENT = "request_already_sent";
    public static final String INCOMING_REQUEST_PENDING = "incoming_request_pending";
    public static final String NO_PENDING_REQUEST = "no_pending_request";
    public static final String NOT_FRIENDS = "not_friends";
    public static final String ALREADY_BLOCKED = "already_blocked";
    public static final String NOT_BLOCKED = "not_blocked";

    /** Why an intent does not hold: a machine-readable code and a sentence. */
    public record Refusal(String code, String reason) {
    }

    private FriendIntents() {
    }

    /** An intent of {@code actorId} about {@code otherId}, as ingress writes it (key: the actor). */
    public static SocialGraphEvent intent(String actorId, String otherId, Instant at, Object kind) {
        return SocialGraphEvent.newBuilder().setUserId(actorId).setOtherUserId(otherId).setAt(at)
                .setEvent(kind).setOrigin(GraphOrigin.INTENT).build();
    }

    /**
     * Whether the intent holds on the actor's side of the graph.
     *
     * @param actor  the actor's graph; its owner must be the intent's {@code user_id}
     * @param intent the asked change
     * @return the refusal, or empty when the intent holds
     * @throws IllegalArgumentException if {@code actor} is someone else's graph
     */
    public static Optional<Refusal> check(FriendGraph actor, SocialGraphEvent intent) {
        if (!actor.userId().equals(intent.getUserId())) {
            throw new IllegalArgumentException("graph of " + actor.userId() + " given for an intent of " + intent.getUserId());
        }
        String other = intent.getOtherUserId();
        if (other == null || other.equals(actor.userId())) {
            return refuse(INVALID_INTENT, "a user cannot befriend or block themselves");
        }
        Object kind = intent.getEvent();
        if (kind instanceof FriendRequested requested) {
            if (!requested.getOutgoing()) {
                return refuse(INVALID_INTENT, "a request is asked for on the requester's side (outgoing)");
            }
            if (actor.isBlocked(other)) {
                return refuse(BLOCKED, "a block stands between " + actor.userId() + " and " + other);
            }
            if (actor.isFriend(other)) {
                return refuse(ALREADY_FRIENDS, actor.userId() + " and " + other + " are friends already");
            }
            FriendGraph.Direction pending = actor.pendingRequests().get(other);
            if (pending == FriendGraph.Direction.OUTGOING) {
                return refuse(REQUEST_ALREADY_SENT, actor.userId() + " asked " + other + " already");
            }
            if (pending == FriendGraph.Direction.INCOMING) {
                return refuse(INCOMING_REQUEST_PENDING, other + " asked " + actor.userId() + " already: accept their request");
            }
            return Optional.empty();
        }
        if (kind instanceof FriendAdded) {
            return actor.pendingRequests().get(other) == FriendGraph.Direction.INCOMING ? Optional.empty()
                    : refuse(NO_PENDING_REQUEST, "no friend request from " + other + " to " + actor.userId());
        }
        if (kind instanceof FriendRemoved) {
            return actor.isFriend(other) || actor.pendingRequests().containsKey(other) ? Optional.empty()
                    : refuse(NOT_FRIENDS, actor.userId() + " and " + other + " are neither friends nor asked to be");
        }
        if (kind instanceof FriendBlocked block) {
            if (!block.getOutgoing()) {
                return refuse(INVALID_INTENT, "a block is asked for on the blocker's side (outgoing)");
            }
            return actor.blocked().contains(other)
                    ? refuse(ALREADY_BLOCKED, actor.userId() + " blocked " + other + " already") : Optional.empty();
        }
        if (kind instanceof FriendUnblocked unblock) {
            if (!unblock.getOutgoing()) {
                return refuse(INVALID_INTENT, "an unblock is asked for on the blocker's side (outgoing)");
            }
            return actor.blocked().contains(other)
                    ? Optional.empty() : refuse(NOT_BLOCKED, actor.userId() + " has not blocked " + other);
        }
        return refuse(INVALID_INTENT, "unknown social.graph event " + (kind == null ? "null" : kind.getClass().getSimpleName()));
    }

    /** The checked intent as the actor's side of the fact ({@code origin = ACTOR}, same key). */
    public static SocialGraphEvent actorFact(SocialGraphEvent intent) {
        return SocialGraphEvent.newBuilder(intent).setOrigin(GraphOrigin.ACTOR).build();
    }

    /**
     * The other side of the checked intent ({@code origin = MIRROR}, keyed by the other user): the
     * same change seen from there, so a request or a block is incoming ({@code outgoing = false}).
     */
    public static SocialGraphEvent mirror(SocialGraphEvent intent) {
        Object kind = intent.getEvent();
        Object mirrored = kind;
        if (kind instanceof FriendRequested requested) {
            mirrored = FriendRequested.newBuilder(requested).setOutgoing(false).build();
        } else if (kind instanceof FriendBlocked) {
            mirrored = new FriendBlocked(false);
        } else if (kind instanceof FriendUnblocked) {
            mirrored = new FriendUnblocked(false);
        }
        return SocialGraphEvent.newBuilder(intent).setUserId(intent.getOtherUserId()).setOtherUserId(intent.getUserId())
                .setEvent(mirrored).setOrigin(GraphOrigin.MIRROR).build();
    }

    private static Optional<Refusal> refuse(String code, String reason) {
        return Optional.of(new Refusal(code, reason));
    }
}
