package dev.kchat.localkafka;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntSupplier;
import org.apache.kafka.clients.admin.Admin;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A port probed free and taken by another process before the broker binds it costs a retry, not the start. */
class BrokerPortRaceTest {

    @TempDir
    Path dir;

    @Test
    void shouldStartAgainOnFreshPortsWhenAnotherProcessTakesTheClientPortFirst() throws Exception {
        // Given a client port that another process binds between the probe and the broker's bind
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            AtomicInteger probes = new AtomicInteger();
            IntSupplier ports = () -> probes.incrementAndGet() == 1 ? taken.getLocalPort() : BrokerNode.freePort();

            // When the broker starts
            try (KafkaBroker broker = KafkaBroker.start(KafkaBroker.Settings.defaults(dir.resolve("kafka")), true, ports);
                    Admin admin = broker.admin()) {

                // Then the first child fails on the port, a second one on fresh ports serves requests
                assertThat(probes.get()).isEqualTo(4);
                assertThat(broker.bootstrapServers()).doesNotEndWith(":" + taken.getLocalPort());
                assertThat(admin.describeCluster().nodes().get(30, TimeUnit.SECONDS)).hasSize(1);
            }
        }
    }
}
