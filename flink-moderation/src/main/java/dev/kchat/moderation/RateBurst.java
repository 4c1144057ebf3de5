package dev.kchat.moderation;

import dev.kchat.events.moderation.Severity;
import dev.kchat.events.moderation.Verdict;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
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
 * <p>Not thread-safe: one instance per Flink subtask (or keyed state holding what it holds).
 */
public final class RateBurst {

    private final int maxMessages;
    private final Duration window;
    private final Severity severity;
    private final Map<String, SenderState> senders = new HashMap<>();

    private static final class SenderState {
        final ArrayDeque<Instant> recent = new ArrayDeque<>();
        Instant latest;
        Instant lastVerdict;
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
        SenderState state = senders.computeIfAbsent(senderId, k -> new SenderState());
        Instant t = state.latest == null || at.isAfter(state.latest) ? at : state.latest;
        state.latest = t;
        state.recent.addLast(t);
        while (state.recent.size() > maxMessages + 1) {
            state.recent.removeFirst();
        }
        if (state.recent.size() <= maxMessages) {
            return Optional.empty();
        }
        Duration span = Duration.between(state.recent.peekFirst(), t);
        if (span.compareTo(window) >= 0) {
            return Optional.empty();
        }
        if (state.lastVerdict != null && Duration.between(state.lastVerdict, t).compareTo(window) < 0) {
            return Optional.empty();
        }
        state.lastVerdict = t;
        String evidence = (maxMessages + 1) + " messages in " + span.toMillis() + " ms (limit " + maxMessages
                + " per " + window.toMillis() + " ms)";
        return Optional.of(Verdicts.verdict(Verdicts.RATE_BURST, severity, senderId, ref, t, evidence));
    }

    /**
     * Forgets senders whose last message is at least a window before {@code now}: none of their
     * past messages can be part of a burst any more. The Flink job calls this from an event-time
     * timer, so state does not grow with every sender ever seen.
     *
     * @return how many senders were forgotten
     */
    public int expire(Instant now) {
        int before = senders.size();
        senders.values().removeIf(s -> Duration.between(s.latest, now).compareTo(window) >= 0);
        return before - senders.size();
    }

    /** Senders with state, for tests and metrics. */
    public int trackedSenders() {
        return senders.size();
    }
}
