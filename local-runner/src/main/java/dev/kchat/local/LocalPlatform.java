package dev.kchat.local;

import dev.kchat.localkafka.KafkaBroker;
import dev.kchat.localkafka.RegistryHttpServer;
import dev.kchat.schemas.registry.InMemorySchemaRegistry;
import dev.kchat.schemas.topic.Topic;
import dev.kchat.schemas.topic.TopicProvisioner;
import dev.kchat.schemas.topic.Topics;
import dev.kchat.service.Settings;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts the platform locally: a real Kafka broker (child JVM), the schema registry (in process,
 * persisted in the data folder, served over the Confluent REST API), every topic with its schema
 * registered. Stops everything, in reverse order, on Ctrl-C.
 */
public final class LocalPlatform implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(LocalPlatform.class);

    private final LocalConfig config;
    private final Deque<AutoCloseable> running = new ArrayDeque<>();
    private KafkaBroker broker;
    private RegistryHttpServer registryServer;
    private Topics topics;
    private Map<String, Integer> schemaIds;

    private LocalPlatform(LocalConfig config) {
        this.config = config;
    }

    /** Starts every component; on failure stops what already started and rethrows. */
    public static LocalPlatform start(LocalConfig config) {
        LocalPlatform platform = new LocalPlatform(config);
        try {
            platform.startAll();
            return platform;
        } catch (RuntimeException e) {
            platform.close();
            throw e;
        }
    }

    private void startAll() {
        long t0 = System.nanoTime();
        InMemorySchemaRegistry registry = InMemorySchemaRegistry.persistentAt(config.dataDir().resolve("schema-registry.json"));
        registryServer = RegistryHttpServer.start(registry, config.host(), config.registryPort());
        running.push(registryServer);

        broker = KafkaBroker.start(KafkaBroker.Settings.defaults(config.dataDir().resolve("kafka")).withPort(config.kafkaPort()));
        running.push(broker);

        topics = Topics.create(registry);
        broker.createTopics(topics);
        schemaIds = TopicProvisioner.registerSchemas(registry, topics);
        log.info("local platform up in {} ms", Duration.ofNanos(System.nanoTime() - t0).toMillis());
    }

    /** What runs where, for the console. */
    public String summary() {
        StringBuilder out = new StringBuilder();
        out.append("\n  kchat is running locally (Ctrl-C stops everything)\n\n");
        out.append(String.format("  Kafka broker      %s   (pid %d, data %s)%n", broker.bootstrapServers(), broker.pid(), broker.dataDir()));
        out.append(String.format("  Schema registry   http://%s:%d   (Confluent REST API; try /subjects)%n", config.host(), registryServer.port()));
        out.append(String.format("  Broker log        %s%n%n", broker.dataDir().resolve("broker.log")));
        out.append("  Topics (partitions, schema id):\n");
        for (Topic<?, ?> t : topics.all()) {
            out.append(String.format("    %-24s %3d   id %-3s key: %s%n", t.name(), t.partitions(),
                    schemaIds.get(t.valueSubject()), t.keyDescription()));
        }
        return out.toString();
    }

    @Override
    public void close() {
        while (!running.isEmpty()) {
            AutoCloseable c = running.pop();
            try {
                c.close();
            } catch (Exception e) {
                log.error("failed to stop {}", c.getClass().getSimpleName(), e);
            }
        }
    }

    public static void main(String[] args) throws InterruptedException {
        if (args.length > 0 && (args[0].equals("--help") || args[0].equals("-h"))) {
            System.out.print(LocalConfig.help());
            return;
        }
        LocalConfig config = LocalConfig.from(Settings.fromEnvironment());
        LocalPlatform platform = start(config);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            log.info("stopping the local platform");
            platform.close();
            stopped.countDown();
        }, "local-platform-shutdown"));
        System.out.println(platform.summary());
        stopped.await();
    }
}
