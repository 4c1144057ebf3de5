package dev.kchat.store.sink;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/** Exponential backoff with jitter: initial, doubling up to max, each wait randomised by +-20 %. */
final class Backoff {

    private final Duration initial;
    private final Duration max;
    private Duration next;
    private int attempts;

    Backoff(Duration initial, Duration max) {
        this.initial = initial;
        this.max = max;
        this.next = initial;
    }

    /** The wait before the next attempt; every call doubles the following one (up to max). */
    Duration next() {
        Duration current = next;
        attempts++;
        next = current.multipliedBy(2).compareTo(max) > 0 ? max : current.multipliedBy(2);
        // Jitter keeps the instances of a group from retrying against a recovering database in lockstep.
        double factor = 0.8 + 0.4 * ThreadLocalRandom.current().nextDouble();
        return Duration.ofMillis(Math.max(1, (long) (current.toMillis() * factor)));
    }

    int attempts() {
        return attempts;
    }

    void reset() {
        next = initial;
        attempts = 0;
    }
}
