package dev.kchat.push.decide;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The decider's counters, tagged by a small fixed set of outcomes: {@value #DECISIONS} per notable
 * inbox entry or push candidate ({@code opened}, {@code collapsed}, {@code connected}, {@code silenced},
 * {@code no_device}; a candidate of a user with no device counts {@code no_device} whatever it says) and
 * per replayed entry or candidate of any kind ({@code replay}); {@value #FLUSHES} per due
 * burst and device ({@code requested}, {@code rate_limited}) and per dropped burst ({@code connected},
 * {@code silenced}).
 */
public final class DeciderMetrics {

    public static final String DECISIONS = "kchat.push.decisions";
    public static final String FLUSHES = "kchat.push.flushes";

    private final MeterRegistry registry;
    private final Map<String, Counter> counters = new ConcurrentHashMap<>();

    public DeciderMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    void decision(String outcome) {
        counter(DECISIONS, outcome).increment();
    }

    void flush(String outcome) {
        counter(FLUSHES, outcome).increment();
    }

    /** The count so far of one counter (tests, health details). */
    public double count(String name, String outcome) {
        Counter c = counters.get(name + "|" + outcome);
        return c == null ? 0 : c.count();
    }

    private Counter counter(String name, String outcome) {
        return counters.computeIfAbsent(name + "|" + outcome, k -> Counter.builder(name).tag("outcome", outcome).register(registry));
    }
}
