package dev.kchat.push.deliver;

import java.time.Duration;

/**
 * What a provider answered to one attempt.
 *
 * @param kind       delivered, worth another attempt, the token is gone, or refused for good
 * @param detail     the provider's status and reason, for the outcome record and the log
 * @param retryAfter how long the provider asked to wait (429/503 {@code Retry-After}), or null
 */
public record Delivery(Kind kind, String detail, Duration retryAfter) {

    public enum Kind { DELIVERED, RETRY, TOKEN_INVALID, REJECTED }

    public static Delivery delivered(String detail) {
        return new Delivery(Kind.DELIVERED, detail, null);
    }

    public static Delivery retry(String detail, Duration retryAfter) {
        return new Delivery(Kind.RETRY, detail, retryAfter);
    }

    public static Delivery tokenInvalid(String detail) {
        return new Delivery(Kind.TOKEN_INVALID, detail, null);
    }

    public static Delivery rejected(String detail) {
        return new Delivery(Kind.REJECTED, detail, null);
    }
}
