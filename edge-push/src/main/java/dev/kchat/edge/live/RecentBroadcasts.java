package dev.kchat.edge.live;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The newest broadcast frames of each large conversation this edge saw, so that a member who joins
 * gets the broadcasts sequenced after their join even when those overtook the join itself.
 *
 * <p>Why it is needed: a member learns of their join from their inbox ({@code MemberJoined} through
 * fanout's per-user sequencer: one transaction more), while the conversation's next events come on
 * {@code chat.broadcast} straight from fanout's first stage. So broadcasts sequenced right after a
 * join reach the edge before the join does, and were dropped because the session was not subscribed
 * yet (the {@code large-group} benchmark saw 25 of 2,000 new members get the first message).
 *
 * <p>Bounded three ways: at most {@code perConversation} frames per conversation, none older than
 * {@code maxAge}, and at most {@code conversations} conversations (the least recently broadcast one
 * goes first). Not thread-safe: {@link LiveHub} calls it under its broadcast lock.
 */
final class RecentBroadcasts {

    private final int perConversation;
    private final long maxAgeNanos;
    private final Map<String, Deque<Frame>> byConversation;

    RecentBroadcasts(int perConversation, Duration maxAge, int conversations) {
        if (perConversation < 1 || conversations < 1) {
            throw new IllegalArgumentException("capacities must be positive");
        }
        this.perConversation = perConversation;
        this.maxAgeNanos = maxAge.toNanos();
        this.byConversation = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Deque<Frame>> eldest) {
                return size() > conversations;
            }
        };
    }

    /** Remembers a frame of the conversation at seq; {@code nowNanos} from {@link System#nanoTime()}. */
    void add(String conversationId, long seq, String frame, long nowNanos) {
        Deque<Frame> frames = byConversation.computeIfAbsent(conversationId, c -> new ArrayDeque<>());
        frames.addLast(new Frame(seq, frame, nowNanos));
        while (frames.size() > perConversation) {
            frames.removeFirst();
        }
        expire(frames, nowNanos);
    }

    /** The remembered frames of the conversation with a seq above {@code afterSeq}, in seq order. */
    List<Frame> after(String conversationId, long afterSeq, long nowNanos) {
        Deque<Frame> frames = byConversation.get(conversationId);
        if (frames == null) {
            return List.of();
        }
        expire(frames, nowNanos);
        List<Frame> out = new ArrayList<>();
        for (Frame f : frames) {
            if (f.seq > afterSeq) {
                out.add(f);
            }
        }
        return out;
    }

    int conversations() {
        return byConversation.size();
    }

    private void expire(Deque<Frame> frames, long nowNanos) {
        while (!frames.isEmpty() && nowNanos - frames.peekFirst().atNanos > maxAgeNanos) {
            frames.removeFirst();
        }
    }

    /** A broadcast frame of a conversation at its seq, remembered at {@code atNanos}. */
    record Frame(long seq, String frame, long atNanos) {
    }
}
