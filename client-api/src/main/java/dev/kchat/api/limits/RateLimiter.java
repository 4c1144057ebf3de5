package dev.kchat.api.limits;

import dev.kchat.api.ApiException;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * A door's rate limits ({@link RateLimits}): token buckets per user and per source address for
 * each {@link Limit}, held by this instance only (see docs/architecture.md for how that relates to a
 * user's limit across instances). Over a limit, {@link #check} throws {@link ApiException}
 * {@code 429 rate_limited} with the wait, and counts {@value #METRIC_REFUSED} tagged with the door,
 * the limit and the scope (never the user or the address). Thread-safe.
 */
public final class RateLimiter {

    public static final String METRIC_REFUSED = "kchat.limits.refused";
    public static final String CODE = "rate_limited";

    private final Map<Limit, KeyedBuckets> byUser = new EnumMap<>(Limit.class);
    private final Map<Limit, KeyedBuckets> byAddress = new EnumMap<>(Limit.class);
    private final Map<Limit, Counter> userRefused = new EnumMap<>(Limit.class);
    private final Map<Limit, Counter> addressRefused = new EnumMap<>(Limit.class);
    private final WriteAdmission admission;

    /**
     * @param door  the metric's {@code door} tag ({@code http}, {@code websocket}, ...)
     * @param nanos a monotonic clock in nanoseconds ({@code System::nanoTime}; a test's own)
     */
    public RateLimiter(RateLimits limits, String door, MeterRegistry metrics, LongSupplier nanos) {
        this(limits, door, metrics, nanos, WriteAdmission.OPEN);
    }

    /**
     * Rate limits, then admission control: a write within its limits is still refused {@code 503
     * overloaded} while the pipeline is too far behind ({@link WriteAdmission}).
     */
    public RateLimiter(RateLimits limits, String door, MeterRegistry metrics, WriteAdmission admission) {
        this(limits, door, metrics, System::nanoTime, admission);
    }

    private RateLimiter(RateLimits limits, String door, MeterRegistry metrics, LongSupplier nanos, WriteAdmission admission) {
        this.admission = admission;
        for (Limit limit : Limit.values()) {
            if (!limits.user(limit).off()) {
                byUser.put(limit, new KeyedBuckets(limits.user(limit), limits.maxKeys(), nanos));
            }
            if (!limits.address(limit).off()) {
                byAddress.put(limit, new KeyedBuckets(limits.address(limit), limits.maxKeys(), nanos));
            }
            userRefused.put(limit, metrics.counter(METRIC_REFUSED, "door", door, "limit", limit.tag(), "scope", "user"));
            addressRefused.put(limit, metrics.counter(METRIC_REFUSED, "door", door, "limit", limit.tag(), "scope", "address"));
        }
    }

    public RateLimiter(RateLimits limits, String door, MeterRegistry metrics) {
        this(limits, door, metrics, System::nanoTime);
    }

    /**
     * Throws 503 {@code overloaded} if admission control refuses the write now (no token is taken then:
     * the retry finds it), else takes a token of {@code limit} from the address's bucket, then from the
     * user's, and throws 429 if either is empty.
     */
    public void check(Limit limit, String userId, String address) {
        admission.admit(limit);
        checkAddress(limit, address);
        checkUser(limit, userId);
    }

    /** Takes a token of {@code limit} from the user's bucket; throws 429 {@code rate_limited} if it is empty. */
    public void checkUser(Limit limit, String userId) {
        take(byUser.get(limit), userId, limit, "user", userRefused.get(limit));
    }

    /** Takes a token of {@code limit} from the source address's bucket (before authentication, too). */
    public void checkAddress(Limit limit, String address) {
        take(byAddress.get(limit), address, limit, "address", addressRefused.get(limit));
    }

    private static void take(KeyedBuckets buckets, String key, Limit limit, String scope, Counter refused) {
        if (buckets == null || key == null) {
            return;
        }
        long waitNanos = buckets.take(key);
        if (waitNanos > 0) {
            refused.increment();
            throw rateLimited(limit, scope, Duration.ofNanos(waitNanos));
        }
    }

    static ApiException rateLimited(Limit limit, String scope, Duration wait) {
        Duration retry = Duration.ofMillis(Math.max(1, (wait.toNanos() + 999_999) / 1_000_000));
        return new ApiException(429, CODE, "too many " + limit.tag() + " requests per " + scope
                + " (the " + limit.tag() + " limit); retry in " + retry.toMillis() + " ms", retry);
    }

    int buckets(Limit limit, String scope) {
        KeyedBuckets b = (scope.equals("user") ? byUser : byAddress).get(limit);
        return b == null ? 0 : b.size();
    }
}
