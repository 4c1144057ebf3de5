package dev.kchat.localkafka;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kchat.process.OwnerJvm;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code kill -9} of the JVM that started a broker (no shutdown hook runs there): the broker must not
 * be left behind holding its port and its data, and the next owner must start on the same data.
 */
class BrokerOwnerDeathTest {

    private static final Duration START = Duration.ofSeconds(120);

    @TempDir
    Path dir;

    @Test
    void shouldStopTheBrokerWhenItsOwnerIsKilledAndStartTheNextOwnerOnTheSameData() throws Exception {
        // Given an owner JVM whose broker holds a port and a folder with a topic in it
        Path data = dir.resolve("kafka");
        int port = BrokerNode.freePort();
        long brokerPid;
        try (OwnerJvm first = OwnerJvm.start(BrokerOwner.class, dir.resolve("owner-1.log"), data.toString(), String.valueOf(port), "kept")) {
            brokerPid = Long.parseLong(first.await("broker", START));
            assertThat(first.await("topics", Duration.ZERO)).contains("kept");
            ProcessHandle broker = ProcessHandle.of(brokerPid).orElseThrow();

            // When the owner is killed with SIGKILL
            first.kill();

            // Then its broker exits by itself and frees its port
            broker.onExit().get(90, TimeUnit.SECONDS);
            assertThat(broker.isAlive()).isFalse();
            assertThat(OwnerJvm.portFree(port)).as("port %s free", port).isTrue();
        }

        // And a new owner starts a broker on the same folder and port, with the topic still there
        try (OwnerJvm second = OwnerJvm.start(BrokerOwner.class, dir.resolve("owner-2.log"), data.toString(), String.valueOf(port), "kept")) {
            long secondBroker = Long.parseLong(second.await("broker", START));
            assertThat(secondBroker).isNotEqualTo(brokerPid);
            assertThat(second.await("topics", Duration.ZERO)).contains("kept");
            assertThat(Files.readString(data.resolve("broker.log"))).doesNotContain("Failed to acquire lock");
        }
    }
}
