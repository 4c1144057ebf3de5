package dev.kchat.store.write;

import com.datastax.oss.driver.api.core.cql.BoundStatement;
import com.datastax.oss.driver.api.core.data.ByteUtils;
import java.nio.ByteBuffer;

/** Statements compared by what they write, for tests of planned requests (batch children are rebuilt copies). */
final class BoundStatements {

    private BoundStatements() {
    }

    /** A bound statement's query and bound values (in hex). */
    static String describe(Object statement) {
        BoundStatement bound = (BoundStatement) statement;
        StringBuilder out = new StringBuilder(bound.getPreparedStatement().getQuery());
        for (int i = 0; i < bound.size(); i++) {
            ByteBuffer value = bound.getBytesUnsafe(i);
            out.append('|').append(value == null ? "null" : ByteUtils.toHexString(value));
        }
        return out.toString();
    }
}
