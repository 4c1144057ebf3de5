package dev.kchat.localkafka;

import dev.kchat.process.OwnerJvm;
import java.nio.file.Path;
import java.util.List;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;

/**
 * The owner JVM of {@link BrokerOwnerDeathTest}: {@code BrokerOwner <data dir> <port> <topic>} starts a
 * broker on that folder and port, creates the topic if missing, announces the broker's pid and the
 * topics it has, and then waits to be killed.
 */
public final class BrokerOwner {

    private BrokerOwner() {
    }

    public static void main(String[] args) throws Exception {
        KafkaBroker broker = KafkaBroker.start(KafkaBroker.Settings.defaults(Path.of(args[0])).withPort(Integer.parseInt(args[1])));
        try (Admin admin = broker.admin()) {
            if (!admin.listTopics().names().get(30, TimeUnit.SECONDS).contains(args[2])) {
                admin.createTopics(List.of(new NewTopic(args[2], 1, (short) 1))).all().get(30, TimeUnit.SECONDS);
            }
            OwnerJvm.announce("topics", new TreeSet<>(admin.listTopics().names().get(30, TimeUnit.SECONDS)));
        }
        OwnerJvm.announce("broker", broker.pid());
        Thread.sleep(Long.MAX_VALUE);
    }
}
