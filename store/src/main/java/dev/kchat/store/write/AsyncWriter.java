package dev.kchat.store.write;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.CqlIdentifier;
import com.datastax.oss.driver.api.core.cql.AsyncResultSet;
import com.datastax.oss.driver.api.core.cql.BatchableStatement;
import com.datastax.oss.driver.api.core.cql.Statement;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
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
     * Statements that write the same partition (same keyspace and partition key value, e.g. a user's
     * inbox head and their row of the conversation list) go as one single-partition {@code UNLOGGED}
     * batch (see {@link #plan}).
     *
     * @return completes normally if all succeeded, else exceptionally with the first failure
     *     (the others still ran to completion: they are idempotent and retried as a group)
     */
    public CompletableFuture<Void> executeAll(List<? extends Statement<?>> statements) throws InterruptedException {
        List<Statement<?>> planned = plan(statements);
        CompletableFuture<?>[] all = new CompletableFuture<?>[planned.size()];
        for (int i = 0; i < all.length; i++) {
            all[i] = execute(planned.get(i));
        }
        return CompletableFuture.allOf(all);
    }

    /**
     * The requests that carry {@code statements}: those of one partition (equal routing keyspace and
     * routing key) become one {@code UNLOGGED} batch, in their original order; every other statement
     * goes alone. A single-partition batch is one mutation on the replica (one commit-log entry, one
     * request, the same atomicity and isolation as a single statement), so a posted message costs two
     * requests per inbox entry instead of four or five. This plan never batches across partitions: without
     * knowing the replicas, such a batch could make its coordinator forward to other nodes
     * ({@link #executeGrouped} batches the partitions of one replica set). Statements without a routing
     * key, or that are not batchable ({@link BatchRules#batchable}), go alone. The batch is idempotent only
     * if every member is, and takes the first member's consistency level.
     */
    static List<Statement<?>> plan(List<? extends Statement<?>> statements) {
        if (statements.size() < 2) {
            return List.copyOf(statements);
        }
        Map<Object, List<BatchableStatement<?>>> byPartition = new LinkedHashMap<>();
        List<Object> order = new ArrayList<>(statements.size());
        for (Statement<?> statement : statements) {
            if (!BatchRules.batchable(statement)) {
                order.add(statement);
                continue;
            }
            PartitionKey partition = new PartitionKey(statement.getRoutingKeyspace(), statement.getRoutingKey());
            List<BatchableStatement<?>> group = byPartition.get(partition);
            if (group == null) {
                group = new ArrayList<>(2);
                byPartition.put(partition, group);
                order.add(partition);
            }
            group.add((BatchableStatement<?>) statement);
        }
        List<Statement<?>> out = new ArrayList<>(order.size());
        for (Object item : order) {
            if (item instanceof PartitionKey partition) {
                List<BatchableStatement<?>> group = byPartition.get(partition);
                out.add(group.size() == 1 ? group.get(0) : BatchRules.unlogged(group));
            } else {
                out.add((Statement<?>) item);
            }
        }
        return out;
    }

    /**
     * Sends the statements of many records as {@code batcher} plans them (statements of different records
     * share batches, see {@link ReplicaSetBatcher}), through the window.
     *
     * @param records the statements of each record
     * @return per record, in order: completes when every request carrying its statements has completed,
     *     exceptionally with the first failure among them (a batch's failure fails every record in it)
     * @throws InterruptedException if interrupted while waiting for a slot (the requests already sent still run)
     */
    public List<CompletableFuture<Void>> executeGrouped(List<? extends List<? extends Statement<?>>> records,
            ReplicaSetBatcher batcher) throws InterruptedException {
        List<List<CompletableFuture<?>>> requestsOf = new ArrayList<>(records.size());
        for (int i = 0; i < records.size(); i++) {
            requestsOf.add(new ArrayList<>(2));
        }
        for (ReplicaSetBatcher.Request request : batcher.plan(records)) {
            CompletableFuture<AsyncResultSet> sent = execute(request.statement());
            for (int record : request.records()) {
                requestsOf.get(record).add(sent);
            }
        }
        List<CompletableFuture<Void>> out = new ArrayList<>(records.size());
        for (List<CompletableFuture<?>> requests : requestsOf) {
            out.add(CompletableFuture.allOf(requests.toArray(CompletableFuture<?>[]::new)));
        }
        return out;
    }

    /** Keyspace and serialized partition key: statements with equal ones write one partition. */
    private record PartitionKey(CqlIdentifier keyspace, ByteBuffer key) {
    }

    public int maxInFlight() {
        return maxInFlight;
    }

    /** Requests sent and not yet completed. */
    public int inFlight() {
        return maxInFlight - window.availablePermits();
    }
}
