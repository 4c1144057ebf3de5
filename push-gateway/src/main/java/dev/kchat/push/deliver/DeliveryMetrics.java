package dev.kchat.push.deliver;

import dev.kchat.events.push.PushPlatform;
import dev.kchat.events.push.PushStatus;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;

/**
 * The delivery side's meters, tagged by platform and final status only (low cardinality):
 * {@value #OUTCOMES} per request, {@value #ATTEMPTS} per provider call, and {@value #LATENCY}, from
 * the burst's first inbox entry to the provider's acceptance (the collapse window included).
 */
final class DeliveryMetrics {

    static final String OUTCOMES = "kchat.push.outcomes";
    static final String ATTEMPTS = "kchat.push.attempts";
    static final String LATENCY = "kchat.push.latency";

    private final MeterRegistry registry;

    DeliveryMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    void attempt(PushPlatform platform, Delivery.Kind kind) {
        Counter.builder(ATTEMPTS).tag("platform", platform.name()).tag("answer", kind.name()).register(registry).increment();
    }

    void outcome(PushPlatform platform, PushStatus status, Duration sinceFirstEntry) {
        Counter.builder(OUTCOMES).tag("platform", platform.name()).tag("status", status.name()).register(registry).increment();
        if (status == PushStatus.DELIVERED) {
            Timer.builder(LATENCY).tag("platform", platform.name()).publishPercentileHistogram()
                    .register(registry).record(sinceFirstEntry.isNegative() ? Duration.ZERO : sinceFirstEntry);
        }
    }
}
