package dev.kchat.store.write;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.AsyncResultSet;
import com.datastax.oss.driver.api.core.cql.Statement;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;

/**
 * Executes statements asynchronously with at most {@code maxInFlight} outstanding requests: enough
 * parallelism to keep every replica busy, bounded so a large batch cannot flood the database or the
 * driver's request queue. Callers block (in {@link #execute}) while the window is full, which is the
 * backpressure.
 */
public final class AsyncWriter {

    private final CqlSession session;
    private final Semaphore window;
    private final int maxInFlight;

    public AsyncWriter(CqlSession session, int maxInFlight) {
        if (maxInFlight < 1) {
            throw new IllegalArgumentException("maxInFlight must be >= 1, was " + maxInFlight);
        }
        this.session = session;
        this.maxInFlight = maxInFlight;
        this.window = new Semaphore(maxInFlight);
    }

    /**
     * Sends one statement once a slot in the window is free.
     *
     * @return completes with the result, or exceptionally with the driver's error
     * @throws InterruptedException if interrupted while waiting for a slot (nothing was sent)
     */
    public CompletableFuture<AsyncResultSet> execute(Statement<?> statement) throws InterruptedException {
        window.acquire();
        CompletableFuture<AsyncResultSet> result;
        try {
            result = session.executeAsync(statement).toCompletableFuture();
        } catch (RuntimeException e) {
            window.release();
            throw e;
        }
        return result.whenComplete((rs, error) -> window.release());
    }

    /**
     * Sends all statements (through the window) and completes when every one has completed.
     *
     * @return completes normally if all succeeded, else exceptionally with the first failure
     *     (the others still ran to completion: they are idempotent and retried as a group)
     */
    public CompletableFuture<Void> executeAll(List<? extends Statement<?>> statements) throws InterruptedException {
        CompletableFuture<?>[] all = new CompletableFuture<?>[statements.size()];
        for (int i = 0; i < all.length; i++) {
            all[i] = execute(statements.get(i));
        }
        return CompletableFuture.allOf(all);
    }

    public int maxInFlight() {
        return maxInFlight;
    }

    /** Requests sent and not yet completed. */
    public int inFlight() {
        return maxInFlight - window.availablePermits();
    }
}
