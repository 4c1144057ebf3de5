package dev.kchat.local;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Supplier;

/**
 * Starts components at the same time. Most of a component's start is waiting (a Streams app for its
 * group's first rebalance, the CQL server's child JVM for Cassandra), so the platform is up in the time
 * of the slowest rather than the sum. If one start fails, {@link #awaitAll()} closes those that did
 * start and throws the failure: nothing is left running that the caller does not hold.
 */
final class ConcurrentStarts implements AutoCloseable {

    private final ExecutorService pool = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "platform-start");
        t.setDaemon(true);
        return t;
    });
    private final List<CompletableFuture<? extends AutoCloseable>> starts = new ArrayList<>();

    /** Begins {@code start} on a thread of its own; its result is read with {@link #result} after {@link #awaitAll()}. */
    <T extends AutoCloseable> CompletableFuture<T> begin(Supplier<T> start) {
        CompletableFuture<T> future = CompletableFuture.supplyAsync(start, pool);
        starts.add(future);
        return future;
    }

    /**
     * Waits for every start begun. If any failed, closes every one that succeeded and throws the first
     * failure (the others suppressed in it).
     */
    void awaitAll() {
        RuntimeException failure = null;
        for (CompletableFuture<? extends AutoCloseable> start : starts) {
            try {
                start.join();
            } catch (CompletionException e) {
                RuntimeException cause = unwrap(e);
                if (failure == null) {
                    failure = cause;
                } else {
                    failure.addSuppressed(cause);
                }
            }
        }
        if (failure != null) {
            closeStarted(failure);
            throw failure;
        }
    }

    /** Waits for every start and closes those that succeeded (the caller failed meanwhile: {@code cause}). */
    void closeStarted(RuntimeException cause) {
        for (CompletableFuture<? extends AutoCloseable> start : starts) {
            try {
                start.join().close();
            } catch (CompletionException failedToo) {
                // already reported by awaitAll, or part of the caller's failure
                if (failedToo.getCause() != cause) {
                    cause.addSuppressed(unwrap(failedToo));
                }
            } catch (Exception closing) {
                cause.addSuppressed(closing);
            }
        }
        starts.clear();
    }

    /** The component a start returned (after {@link #awaitAll()}). */
    static <T> T result(CompletableFuture<T> start) {
        try {
            return start.join();
        } catch (CompletionException e) {
            throw unwrap(e);
        }
    }

    private static RuntimeException unwrap(CompletionException e) {
        return e.getCause() instanceof RuntimeException r ? r : e;
    }

    @Override
    public void close() {
        pool.shutdown();
    }
}
