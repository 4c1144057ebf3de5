package dev.kchat.push.deliver;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/**
 * How often and how long a push is tried: up to {@code maxAttempts}, waiting {@code initial},
 * then twice as long each time up to {@code max}, with ±20 % jitter so that many pushes failed by
 * one outage do not come back at the same instant; a provider's {@code Retry-After} wins (capped at
 * {@code max}).
 */
public record RetryPolicy(int maxAttempts, Duration initial, Duration max) {

    public RetryPolicy {
        if (maxAttempts < 1) {
            throw new IllegalArgumentException("maxAttempts must be >= 1, was " + maxAttempts);
        }
        if (initial.isNegative() || initial.isZero() || max.compareTo(initial) < 0) {
            throw new IllegalArgumentException("need 0 < initial <= max, was " + initial + " and " + max);
        }
    }

    /** The wait before attempt {@code attempt + 1}, after attempt {@code attempt} (1-based) asked to retry. */
    public Duration delayAfter(int attempt, Duration retryAfter) {
        if (retryAfter != null) {
            return retryAfter.compareTo(max) > 0 ? max : retryAfter;
        }
        long base = initial.toMillis() << Math.min(30, attempt - 1);
        long capped = Math.min(base, max.toMillis());
        double jitter = 0.8 + ThreadLocalRandom.current().nextDouble() * 0.4;
        return Duration.ofMillis(Math.min(max.toMillis(), Math.round(capped * jitter)));
    }
}
