package dev.kchat.moderation.job;

import dev.kchat.events.moderation.Verdict;
import dev.kchat.moderation.DistinctWindow;
import dev.kchat.moderation.Flood;
import dev.kchat.moderation.ModerationConfig;
import java.util.function.Consumer;
import org.apache.flink.api.common.state.ValueStateDescriptor;

/**
 * Floods (keyed by sender and content hash, {@link Content#senderAndContent}): {@link Flood} over
 * keyed state holding the at most C + 1 conversations the sender put this content into. Chat
 * messages only. Content shorter than the minimum length creates no state. An event-time timer a
 * window after the latest copy clears the state. Late copies count at the latest time seen for this
 * sender and content (the library counts at the sender's latest; the difference is at most the
 * watermark's bound on lateness).
 */
public final class FloodFunction extends KeyedDetector<Content, DistinctWindow> {

    private static final long serialVersionUID = 1L;

    /** Keyed state: the conversations this sender put this content into, last seen times. */
    public static final ValueStateDescriptor<DistinctWindow> STATE = new ValueStateDescriptor<>("flood", DistinctWindow.class);
    /** Keyed state: the pending cleanup timer. */
    public static final ValueStateDescriptor<Long> TIMER = timerOf(STATE);

    public FloodFunction(ModerationConfig config) {
        super(config, STATE);
    }

    @Override
    DistinctWindow count(RuleBook rules, Content content, DistinctWindow held, Consumer<Verdict> verdicts) {
        Flood flood = rules.flood();
        if (flood == null || content.kind() != Content.Kind.CHAT) {
            return null;
        }
        DistinctWindow conversations = held == null ? new DistinctWindow() : held;
        flood.onMessage(conversations, content.chatMessage(), Flood.normalise(content.body()), content.contentHash())
                .ifPresent(verdicts);
        return conversations.keys.length > 0 ? conversations : null;
    }

    @Override
    Long expiresAt(RuleBook rules, DistinctWindow conversations) {
        return rules.flood() == null ? null : rules.flood().expiresAt(conversations);
    }
}
