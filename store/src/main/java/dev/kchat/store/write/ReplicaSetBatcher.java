package dev.kchat.store.write;

import com.datastax.oss.driver.api.core.ConsistencyLevel;
import com.datastax.oss.driver.api.core.CqlIdentifier;
import com.datastax.oss.driver.api.core.cql.BatchableStatement;
import com.datastax.oss.driver.api.core.cql.BoundStatement;
import com.datastax.oss.driver.api.core.cql.Statement;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;

/**
 * Plans the requests that carry the statements of many records: statements whose partitions live on the
 * same replicas go together as {@code UNLOGGED} batches, each kept under {@link Limits}. A batch is sent
 * to one of those replicas (the driver routes a batch by its first statement's key), which applies every
 * partition locally: no coordinator forwards to other nodes. One node, or a replication factor equal to
 * the node count, makes every partition one replica set.
 *
 * <p>What never goes in a batch with others (each is a request of its own): a statement that is not a
 * bound statement, has no routing key, carries its own client timestamp, node, timeout or execution
 * profile, is a lightweight transaction ({@code IF ...}) or updates a counter. Statements of different
 * consistency levels or idempotence flags never share a batch. A statement whose replicas are unknown (no
 * token map yet, a tablet the driver has not learnt) is batched only with statements of its own partition.
 *
 * <p>Batching changes no outcome of the store's writes: every cell is written {@code USING TIMESTAMP}
 * (docs/storage.md), so the order of statements within a batch and between requests does not matter, as
 * it did not when the same statements went concurrently. A batch's failure says nothing about which
 * statement failed: the caller retries its records one by one to find out.
 */
public final class ReplicaSetBatcher {

    /** Bytes counted per bound value on top of the value itself: a cell's write timestamp. */
    static final int CELL_OVERHEAD_BYTES = 8;

    /**
     * Limits of one batch.
     *
     * @param maxBytes      estimated size of a batch: its bound values' bytes plus {@value #CELL_OVERHEAD_BYTES}
     *                      per value. Cassandra warns above {@code batch_size_warn_threshold} (5 KiB) and refuses
     *                      above {@code batch_size_fail_threshold} (50 KiB), both counted on the mutations; a
     *                      statement larger than this goes alone
     * @param maxStatements statements in one batch
     * @param maxPartitions partitions in one batch; Cassandra warns (on every such batch) above
     *                      {@code unlogged_batch_across_partitions_warn_threshold}, 10 by default
     */
    public record Limits(int maxBytes, int maxStatements, int maxPartitions) {

        public static final int DEFAULT_MAX_BYTES = 4 * 1024;
        public static final int DEFAULT_MAX_STATEMENTS = 32;
        public static final int DEFAULT_MAX_PARTITIONS = 10;

        public Limits {
            if (maxBytes < 1 || maxStatements < 1 || maxPartitions < 1) {
                throw new IllegalArgumentException("batch limits must be >= 1: " + maxBytes + " bytes, " + maxStatements
                        + " statements, " + maxPartitions + " partitions");
            }
        }

        /** Under Cassandra's default warning thresholds. */
        public static Limits defaults() {
            return new Limits(DEFAULT_MAX_BYTES, DEFAULT_MAX_STATEMENTS, DEFAULT_MAX_PARTITIONS);
        }
    }

    /**
     * One request to send.
     *
     * @param statement a statement, or an {@code UNLOGGED} batch
     * @param records   the positions, in the planned list, of the records whose statements it carries (ascending)
     */
    public record Request(Statement<?> statement, List<Integer> records) {
    }

    private final Function<? super BoundStatement, ? extends Optional<?>> replicaSetOf;
    private final Limits limits;

    /**
     * @param replicaSetOf the nodes holding a statement's partition (any value whose equality means "the same
     *                     nodes"; see {@link ReplicaSets}), empty if unknown
     */
    public ReplicaSetBatcher(Function<? super BoundStatement, ? extends Optional<?>> replicaSetOf, Limits limits) {
        this.replicaSetOf = replicaSetOf;
        this.limits = limits;
    }

