package dev.kchat.moments;

import dev.kchat.moments.state.FriendState;
import dev.kchat.moments.state.PostState;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;

/** Conversions between the rules' values and the app's Avro state records. */
final class MomentsState {

    /** Separates the parts of a composite store key; ids must not contain it. */
    static final char KEY_SEPARATOR = '|';

    /**
     * The first schema of {@link FriendState} (without blocks), still in changelogs written before
     * blocks existed: {@code StateSerde} restores those records into the current class.
     */
    static final org.apache.avro.Schema FRIEND_STATE_V1 = schema("FriendState-v1.avsc");
    /** The first schema of {@link PostState} (without the audience), read back as {@link PostAudience#FRIENDS}. */
    static final org.apache.avro.Schema POST_STATE_V1 = schema("PostState-v1.avsc");

    private MomentsState() {
    }

    private static org.apache.avro.Schema schema(String resource) {
        try (java.io.InputStream in = MomentsState.class.getResourceAsStream("state/" + resource)) {
            if (in == null) {
                throw new IllegalStateException("missing state schema resource " + resource);
            }
            return new org.apache.avro.Schema.Parser().parse(in);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("cannot read state schema " + resource, e);
        }
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
                .setBlocked(new ArrayList<>(graph.blocked()))
                .setBlockedBy(new ArrayList<>(graph.blockedBy()))
                .build();
    }

    static FriendGraph toGraph(FriendState state) {
        Map<String, FriendGraph.Direction> pending = new HashMap<>();
        state.getOutgoing().forEach(other -> pending.put(other, FriendGraph.Direction.OUTGOING));
        state.getIncoming().forEach(other -> pending.put(other, FriendGraph.Direction.INCOMING));
        return FriendGraph.restore(state.getUserId(), state.getFriends(), pending, state.getLastChange(),
                new HashSet<>(state.getBlocked()), new HashSet<>(state.getBlockedBy()));
    }

    static PostAudience toAudience(PostState state) {
        return new PostAudience(dev.kchat.events.social.PostVisibility.valueOf(state.getVisibility()), new java.util.TreeSet<>(state.getAudience()));
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
