package dev.kchat.localcql;

import static org.assertj.core.api.Assertions.assertThat;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.Row;
import java.io.File;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntSupplier;
import org.junit.jupiter.api.Test;

class LocalCqlServerTest {

    @Test
    void shouldServeCqlAndCleanUpItsTemporaryFolderWhenClosed() {
        // Given a freshly started server
        Path dir;
        try (LocalCqlServer server = LocalCqlServer.startTemporary()) {
            dir = server.directory();

            // When a client creates a keyspace, a table and writes a row
            try (CqlSession session = server.sessionBuilder().build()) {
                session.execute("CREATE KEYSPACE smoke WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}");
                session.execute("CREATE TABLE smoke.kv (k text PRIMARY KEY, v int)");
                session.execute("INSERT INTO smoke.kv (k, v) VALUES ('a', 1)");
                Row row = session.execute("SELECT v FROM smoke.kv WHERE k = 'a'").one();

                // Then it reads it back, and the server's logs stay in its own folder
                assertThat(row).isNotNull();
                assertThat(row.getInt("v")).isEqualTo(1);
                assertThat(server.localDatacenter()).isEqualTo("datacenter1");
            }
            assertThat(dir.resolve("logs").resolve("system.log")).isNotEmptyFile();
            assertThat(server.isRunning()).isTrue();
        }

        // And closing it stops the child and deletes the temporary folder
        assertThat(Files.exists(dir)).isFalse();
    }

    @Test
    void shouldStartAgainOnFreshPortsWhenAnotherProcessTakesTheStoragePortFirst() throws Exception {
        // Given a storage port that another process binds between the probe and the child's bind
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName(LocalCqlServer.HOST))) {
            AtomicInteger probes = new AtomicInteger();
            IntSupplier ports = () -> probes.incrementAndGet() == 2 ? taken.getLocalPort() : CassandraNode.freePort();

            // When the server starts
            try (LocalCqlServer server = LocalCqlServer.start(LocalCqlConfig.defaults(), ports);
                    CqlSession session = server.sessionBuilder().build()) {

                // Then the first child fails on the port, a second one on fresh ports answers CQL
                assertThat(probes.get()).isEqualTo(6);
                assertThat(session.execute("SELECT release_version FROM system.local").one()).isNotNull();
            }
        }
    }

    @Test
    void shouldBuildTheChildClasspathFromTheResourceWrittenAtBuildTime() {
        // When the launcher reads its classpath resource
        String classpath = CassandraNode.cassandraClasspath();

        // Then it holds Cassandra, and netty in one version only (mixed netty jars break the server)
        assertThat(classpath).contains("cassandra-all-5.0");
        assertThat(Arrays.stream(classpath.split(File.pathSeparator))
                        .filter(p -> p.contains("/io/netty/netty-") && !p.contains("tcnative"))
                        .map(p -> Path.of(p).getParent().getFileName().toString())
                        .distinct())
                .hasSize(1);
    }
}
