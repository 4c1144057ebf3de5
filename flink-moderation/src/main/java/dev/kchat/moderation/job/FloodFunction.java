package dev.kchat.moderation.job;

import dev.kchat.events.moderation.Verdict;
import dev.kchat.moderation.DistinctWindow;
import dev.kchat.moderation.Flood;
import dev.kchat.moderation.ModerationConfig;
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
 * Floods (keyed by sender and content hash, {@link Content#senderAndContent}): {@link Flood} over
 * keyed state holding the at most C + 1 conversations the sender put this content into. Chat
 * messages only. Content shorter than the minimum length creates no state. An event-time timer a
 * window after the latest copy clears the state. Late copies count at the latest time seen for this
 * sender and content (the library counts at the sender's latest; the difference is at most the
 * watermark's bound on lateness).
 */
public final class FloodFunction extends KeyedBroadcastProcessFunction<String, Content, RuleUpdate, Detection> {

    private static final long serialVersionUID = 1L;
    private static final Logger log = LoggerFactory.getLogger(FloodFunction.class);

    /** Keyed state: the conversations this sender put this content into, last seen times. */
    public static final ValueStateDescriptor<DistinctWindow> STATE = new ValueStateDescriptor<>("flood", DistinctWindow.class);
    /** Keyed state: the pending cleanup timer. */
    public static final ValueStateDescriptor<Long> TIMER = new ValueStateDescriptor<>("flood-timer", Types.LONG);

    private final ModerationConfig config;
    private transient RuleBook book;
    private transient ValueState<DistinctWindow> state;
    private transient ValueState<Long> timer;

    public FloodFunction(ModerationConfig config) {
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
        Flood flood = rules.flood();
        if (flood == null || content.kind() != Content.Kind.CHAT) {
            return;
        }
        try {
            DistinctWindow conversations = Optional.ofNullable(state.value()).orElseGet(DistinctWindow::new);
            Optional<Verdict> verdict = flood.onMessage(conversations, content.chatMessage(), Flood.normalise(content.body()), content.contentHash());
            if (conversations.keys.length > 0) {
                state.update(conversations);
                Detectors.ensureTimer(timer, ctx.timerService(), flood.expiresAt(conversations));
            }
            verdict.ifPresent(v -> out.collect(Detection.of(v, rules.policy().decide(v))));
        } catch (RuntimeException e) {
            log.warn("flood: cannot count {}-{}@{}", content.sourceTopic(), content.sourcePartition(), content.sourceOffset(), e);
            ctx.output(Detectors.FAILURES, Failure.of(content, e));
        }
    }

    @Override
    public void onTimer(long timestamp, OnTimerContext ctx, Collector<Detection> out) throws Exception {
        timer.clear();
        DistinctWindow conversations = state.value();
        Flood flood = book(ctx).flood();
        if (conversations != null && flood != null && timestamp < flood.expiresAt(conversations)) {
            Detectors.ensureTimer(timer, ctx.timerService(), flood.expiresAt(conversations));
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
