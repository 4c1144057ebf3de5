package dev.kchat.moderation.job;

import dev.kchat.events.moderation.Verdict;
import dev.kchat.moderation.ModerationConfig;
import dev.kchat.moderation.RateBurst;
import java.time.Instant;
import java.util.Optional;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.functions.co.KeyedBroadcastProcessFunction;
import org.apache.flink.util.Collector;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Rate bursts per sender (keyed by sender id): {@link RateBurst} over keyed state holding at most
 * K + 1 event times. Chat messages, posts and comments all count. An event-time timer a window
 * after the sender's latest message clears the sender's state: a sender who stops costs nothing.
 * The thresholds and the switch come from {@code moderation.rules} ({@link RuleBook}).
 */
public final class RateBurstFunction extends KeyedBroadcastProcessFunction<String, Content, RuleUpdate, Detection> {

    private static final long serialVersionUID = 1L;
    private static final Logger log = LoggerFactory.getLogger(RateBurstFunction.class);

    /** Keyed state: the sender's recent event times. */
    public static final ValueStateDescriptor<RateBurst.State> STATE = new ValueStateDescriptor<>("rate-burst", RateBurst.State.class);
    /** Keyed state: the pending cleanup timer. */
    public static final ValueStateDescriptor<Long> TIMER = new ValueStateDescriptor<>("rate-burst-timer", Types.LONG);

    private final ModerationConfig config;
    private transient RuleBook book;
    private transient ValueState<RateBurst.State> state;
    private transient ValueState<Long> timer;

    public RateBurstFunction(ModerationConfig config) {
        this.config = config;
    }

    @Override
    public void open(OpenContext openContext) {
        state = getRuntimeContext().getState(STATE);
        timer = getRuntimeContext().getState(TIMER);
    }

    @Override
    public void processElement(Content content, ReadOnlyContext ctx, Collector<Detection> out) throws Exception {
        RuleBook rules = book(ctx);
        RateBurst burst = rules.burst();
        if (burst == null) {
            return;
        }
        try {
            RateBurst.State sender = Optional.ofNullable(state.value()).orElseGet(RateBurst.State::new);
            Optional<Verdict> verdict = burst.onEvent(sender, content.senderId(), Instant.ofEpochMilli(content.at()), content.ref());
            state.update(sender);
            Detectors.ensureTimer(timer, ctx.timerService(), burst.expiresAt(sender));
            verdict.ifPresent(v -> out.collect(Detection.of(v, rules.policy().decide(v))));
        } catch (RuntimeException e) {
            log.warn("rate burst: cannot count {}-{}@{}", content.sourceTopic(), content.sourcePartition(), content.sourceOffset(), e);
            ctx.output(Detectors.FAILURES, Failure.of(content, e));
        }
    }

    @Override
    public void onTimer(long timestamp, OnTimerContext ctx, Collector<Detection> out) throws Exception {
        timer.clear();
        RateBurst.State sender = state.value();
        RateBurst burst = book(ctx).burst();
        if (sender != null && burst != null && timestamp < burst.expiresAt(sender)) {
            Detectors.ensureTimer(timer, ctx.timerService(), burst.expiresAt(sender));
        } else {
            state.clear();
        }
    }

    @Override
    public void processBroadcastElement(RuleUpdate update, Context ctx, Collector<Detection> out) throws Exception {
        if (RuleBook.apply(ctx.getBroadcastState(RuleBook.RULES), update)) {
            book = null;
        }
    }

    private RuleBook book(ReadOnlyContext ctx) throws Exception {
        if (book == null) {
            book = RuleBook.of(config, ctx.getBroadcastState(RuleBook.RULES));
        }
        return book;
    }
}
