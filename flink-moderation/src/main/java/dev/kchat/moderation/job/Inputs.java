package dev.kchat.moderation.job;

import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;

/** The first step after the sources: what decoded goes on, what did not goes to the failure side output. */
final class Inputs {

    private Inputs() {
    }

    /** Content on, decoding failures to {@link Detectors#FAILURES}. */
    static final class SplitContent extends ProcessFunction<Inbound, Content> {
        private static final long serialVersionUID = 1L;

        @Override
        public void processElement(Inbound in, Context ctx, Collector<Content> out) {
            if (in.failure() != null) {
                ctx.output(Detectors.FAILURES, in.failure());
            } else {
                out.collect(in.content());
            }
        }
    }

    /** Rule updates on, decoding failures to {@link Detectors#FAILURES}. */
    static final class SplitRules extends ProcessFunction<RuleUpdate, RuleUpdate> {
        private static final long serialVersionUID = 1L;

        @Override
        public void processElement(RuleUpdate in, Context ctx, Collector<RuleUpdate> out) {
            if (in.failure() != null) {
                ctx.output(Detectors.FAILURES, in.failure());
            } else {
                out.collect(in);
            }
        }
    }
}
