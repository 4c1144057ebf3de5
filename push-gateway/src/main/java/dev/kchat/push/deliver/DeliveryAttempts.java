package dev.kchat.push.deliver;

import dev.kchat.events.push.PushPlatform;
import dev.kchat.events.push.PushRequest;
import dev.kchat.events.push.PushStatus;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Delivers one request through the provider of its platform, trying again with backoff
 * ({@link RetryPolicy}) while the provider answers with a transient error, and says how it ended.
 * A platform with no provider configured is refused (REJECTED), not retried.
 */
public final class DeliveryAttempts {

    private static final Logger log = LoggerFactory.getLogger(DeliveryAttempts.class);

    /** How one request ended: its status, after how many provider calls, and the last answer. */
    public record Result(PushStatus status, int attempts, String detail) {
    }

    private final Map<PushPlatform, PushProvider> providers;
    private final RetryPolicy policy;
    private final DeliveryMetrics metrics;

    DeliveryAttempts(Map<PushPlatform, PushProvider> providers, RetryPolicy policy, DeliveryMetrics metrics) {
        this.providers = Map.copyOf(providers);
        this.policy = policy;
        this.metrics = metrics;
    }

    /** Delivers {@code request}; completes (never exceptionally) when it is delivered or given up. */
    public CompletableFuture<Result> deliver(PushRequest request) {
        PushProvider provider = providers.get(request.getPlatform());
        if (provider == null) {
            return CompletableFuture.completedFuture(new Result(PushStatus.REJECTED, 0,
                    "no provider configured for " + request.getPlatform()));
        }
        return attempt(provider, request, 1);
    }

    private CompletableFuture<Result> attempt(PushProvider provider, PushRequest request, int attempt) {
        return provider.send(request).thenCompose(answer -> {
            metrics.attempt(provider.platform(), answer.kind());
            switch (answer.kind()) {
                case DELIVERED:
                    return CompletableFuture.completedFuture(new Result(PushStatus.DELIVERED, attempt, answer.detail()));
                case TOKEN_INVALID:
                    return CompletableFuture.completedFuture(new Result(PushStatus.TOKEN_INVALID, attempt, answer.detail()));
                case REJECTED:
                    log.warn("push {} refused by {}: {}", request.getPushId(), provider.platform(), answer.detail());
                    return CompletableFuture.completedFuture(new Result(PushStatus.REJECTED, attempt, answer.detail()));
                default:
                    if (attempt >= policy.maxAttempts()) {
                        log.warn("push {} failed after {} attempts: {}", request.getPushId(), attempt, answer.detail());
                        return CompletableFuture.completedFuture(new Result(PushStatus.FAILED, attempt, answer.detail()));
                    }
                    long delay = policy.delayAfter(attempt, answer.retryAfter()).toMillis();
                    log.debug("push {} attempt {} answered {}; again in {} ms", request.getPushId(), attempt, answer.detail(), delay);
                    Executor later = CompletableFuture.delayedExecutor(delay, TimeUnit.MILLISECONDS);
                    return CompletableFuture.supplyAsync(() -> null, later)
                            .thenCompose(ignored -> attempt(provider, request, attempt + 1));
            }
        });
    }
}
