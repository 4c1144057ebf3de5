package dev.kchat.push.deliver;

import java.time.Duration;

/** {@code Retry-After} in seconds (the HTTP-date form is not used by the providers here). */
final class RetryAfter {

    /** Longest wait a provider may ask for that is honoured; past it the policy's own maximum applies. */
    static final Duration MAX = Duration.ofMinutes(5);

    private RetryAfter() {
    }

    /** The delay a header asks for, or null if absent or not a number of seconds. */
    static Duration parse(String header) {
        if (header == null) {
            return null;
        }
        try {
            long seconds = Long.parseLong(header.trim());
            return seconds < 0 ? null : Duration.ofSeconds(Math.min(seconds, MAX.toSeconds()));
        } catch (NumberFormatException e) {
            return null;
        }
    }
}
