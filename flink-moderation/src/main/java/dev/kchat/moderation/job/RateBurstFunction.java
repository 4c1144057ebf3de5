package dev.kchat.moderation.job;

import dev.kchat.events.moderation.Verdict;
import dev.kchat.moderation.ModerationConfig;
import java.util.function.Consumer;
import dev.kchat.moderation.RateBurst;
import java.time.Instant;
import org.apache.flink.api.common.state.ValueStateDescriptor;

/**
 * Rate bursts per sender (keyed by sender id): {@link RateBurst} over keyed state holding at most
 * K + 1 event times. Chat messages, posts and comments all count. An event-time timer a window
 * after the sender's latest message clears the sender's state: a sender who stops costs nothing.
 * The thresholds and the switch come from {@code moderation.rules} ({@link RuleBook}); while the
 * detector is switched off nothing is counted and held state is cleared at its timer.
 */
public final class RateBurstFunction extends KeyedDetector<Content, RateBurst.State> {

    private static final long serialVersionUID = 1L;

    /** Keyed state: the sender's recent event times. */
    public static final ValueStateDescriptor<RateBurst.State> STATE = new ValueStateDescriptor<>("rate-burst", RateBurst.State.class);
    /** Keyed state: the pending cleanup timer. */
    public static final ValueStateDescriptor<Long> TIMER = timerOf(STATE);

    public RateBurstFunction(ModerationConfig config) {
        super(config, STATE);
    }

    @Override
    RateBurst.State count(RuleBook rules, Content content, RateBurst.State held, Consumer<Verdict> verdicts) {
        RateBurst burst = rules.burst();
        if (burst == null) {
            return null;
        }
        RateBurst.State sender = held == null ? new RateBurst.State() : held;
        burst.onEvent(sender, content.senderId(), Instant.ofEpochMilli(content.at()), content.ref()).ifPresent(verdicts);
        return sender;
    }

    @Override
    Long expiresAt(RuleBook rules, RateBurst.State sender) {
        return rules.burst() == null ? null : rules.burst().expiresAt(sender);
    }
}
