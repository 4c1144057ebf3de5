package dev.kchat.deploy;

import dev.kchat.localkafka.KafkaBroker;
import dev.kchat.localkafka.RegistryHttpServer;
import dev.kchat.schemas.registry.InMemorySchemaRegistry;

/** A real KRaft broker (child JVM) and the schema registry over HTTP, for one test class. */
final class TestCluster implements AutoCloseable {

    final KafkaBroker broker = KafkaBroker.startTemporary();
    final RegistryHttpServer registry = RegistryHttpServer.start(new InMemorySchemaRegistry(), "127.0.0.1", 0);

    String bootstrapServers() {
        return broker.bootstrapServers();
    }

    String registryUrl() {
        return "http://127.0.0.1:" + registry.port();
    }

    @Override
    public void close() {
        registry.close();
        broker.close();
    }
}
