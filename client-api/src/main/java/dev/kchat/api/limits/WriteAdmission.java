package dev.kchat.api.limits;

import dev.kchat.api.ApiException;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.EnumMap;
import java.util.Map;
import java.util.Set;
import java.util.function.DoubleSupplier;

/**
 * Admission control of writes at a door: when the message pipeline behind the doors has more work queued
 * than it clears quickly, new writes are refused at the door ({@code 503 overloaded} with a {@code
 * Retry-After}) instead of joining a queue where every message, old and new, would wait longer and
 * longer. What is admitted then flows with a bounded wait; what is refused is refused before anything is
 * written, and the client retries it later with the same id (sends are idempotent).
 *
 * <p>The signal is the wait a message admitted now can expect: the pipeline's backlog divided by the
 * rate it clears records at, stage by stage, both read from Kafka ({@link PipelineBacklog}: what routing
 * and fanout have not consumed yet of each topic, and how fast their committed offsets advance). The policy is random early refusal, as
 * routers drop packets (RED): below {@code wait.low} nothing is refused, from {@code wait.high} every
 * admissible write is, and between them a write is refused with a probability rising linearly from 0 to
 * 1. Refusing a share rather than all keeps the pipeline busy at its capacity while its queue stays
 * between the marks, so an admitted message waits about {@code wait.low}..{@code wait.high}, on any
 * hardware. A backlog of at most {@code backlog.min} records is never refused (an idle pipeline clears
 * nothing, and its transaction markers read as a few records).
 *
 * <p>Only writes that add messages are refused ({@link Limit#SEND}, {@link Limit#CREATE_CONVERSATION},
 * {@link Limit#MEMBER_CHANGE}): messages come last in the shedding order, after typing, presence and
 * receipts, which the edges shed on their own signals first (docs/architecture.md). Reads, receipts and
 * connections are never refused here. Thread-safe.
 */
public final class WriteAdmission {

    public static final String METRIC_REFUSED = "kchat.admission.refused";
    public static final String METRIC_REFUSE_SHARE = "kchat.admission.refuse.share";
    public static final String CODE = "overloaded";
    /** Admits every write (tests of other behaviour, tools). */
    public static final WriteAdmission OPEN = new WriteAdmission(AdmissionConfig.off(), Backlog.NONE, () -> 0.5, null, "none");

    /** What admission reads of the pipeline. */
    public interface Backlog {
        /** Nothing queued, nothing cleared. */
        Backlog NONE = new Backlog() {
            @Override
            public long records() {
                return 0;
            }

            @Override
            public double clearedPerSecond() {
                return 0;
            }
        };

        /** Records queued before the pipeline now. */
        long records();

        /** Records the pipeline cleared per second lately. */
        double clearedPerSecond();

        /**
         * The wait a message admitted now can expect: the backlog over the rate it is cleared at
         * (infinite if nothing is being cleared). A pipeline of stages that clear at different rates
         * sums each stage's own ({@link PipelineBacklog}).
         */
        default Duration expectedWait() {
            long queued = records();
            double rate = clearedPerSecond();
            if (queued <= 0) {
                return Duration.ZERO;
            }
            if (rate <= 0) {
                return ChronoUnit.FOREVER.getDuration();
            }
            return Duration.ofNanos((long) Math.min(Long.MAX_VALUE, queued / rate * 1e9));
        }
    }

    private static final Set<Limit> ADMITTED = Set.of(Limit.SEND, Limit.CREATE_CONVERSATION, Limit.MEMBER_CHANGE);

    private final AdmissionConfig config;
    private final Backlog backlog;
    private final DoubleSupplier random;
    private final Map<Limit, Counter> refused = new EnumMap<>(Limit.class);

    /**
     * At a door, over the backlog {@code backlog} reads, refusing at random.
     */
    public static WriteAdmission at(String door, AdmissionConfig config, PipelineBacklog backlog, MeterRegistry metrics) {
        return new WriteAdmission(config, backlog, () -> java.util.concurrent.ThreadLocalRandom.current().nextDouble(),
                metrics, door);
    }

    /**
     * @param backlog what is queued before the pipeline and how fast it clears ({@link PipelineBacklog})
     * @param random  uniform in [0, 1) ({@code ThreadLocalRandom.current()::nextDouble}; a test's own)
     * @param metrics where refusals are counted, by door; null for none
     */
    public WriteAdmission(AdmissionConfig config, Backlog backlog, DoubleSupplier random, MeterRegistry metrics, String door) {
        this.config = config;
        this.backlog = backlog;
        this.random = random;
        if (metrics != null) {
            for (Limit limit : ADMITTED) {
                refused.put(limit, metrics.counter(METRIC_REFUSED, "door", door, "limit", limit.tag()));
            }
            metrics.gauge(METRIC_REFUSE_SHARE, java.util.List.of(io.micrometer.core.instrument.Tag.of("door", door)), this,
                    WriteAdmission::refuseShare);
        }
    }

    /** The wait a message admitted now can expect ({@link Backlog#expectedWait()}). */
    public Duration expectedWait() {
        return backlog.expectedWait();
    }

    /** The share of admissible writes refused now: 0 up to the low mark, 1 from the high mark. */
    public double refuseShare() {
        if (!config.enabled() || backlog.records() <= config.minBacklog()) {
            return 0;
        }
        Duration wait = expectedWait();
        if (wait.compareTo(config.low()) <= 0) {
            return 0;
        }
        if (wait.compareTo(config.high()) >= 0) {
            return 1;
        }
        return (double) (wait.toNanos() - config.low().toNanos()) / (config.high().toNanos() - config.low().toNanos());
    }

    /**
     * Admits a write of {@code limit} or throws {@code 503 overloaded} with the wait to retry after.
     * Writes of other limits always pass.
     */
    public void admit(Limit limit) {
        if (!ADMITTED.contains(limit)) {
            return;
        }
        double share = refuseShare();
        if (share > 0 && random.getAsDouble() < share) {
            Counter counter = refused.get(limit);
            if (counter != null) {
                counter.increment();
            }
            throw overloaded(config.retryAfter());
        }
    }

    static ApiException overloaded(Duration retryAfter) {
        return new ApiException(503, CODE, "the platform is overloaded and admits fewer writes for now; retry in "
                + retryAfter.toMillis() + " ms with the same id", retryAfter);
    }
}
