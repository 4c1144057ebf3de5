package dev.kchat.moderation;

import dev.kchat.events.moderation.Severity;
import dev.kchat.events.moderation.Verdict;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Per-sender rate bursts: more than K messages whose event times lie within less than W of each
 * other (K + 1 messages spanning exactly W are not a burst).
 *
 * <p>Deterministic over event times: the same events in the same order give the same verdicts,
 * whatever the wall clock. A verdict is given at the message that completes a burst, then at most
 * once per W per sender while the burst goes on, so a spammer yields one verdict per window rather
 * than one per message.
 *
 * <p>Late events: a sender's event earlier than one already seen is counted at the latest time
 * seen. Dropping it would let reordering hide a burst; counting it where it belongs would need
 * every event of the window kept. The Flink job's watermark bounds lateness to well under W, so the
 * error is small and errs towards detection. State per sender is at most K + 1 timestamps.
 *
 * <p>Not thread-safe. The per-sender state is a {@link State} value: this class keeps one per
 * sender in a map, the Flink job keeps it in keyed state ({@code RateBurstFunction}) and calls
 * {@link #onEvent(State, String, Instant, Object)} with it.
 */
public final class RateBurst {

    private final int maxMessages;
    private final Duration window;
    private final Severity severity;
    private final Map<String, State> senders = new HashMap<>();

    /**
     * One sender's state: at most K + 1 event times, oldest first, the latest time seen and the
     * time of the last verdict. A Flink POJO (public fields, no-argument constructor), so keyed
     * state holds it with Flink's own serializer and can evolve it.
     */
    public static final class State {
        /** Event times (epoch ms) of the last K + 1 messages, oldest first. */
        public long[] recent = new long[0];
        /** Latest event time seen, epoch ms; {@link Long#MIN_VALUE} before the first. */
        public long latest = Long.MIN_VALUE;
        /** Event time of the last verdict, epoch ms; {@link Long#MIN_VALUE} if none. */
        public long lastVerdict = Long.MIN_VALUE;

        public State() {
        }
    }

    /**
     * @param maxMessages K: more than this many messages is a burst; {@code >= 1}
     * @param window      W: a positive duration
     * @param severity    the verdicts' severity
     */
    public RateBurst(int maxMessages, Duration window, Severity severity) {
        if (maxMessages < 1) {
            throw new IllegalArgumentException("maxMessages must be >= 1, was " + maxMessages);
        }
        if (window.isNegative() || window.isZero()) {
            throw new IllegalArgumentException("window must be positive, was " + window);
        }
        this.maxMessages = maxMessages;
        this.window = window;
        this.severity = Objects.requireNonNull(severity, "severity");
    }

    /** The detector with the configured K, W and severity. */
    public static RateBurst from(ModerationConfig config) {
        return new RateBurst(config.burstMaxMessages(), config.burstWindow(), config.burstSeverity());
    }

    /**
     * Counts one message (or post, or comment) of a sender.
     *
     * @param senderId who sent it
     * @param at       its event time
     * @param ref      what it was ({@code ChatMessageRef}, {@code MomentRef} or null), for the verdict
     * @return a {@link Verdicts#RATE_BURST} verdict if this message completes a burst and the
     *         sender had none within the last window
     */
    public Optional<Verdict> onEvent(String senderId, Instant at, Object ref) {
        return onEvent(senders.computeIfAbsent(senderId, k -> new State()), senderId, at, ref);
    }

    /**
     * Counts one message of a sender against that sender's state, which it updates in place.
     *
     * @see #onEvent(String, Instant, Object)
     */
    public Optional<Verdict> onEvent(State state, String senderId, Instant at, Object ref) {
        long t = Math.max(at.toEpochMilli(), state.latest);
        state.latest = t;
        long[] recent = state.recent;
        if (recent.length < maxMessages + 1) {
            recent = Arrays.copyOf(recent, recent.length + 1);
        } else {
            System.arraycopy(recent, 1, recent, 0, recent.length - 1);
        }
        recent[recent.length - 1] = t;
        state.recent = recent;
        if (recent.length <= maxMessages) {
            return Optional.empty();
        }
        long span = t - recent[0];
        long windowMs = window.toMillis();
        if (span >= windowMs) {
            return Optional.empty();
        }
        if (state.lastVerdict != Long.MIN_VALUE && t - state.lastVerdict < windowMs) {
            return Optional.empty();
        }
        state.lastVerdict = t;
        String evidence = (maxMessages + 1) + " messages in " + span + " ms (limit " + maxMessages
                + " per " + windowMs + " ms)";
        return Optional.of(Verdicts.verdict(Verdicts.RATE_BURST, severity, senderId, ref, Instant.ofEpochMilli(t), evidence));
    }

    /**
     * When a sender's state can be forgotten: a window after its latest message, none of its past
     * messages can be part of a burst any more (and its last verdict no longer holds one back).
     *
     * @return epoch ms from which {@code state} is useless
     */
    public long expiresAt(State state) {
        return state.latest + window.toMillis();
    }

    /**
     * Forgets senders whose last message is at least a window before {@code now}: none of their
     * past messages can be part of a burst any more. The Flink job clears its keyed state from an
     * event-time timer at {@link #expiresAt} instead.
     *
     * @return how many senders were forgotten
     */
    public int expire(Instant now) {
        int before = senders.size();
        senders.values().removeIf(s -> now.toEpochMilli() >= expiresAt(s));
        return before - senders.size();
    }

    /** Senders with state, for tests and metrics. */
    public int trackedSenders() {
        return senders.size();
    }
}
