package dev.kchat.moderation.job;

import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

/** The first step after the sources: what decoded goes on, what did not goes to the failure side output. */
final class Inputs {

    private Inputs() {
    }

    /** Chat log activity, for the stranger-spam detector. */
    static final OutputTag<Activity> ACTIVITY = new OutputTag<>("activity", TypeInformation.of(Activity.class));

    /** Content on, activity to {@link #ACTIVITY}, decoding failures to {@link Detectors#FAILURES}. */
    static final class SplitContent extends ProcessFunction<Inbound, Content> {
        private static final long serialVersionUID = 1L;

        @Override
        public void processElement(Inbound in, Context ctx, Collector<Content> out) {
            if (in.failure() != null) {
                ctx.output(Detectors.FAILURES, in.failure());
                return;
            }
            if (in.content() != null) {
                out.collect(in.content());
            }
            if (in.activity() != null) {
                ctx.output(ACTIVITY, in.activity());
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
