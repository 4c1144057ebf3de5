package dev.kchat.store.sink;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.metadata.Node;
import com.datastax.oss.driver.api.core.metadata.NodeState;
import dev.kchat.schemas.registry.HttpSchemaRegistryClient;
import dev.kchat.schemas.topic.Topics;
import dev.kchat.service.AdminServer;
import dev.kchat.service.Health;
import dev.kchat.service.Metrics;
import dev.kchat.service.Settings;
import dev.kchat.store.cql.CqlConfig;
import dev.kchat.store.cql.CqlSessions;
import dev.kchat.store.schema.Migrations;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The store sink as a process: applies the CQL migrations, then writes {@code chat.conversation.log}
 * and {@code chat.inbox} to the store until stopped (SIGTERM / Ctrl-C). Run with {@code --help} for
 * its settings.
 */
public final class SinkApp {

    private static final Logger log = LoggerFactory.getLogger(SinkApp.class);

    static final String REGISTRY_URL = "schema.registry.url";
    static final String ADMIN_HOST = "admin.host";
    static final String ADMIN_PORT = "admin.port";
    static final int DEFAULT_ADMIN_PORT = 8084;

    private static final String USAGE = """
            kchat store sink: writes chat.conversation.log and chat.inbox to ScyllaDB/Cassandra.

            Settings (JVM -Dkey=value, or environment KCHAT_KEY with dots as underscores, or a properties
            file named by KCHAT_CONFIG):
              kafka.bootstrap.servers        Kafka brokers (required)
              schema.registry.url            schema registry base URL (required)
              cql.contact.points             host:port[,host:port] (default 127.0.0.1:9042)
              cql.local.datacenter           data center of the nodes to use (default datacenter1)
              cql.keyspace                   keyspace (default kchat)
              cql.replication                keyspace replication when created: SimpleStrategy:1 or
                                             NetworkTopologyStrategy:dc1=3 (default SimpleStrategy:1)
              cql.request.timeout            per-request timeout (default 5s)
              sink.group.id                  consumer group (default kchat-store-sink)
              sink.max.poll.records          records per batch (default 500)
              sink.max.in.flight             concurrent CQL writes (default 64)
              sink.retry.initial.backoff     first wait after a failed write (default 200ms)
              sink.retry.max.backoff         longest wait between retries (default 30s)
              sink.max.unclassified.attempts attempts on unknown errors before the error topic (default 10)
              sink.batch.enabled             records share UNLOGGED batches per replica set (default true)
              sink.batch.max.bytes           estimated size of such a batch (default 4096)
              sink.batch.max.statements      statements in such a batch (default 32)
              sink.batch.max.partitions      partitions in such a batch (default 10)
              kafka.consumer.* / kafka.producer.*  extra Kafka client configs
              admin.host / admin.port        health and metrics endpoint (default 0.0.0.0:8084)
              tracing.enabled                export a span per record stored (default false)
              tracing.otlp.endpoint          OTLP/HTTP traces endpoint (default http://localhost:4318/v1/traces)
              tracing.sample.ratio           share of traces kept, decided at the door (default 1.0)
              tracing.service.name           service.name of the spans (default kchat-sink)
              tracing.queue.size / .batch.size / .batch.delay / .export.timeout
                                             export queue (2048 spans), batch (512, 1s), time limit (10s)
            """;

    private SinkApp() {
    }

    public static void main(String[] args) {
        if (Arrays.asList(args).contains("--help")) {
            System.out.print(USAGE);
            return;
        }
        run(Settings.fromEnvironment());
    }

    /** Runs the sink until the JVM is asked to stop. */
    static void run(Settings settings) {
        SinkConfig sinkConfig = SinkConfig.fromSettings(settings);
        CqlConfig cql = CqlConfig.fromSettings(settings);
        String registryUrl = settings.required(REGISTRY_URL);
        PrometheusMeterRegistry meters = Metrics.newRegistry(StoreSink.APP_ID);
        try (HttpSchemaRegistryClient registry = new HttpSchemaRegistryClient(registryUrl);
                CqlSession session = CqlSessions.connect(cql)) {
            Migrations.apply(session, cql.keyspace(), cql.replication());
            StoreSink sink = StoreSink.create(sinkConfig, Topics.create(registry), session, cql.keyspace(), meters);
            Map<String, Health.Check> checks = new LinkedHashMap<>();
            checks.put("cql", () -> cqlHealth(session));
            checks.put("sink", sink::health);
            try (AdminServer admin = AdminServer.start(settings.string(ADMIN_HOST, "0.0.0.0"),
                    settings.integer(ADMIN_PORT, DEFAULT_ADMIN_PORT), meters, checks)) {
                Runtime.getRuntime().addShutdownHook(new Thread(sink::close, "store-sink-shutdown"));
                log.info("store sink started (admin port {})", admin.port());
                sink.run();
            }
        }
    }

    static Health cqlHealth(CqlSession session) {
        long up = session.getMetadata().getNodes().values().stream().map(Node::getState).filter(NodeState.UP::equals).count();
        return up > 0 ? Health.up(up + " node(s) up") : Health.down("no CQL node up");
    }
}
