package dev.kchat.bench;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.HdrHistogram.Histogram;

/**
 * Percentiles of a latency histogram recorded in microseconds, reported in milliseconds.
 *
 * @param count  values recorded
 * @param p50Ms  median
 * @param p90Ms  90th percentile
 * @param p99Ms  99th percentile
 * @param p999Ms 99.9th percentile
 * @param maxMs  largest value
 * @param meanMs mean
 */
public record LatencySummary(long count, double p50Ms, double p90Ms, double p99Ms, double p999Ms, double maxMs, double meanMs) {

    /** Highest trackable value: 10 minutes in microseconds; larger values are clamped, not dropped. */
    public static final long HIGHEST_MICROS = 600_000_000L;

    public static Histogram newHistogram() {
        return new Histogram(1, HIGHEST_MICROS, 3);
    }

    public static LatencySummary of(Histogram micros) {
        if (micros.getTotalCount() == 0) {
            return new LatencySummary(0, 0, 0, 0, 0, 0, 0);
        }
        return new LatencySummary(micros.getTotalCount(),
                ms(micros.getValueAtPercentile(50)), ms(micros.getValueAtPercentile(90)),
                ms(micros.getValueAtPercentile(99)), ms(micros.getValueAtPercentile(99.9)),
                ms(micros.getMaxValue()), Math.round(micros.getMean()) / 1000.0);
    }

    private static double ms(long micros) {
        return micros / 1000.0;
    }

    public ObjectNode json() {
        return JsonNodeFactory.instance.objectNode().put("count", count).put("p50_ms", p50Ms).put("p90_ms", p90Ms)
                .put("p99_ms", p99Ms).put("p999_ms", p999Ms).put("max_ms", maxMs).put("mean_ms", meanMs);
    }

    /** One readable line: {@code p50 3.1 ms  p99 42 ms ...}. */
    public String line() {
        return String.format("p50 %.1f ms  p90 %.1f ms  p99 %.1f ms  p99.9 %.1f ms  max %.1f ms  (n=%,d)",
                p50Ms, p90Ms, p99Ms, p999Ms, maxMs, count);
    }
}
