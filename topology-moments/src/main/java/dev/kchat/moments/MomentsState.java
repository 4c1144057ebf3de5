package dev.kchat.moments;

import dev.kchat.moments.state.FriendState;
import dev.kchat.moments.state.PostState;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Conversions between the rules' values and the app's Avro state records. */
final class MomentsState {

    /** Separates the parts of a composite store key; ids must not contain it. */
    static final char KEY_SEPARATOR = '|';

    private MomentsState() {
    }

    static FriendState toState(FriendGraph graph) {
        List<String> outgoing = new ArrayList<>();
        List<String> incoming = new ArrayList<>();
        graph.pendingRequests().forEach((other, direction) ->
                (direction == FriendGraph.Direction.OUTGOING ? outgoing : incoming).add(other));
        return FriendState.newBuilder()
                .setUserId(graph.userId())
                .setFriends(new HashMap<>(graph.friendsSince()))
                .setOutgoing(outgoing)
                .setIncoming(incoming)
                .setLastChange(new HashMap<>(graph.lastChanges()))
                .build();
    }

    static FriendGraph toGraph(FriendState state) {
        Map<String, FriendGraph.Direction> pending = new HashMap<>();
        state.getOutgoing().forEach(other -> pending.put(other, FriendGraph.Direction.OUTGOING));
        state.getIncoming().forEach(other -> pending.put(other, FriendGraph.Direction.INCOMING));
        return FriendGraph.restore(state.getUserId(), state.getFriends(), pending, state.getLastChange());
    }

    static Post toPost(PostState state) {
        return new Post(state.getPostId(), state.getAuthorId(), state.getPostedAt());
    }

    /** {@code author|post}: an author's posts are one prefix range. */
    static String postKey(String authorId, String postId) {
        return authorId + KEY_SEPARATOR + postId;
    }

    /** The prefix of every post key of this author. */
    static String postPrefix(String authorId) {
        return authorId + KEY_SEPARATOR;
    }

    /**
     * @throws IllegalArgumentException if {@code id} is missing or contains {@link #KEY_SEPARATOR},
     *                                  which would let one user's key range hold another's keys
     */
    static String requireId(String what, String id) {
        if (id == null || id.isEmpty() || id.indexOf(KEY_SEPARATOR) >= 0) {
            throw new IllegalArgumentException(what + " must be non-empty without '" + KEY_SEPARATOR + "', was " + id);
        }
        return id;
    }
}