    public Limits limits() {
        return limits;
    }

    /**
     * The requests that carry every statement of {@code records} exactly once. Pure: sends nothing.
     *
     * @param records the statements of each record
     */
    public List<Request> plan(List<? extends List<? extends Statement<?>>> records) {
        Map<GroupKey, OpenBatch> open = new LinkedHashMap<>();
        List<Request> out = new ArrayList<>();
        for (int record = 0; record < records.size(); record++) {
            for (Statement<?> statement : records.get(record)) {
                GroupKey group = groupOf(statement);
                if (group == null) {
                    out.add(new Request(statement, List.of(record)));
                    continue;
                }
                BoundStatement bound = (BoundStatement) statement;
                PartitionKey partition = new PartitionKey(bound.getRoutingKeyspace(), bound.getRoutingKey());
                int bytes = estimatedBytes(bound);
                OpenBatch batch = open.get(group);
                if (batch != null && !batch.fits(partition, bytes, limits)) {
                    out.add(batch.request());
                    batch = null;
                }
                if (batch == null) {
                    batch = new OpenBatch();
                    open.put(group, batch);
                }
                batch.add(bound, partition, bytes, record);
            }
        }
        open.values().forEach(batch -> out.add(batch.request()));
        return out;
    }

    /** The batch a statement may join, or null if it goes alone. */
    private GroupKey groupOf(Statement<?> statement) {
        if (!(statement instanceof BoundStatement bound) || !BatchRules.batchable(bound) || bound.getNode() != null
                || bound.getTimeout() != null || bound.getExecutionProfile() != null
                || bound.getExecutionProfileName() != null) {
            return null;
        }
        try {
            Optional<?> replicas = replicaSetOf.apply(bound);
            Object where = replicas.isPresent() ? replicas.get()
                    : new PartitionKey(bound.getRoutingKeyspace(), bound.getRoutingKey());
            return new GroupKey(where, bound.getConsistencyLevel(), bound.isIdempotent());
        } catch (RuntimeException e) {
            // A key the driver cannot place (malformed values): the statement goes alone, and fails alone if it must.
            return null;
        }
    }

    /** The bound values' bytes plus a cell timestamp each: what the server's batch size thresholds count, roughly. */
    static int estimatedBytes(BoundStatement bound) {
        int bytes = 0;
        for (ByteBuffer value : bound.getValues()) {
            bytes += (value == null ? 0 : value.remaining()) + CELL_OVERHEAD_BYTES;
        }
        return bytes;
    }

    /** Statements that may share a batch: same replicas (or partition), consistency and idempotence. */
    private record GroupKey(Object where, ConsistencyLevel consistency, Boolean idempotent) {
    }

    /** Keyspace and serialized partition key: statements with equal ones write one partition. */
    private record PartitionKey(CqlIdentifier keyspace, ByteBuffer key) {
    }

    private static final class OpenBatch {
        private final List<BatchableStatement<?>> statements = new ArrayList<>();
        private final Set<PartitionKey> partitions = new HashSet<>();
        private final Set<Integer> records = new TreeSet<>();
        private int bytes;

        boolean fits(PartitionKey partition, int more, Limits limits) {
            return bytes + more <= limits.maxBytes() && statements.size() < limits.maxStatements()
                    && (partitions.contains(partition) || partitions.size() < limits.maxPartitions());
        }

        void add(BoundStatement statement, PartitionKey partition, int size, int record) {
            statements.add(statement);
            partitions.add(partition);
            records.add(record);
            bytes += size;
        }

        Request request() {
            Statement<?> statement = statements.size() == 1 ? statements.get(0) : BatchRules.unlogged(statements);
            return new Request(statement, List.copyOf(records));
        }
    }
}
