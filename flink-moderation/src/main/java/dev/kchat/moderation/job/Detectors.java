package dev.kchat.moderation.job;

import java.time.Duration;
import org.apache.flink.api.common.state.StateTtlConfig;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.streaming.api.TimerService;
import org.apache.flink.util.OutputTag;

/** What the detector operators share: the failure side output, the one-timer-per-key habit, state TTL. */
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

    /**
     * Keyed state that lives while it is used: Flink drops a value {@code ttl} after it was last
     * read or written. Flink's TTL runs in processing time (it has no event time), so a replay of
     * old history keeps every value it touches for {@code ttl} from the replay. Expired values are
     * never returned, full snapshots (checkpoints of the heap backend, savepoints) leave them out,
     * and the backends' background cleanup (incremental on heap, compaction on RocksDB) removes
     * them from the running state.
     */
    static <T> ValueStateDescriptor<T> withTtl(ValueStateDescriptor<T> descriptor, Duration ttl) {
        descriptor.enableTimeToLive(StateTtlConfig.newBuilder(ttl)
                .updateTtlOnReadAndWrite()
                .neverReturnExpired()
                .cleanupFullSnapshot()
                .build());
        return descriptor;
    }
}
