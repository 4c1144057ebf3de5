package dev.kchat.moderation.job;

import dev.kchat.events.moderation.Verdict;
import dev.kchat.moderation.ModerationConfig;
import java.time.Instant;
import org.apache.flink.streaming.api.functions.co.BroadcastProcessFunction;
import org.apache.flink.util.Collector;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sensitive words: every content against the dictionary of the enabled rules in
 * {@code moderation.rules} (Aho-Corasick over folded text, {@code SensitiveWords}), one verdict per
 * matching rule. Per key it keeps nothing: its only state is the broadcast rules, from which the
 * automaton is rebuilt, once per subtask, after a rule changes or a restore.
 */
public final class SensitiveWordsFunction extends BroadcastProcessFunction<Content, RuleUpdate, Detection> {

    private static final long serialVersionUID = 1L;
    private static final Logger log = LoggerFactory.getLogger(SensitiveWordsFunction.class);

    private final ModerationConfig config;
    private transient RuleBook book;

    public SensitiveWordsFunction(ModerationConfig config) {
        this.config = config;
    }

    @Override
    public void processElement(Content content, ReadOnlyContext ctx, Collector<Detection> out) throws Exception {
        if (book == null) {
            book = RuleBook.of(config, ctx.getBroadcastState(RuleBook.RULES));
        }
        try {
            for (Verdict verdict : book.dictionary().verdicts(content.senderId(), content.ref(), Instant.ofEpochMilli(content.at()), content.body())) {
                out.collect(Detection.of(verdict, book.policy().decide(verdict)));
            }
        } catch (RuntimeException e) {
            log.warn("sensitive words: cannot judge {}-{}@{}", content.sourceTopic(), content.sourcePartition(), content.sourceOffset(), e);
            ctx.output(Detectors.FAILURES, Failure.of(content, e));
        }
    }

    @Override
    public void processBroadcastElement(RuleUpdate update, Context ctx, Collector<Detection> out) throws Exception {
        if (RuleBook.apply(ctx.getBroadcastState(RuleBook.RULES), update)) {
            book = null;
        }
    }
}
