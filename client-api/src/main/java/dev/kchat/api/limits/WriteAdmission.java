package dev.kchat.api.limits;

import dev.kchat.api.ApiException;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.Set;
import java.util.function.DoubleSupplier;
import java.util.function.LongSupplier;

/**
 * Admission control of writes at a door: when the message pipeline behind the doors has more work queued than it
 * can clear quickly, new writes are refused at the door ({@code 503 overloaded} with a {@code Retry-After})
 * instead of joining a queue where every message, old and new, would wait longer and longer. What is
 * admitted then flows with a bounded delay; what is refused is refused before anything is written, and
 * the client retries it later with the same id (sends are idempotent).
 *
 * <p>The signal is the pipeline's backlog in records ({@link PipelineBacklog}: what routing and fanout
 * have not consumed yet, read from Kafka). The policy is random early refusal, as routers drop packets
 * (RED): below {@code low} nothing is refused, above {@code high} every admissible write is, and between
 * them a write is refused with a probability rising linearly from 0 to 1. Refusing a share rather than all
 * keeps the pipeline busy at its capacity while it holds the queue between the two marks, so the delay of
 * an admitted message stays near {@code low}..{@code high} divided by the pipeline's rate.
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
    public static final WriteAdmission OPEN = new WriteAdmission(AdmissionConfig.off(), () -> 0, () -> 0.5, null, "none");

    private static final Set<Limit> ADMITTED = Set.of(Limit.SEND, Limit.CREATE_CONVERSATION, Limit.MEMBER_CHANGE);

    private final AdmissionConfig config;
    private final LongSupplier backlog;
    private final DoubleSupplier random;
    private final Map<Limit, Counter> refused = new EnumMap<>(Limit.class);

    /**
     * At a door, over the backlog {@code backlog} reads, refusing at random.
     */
    public static WriteAdmission at(String door, AdmissionConfig config, PipelineBacklog backlog, MeterRegistry metrics) {
        return new WriteAdmission(config, backlog::records, () -> java.util.concurrent.ThreadLocalRandom.current().nextDouble(),
                metrics, door);
    }

    /**
     * @param backlog records queued before the pipeline now ({@link PipelineBacklog#records()})
     * @param random  uniform in [0, 1) ({@code ThreadLocalRandom.current()::nextDouble}; a test's own)
     * @param metrics where refusals are counted, by door; null for none
     */
    public WriteAdmission(AdmissionConfig config, LongSupplier backlog, DoubleSupplier random, MeterRegistry metrics, String door) {
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

    /** The share of admissible writes refused now: 0 below the low mark, 1 from the high mark. */
    public double refuseShare() {
        if (!config.enabled()) {
            return 0;
        }
        long queued = backlog.getAsLong();
        if (queued <= config.low()) {
            return 0;
        }
        if (queued >= config.high()) {
            return 1;
        }
        return (double) (queued - config.low()) / (config.high() - config.low());
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
