package dev.kchat.store;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.Row;
import com.datastax.oss.driver.api.core.cql.Statement;
import dev.kchat.localcql.LocalCqlServer;
import dev.kchat.localcql.SharedLocalCql;
import dev.kchat.store.cql.CqlConfig;
import dev.kchat.store.cql.CqlSessions;
import dev.kchat.store.cql.Replication;
import dev.kchat.store.schema.Migrations;
import dev.kchat.store.write.AsyncWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The store of the test JVM: one shared local CQL server and session, one fresh keyspace per test class
 * (or test), migrated.
 */
public final class TestStore {

    private static final AtomicInteger KEYSPACES = new AtomicInteger();

    private TestStore() {
    }

    public static CqlSession session() {
        return Holder.SESSION;
    }

    /** A new keyspace with the bundled migrations applied. */
    public static String newKeyspace(String prefix) {
        String keyspace = prefix + "_" + ProcessHandle.current().pid() + "_" + KEYSPACES.incrementAndGet();
        Migrations.apply(session(), keyspace, Replication.simple(1));
        return keyspace;
    }

    public static CqlConfig config(String keyspace) {
        LocalCqlServer server = SharedLocalCql.server();
        return CqlConfig.local(server.contactPoint(), server.localDatacenter(), keyspace);
    }

    /** Executes statements with bounded concurrency and waits for all of them. */
    public static void write(List<? extends Statement<?>> statements) {
        try {
            new AsyncWriter(session(), 64).executeAll(statements).get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("write failed", e.getCause());
        }
    }

    /** Every row of a table, formatted, sorted: equal snapshots mean equal contents. */
    public static List<String> snapshot(String keyspace, String table) {
        List<String> rows = new ArrayList<>();
        for (Row row : session().execute("SELECT * FROM " + keyspace + "." + table)) {
            rows.add(row.getFormattedContents());
        }
        rows.sort(String::compareTo);
        return rows;
    }

    private static final class Holder {
        static final CqlSession SESSION = open();

        private static CqlSession open() {
            CqlSession session = CqlSessions.connect(config("unused"));
            Runtime.getRuntime().addShutdownHook(new Thread(session::close, "test-cql-session-close"));
            return session;
        }
    }
}
