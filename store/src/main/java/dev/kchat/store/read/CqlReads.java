package dev.kchat.store.read;

import com.datastax.oss.driver.api.core.ConsistencyLevel;
import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.AsyncResultSet;
import com.datastax.oss.driver.api.core.cql.BoundStatement;
import com.datastax.oss.driver.api.core.cql.Row;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Semaphore;
import java.util.function.Function;

/** What the readers of this package share: page limits, nullable columns, bounded parallel reads. */
final class CqlReads {

    private CqlReads() {
    }

    /** Starts one read per item, at most {@code parallelism} in flight; the futures in item order. */
    static <T> List<CompletableFuture<AsyncResultSet>> inParallel(CqlSession session, List<T> items, Function<T, BoundStatement> statement,
            int parallelism, ConsistencyLevel consistency) {
        Semaphore inFlight = new Semaphore(parallelism);
        List<CompletableFuture<AsyncResultSet>> reads = new ArrayList<>(items.size());
        for (T item : items) {
            inFlight.acquireUninterruptibly();
            CompletableFuture<AsyncResultSet> read = session.executeAsync(statement.apply(item)
                    .setConsistencyLevel(consistency)).toCompletableFuture();
            read.whenComplete((rs, failure) -> inFlight.release());
            reads.add(read);
        }
        return reads;
    }

    static boolean isActive(Row row) {
        return row.isNull("active") || row.getBoolean("active");
    }

    static int pageSize(int limit) {
        if (limit < 1) {
            throw new IllegalArgumentException("limit must be >= 1, was " + limit);
        }
        return Math.min(limit, ReadLimits.MAX_PAGE_SIZE);
    }

    static long longOr(Row row, String column, long fallback) {
        return row.isNull(column) ? fallback : row.getLong(column);
    }

    static AsyncResultSet await(CompletableFuture<AsyncResultSet> future) {
        try {
            return future.join();
        } catch (CompletionException e) {
            // Surface the driver's own exception (timeout, unavailable...) rather than the wrapper.
            if (e.getCause() instanceof RuntimeException cause) {
                throw cause;
            }
            throw e;
        }
    }
}
