package dev.kchat.store.write;

import com.datastax.oss.driver.api.core.cql.BatchStatement;
import com.datastax.oss.driver.api.core.cql.BatchType;
import com.datastax.oss.driver.api.core.cql.BatchableStatement;
import com.datastax.oss.driver.api.core.cql.BoundStatement;
import com.datastax.oss.driver.api.core.cql.ColumnDefinition;
import com.datastax.oss.driver.api.core.cql.Statement;
import com.datastax.oss.driver.api.core.type.DataTypes;
import java.util.ArrayList;
import java.util.List;

/** Which statements may go in an {@code UNLOGGED} batch, and how one is built. */
final class BatchRules {

    private BatchRules() {
    }

    /**
     * Whether a statement may share an {@code UNLOGGED} batch: it is batchable, has a routing keyspace and
     * key, carries no client timestamp of its own (a batch has one), is no lightweight transaction and
     * updates no counter (Cassandra refuses both mixed with other writes).
     */
    static boolean batchable(Statement<?> statement) {
        return statement instanceof BatchableStatement<?> && statement.getRoutingKey() != null
                && statement.getRoutingKeyspace() != null && statement.getQueryTimestamp() == Statement.NO_DEFAULT_TIMESTAMP
                && !isConditional(statement) && !updatesCounter(statement);
    }

    /** A lightweight transaction ({@code IF ...}): its result row has {@code [applied]}. */
    private static boolean isConditional(Statement<?> statement) {
        return statement instanceof BoundStatement bound
                && bound.getPreparedStatement().getResultSetDefinitions().contains("[applied]");
    }

    private static boolean updatesCounter(Statement<?> statement) {
        if (statement instanceof BoundStatement bound) {
            for (ColumnDefinition variable : bound.getPreparedStatement().getVariableDefinitions()) {
                if (variable.getType().equals(DataTypes.COUNTER)) {
                    return true;
                }
            }
        }
        return false;
    }

    /**
     * An {@code UNLOGGED} batch of {@code group}, in order, at the first statement's consistency level,
     * idempotent only if every statement is.
     */
    static BatchStatement unlogged(List<BatchableStatement<?>> group) {
        BatchableStatement<?> first = group.get(0);
        boolean idempotent = group.stream().allMatch(s -> Boolean.TRUE.equals(s.isIdempotent()));
        // The batch's consistency level is the one that applies; the driver ignores the children's own
        // (and warns on every batch that has one), so they are cleared. No LWT is ever batched, so a
        // serial consistency means nothing here either.
        List<BatchableStatement<?>> children = new ArrayList<>(group.size());
        for (BatchableStatement<?> s : group) {
            BatchableStatement<?> child = s;
            if (child.getConsistencyLevel() != null) {
                child = (BatchableStatement<?>) child.setConsistencyLevel(null);
            }
            if (child.getSerialConsistencyLevel() != null) {
                child = (BatchableStatement<?>) child.setSerialConsistencyLevel(null);
            }
            children.add(child);
        }
        return BatchStatement.newInstance(BatchType.UNLOGGED, children)
                .setConsistencyLevel(first.getConsistencyLevel())
                .setIdempotent(idempotent);
    }
}
