package dev.kchat.localcql;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.Row;
import dev.kchat.process.OwnerJvm;
import java.nio.file.Path;

/**
 * The owner JVM of {@link CqlOwnerDeathTest}: {@code CqlOwner <data dir> <value>} starts a CQL server on
 * that folder, announces the value stored by an earlier owner (or {@code none}), stores its own, announces
 * the server's pid and port, and then waits to be killed.
 */
public final class CqlOwner {

    private CqlOwner() {
    }

    public static void main(String[] args) throws Exception {
        LocalCqlServer server = LocalCqlServer.start(LocalCqlConfig.defaults().withDataDir(Path.of(args[0])));
        try (CqlSession session = server.sessionBuilder().build()) {
            session.execute("CREATE KEYSPACE IF NOT EXISTS owner WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}");
            session.execute("CREATE TABLE IF NOT EXISTS owner.kv (k text PRIMARY KEY, v text)");
            Row before = session.execute("SELECT v FROM owner.kv WHERE k = 'last'").one();
            OwnerJvm.announce("previous", before == null ? "none" : before.getString("v"));
            session.execute("INSERT INTO owner.kv (k, v) VALUES ('last', ?)", args[1]);
        }
        OwnerJvm.announce("port", server.port());
        OwnerJvm.announce("server", server.pid());
        Thread.sleep(Long.MAX_VALUE);
    }
}
