package dev.kchat.localcql;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kchat.process.OwnerJvm;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code kill -9} of the JVM that started a CQL server (no shutdown hook runs there): Cassandra must not be
 * left behind holding its port and its data, and the next owner must start on the same data and find
 * what the first one wrote (flushed by the drain, or replayed from the commit log).
 */
class CqlOwnerDeathTest {

    private static final Duration START = Duration.ofSeconds(240);

    @TempDir
    Path dir;

    @Test
    void shouldStopTheServerWhenItsOwnerIsKilledAndStartTheNextOwnerOnTheSameData() throws Exception {
        // Given an owner JVM whose CQL server holds a port and a folder, with a row written
        Path data = dir.resolve("cql");
        long serverPid;
        int port;
        try (OwnerJvm first = OwnerJvm.start(CqlOwner.class, dir.resolve("owner-1.log"), data.toString(), "first")) {
            assertThat(first.await("previous", START)).isEqualTo("none");
            port = Integer.parseInt(first.await("port", START));
            serverPid = Long.parseLong(first.await("server", START));
            ProcessHandle server = ProcessHandle.of(serverPid).orElseThrow();

            // When the owner is killed with SIGKILL
            first.kill();

            // Then the server exits by itself and frees its port
            server.onExit().get(90, TimeUnit.SECONDS);
            assertThat(server.isAlive()).isFalse();
            assertThat(OwnerJvm.portFree(port)).as("port %s free", port).isTrue();
        }

        // And a new owner starts a server on the same folder and reads the first owner's row
        try (OwnerJvm second = OwnerJvm.start(CqlOwner.class, dir.resolve("owner-2.log"), data.toString(), "second")) {
            assertThat(second.await("previous", START)).isEqualTo("first");
            assertThat(Long.parseLong(second.await("server", START))).isNotEqualTo(serverPid);
        }
    }
}
