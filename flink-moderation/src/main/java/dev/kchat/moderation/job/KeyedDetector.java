package dev.kchat.moderation.job;

import dev.kchat.events.moderation.Verdict;
import dev.kchat.moderation.ModerationConfig;
import java.util.function.Consumer;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.functions.co.KeyedBroadcastProcessFunction;
import org.apache.flink.util.Collector;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the keyed detectors share: one value of keyed state per key, bounded by one event-time
 * timer per key that clears it when it expires under the current rules, the rules from the
 * broadcast state, and per-record failures to the failure side output.
 *
 * @param <I> what it counts: {@link Content}, or {@link Activity} for stranger spam
 * @param <S> the detector's per-key state, a Flink POJO
 */
abstract class KeyedDetector<I extends Sourced, S> extends KeyedBroadcastProcessFunction<String, I, RuleUpdate, Detection> {

    private static final long serialVersionUID = 1L;
    private static final Logger log = LoggerFactory.getLogger(KeyedDetector.class);

    private final ModerationConfig config;
    private final ValueStateDescriptor<S> stateDescriptor;
    private final ValueStateDescriptor<Long> timerDescriptor;
    private transient RuleBook book;
    private transient ValueState<S> state;
    private transient ValueState<Long> timer;

    KeyedDetector(ModerationConfig config, ValueStateDescriptor<S> stateDescriptor) {
        this.config = config;
        this.stateDescriptor = stateDescriptor;
        this.timerDescriptor = timerOf(stateDescriptor);
    }

    /** The descriptor of the pending-timer state that goes with a detector's state. */
    static ValueStateDescriptor<Long> timerOf(ValueStateDescriptor<?> stateDescriptor) {
        return new ValueStateDescriptor<>(stateDescriptor.getName() + "-timer", Types.LONG);
    }

    /**
     * Counts one piece of content into the key's state (null when there is none). A runtime
     * exception is a failure of this record (to {@code platform.errors}); any other, of the job.
     *
     * @return the state to keep, or null to keep none
     */
    abstract S count(RuleBook rules, I content, S state, Consumer<Verdict> verdicts) throws Exception;

    /** When the state is of no more use under these rules (epoch ms), or null when the detector is off. */
    abstract Long expiresAt(RuleBook rules, S state);

    @Override
    public void open(OpenContext openContext) throws Exception {
        state = getRuntimeContext().getState(stateDescriptor);
        timer = getRuntimeContext().getState(timerDescriptor);
    }

    @Override
    public void processElement(I content, ReadOnlyContext ctx, Collector<Detection> out) throws Exception {
        RuleBook rules = book(ctx);
        try {
            S next = count(rules, content, state.value(), v -> out.collect(Detection.of(v, rules.policy().decide(v))));
            Long expiry = next == null ? null : expiresAt(rules, next);
            if (expiry != null) {
                state.update(next);
                Detectors.ensureTimer(timer, ctx.timerService(), expiry);
            }
        } catch (RuntimeException e) {
            log.warn("{}: cannot count {}-{}@{}", stateDescriptor.getName(), content.sourceTopic(), content.sourcePartition(),
                    content.sourceOffset(), e);
            ctx.output(Detectors.FAILURES, Failure.of(content, e));
        }
    }

    @Override
    public void onTimer(long timestamp, OnTimerContext ctx, Collector<Detection> out) throws Exception {
        timer.clear();
        S held = state.value();
        Long expiry = held == null ? null : expiresAt(book(ctx), held);
        if (expiry != null && timestamp < expiry) {
            Detectors.ensureTimer(timer, ctx.timerService(), expiry);
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
