package dev.kchat.moderation.job;

import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.streaming.api.TimerService;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.util.OutputTag;

/** What the detector operators share: the failure side output and the one-timer-per-key habit. */
final class Detectors {

    /** Records a detector could not process, on their way to {@code platform.errors}. */
    static final OutputTag<Failure> FAILURES = new OutputTag<>("failures", TypeInformation.of(Failure.class));

    private Detectors() {
    }

    /**
     * Makes sure a cleanup timer is pending for the key: registers one at {@code at} unless one is
     * already set. A key has at most one timer; when it fires early (the state was touched since),
     * the operator registers the next one, so a busy key costs one timer, not one per event.
     */
    static void ensureTimer(ValueState<Long> timer, TimerService timers, long at) throws Exception {
        if (timer.value() == null) {
            timers.registerEventTimeTimer(at);
            timer.update(at);
        }
    }
}
