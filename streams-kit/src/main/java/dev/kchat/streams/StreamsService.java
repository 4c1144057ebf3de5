package dev.kchat.streams;

import dev.kchat.schemas.registry.HttpSchemaRegistryClient;
import dev.kchat.service.AdminServer;
import dev.kchat.service.ConsumerLag;
import dev.kchat.service.Health;
import dev.kchat.service.Metrics;
import dev.kchat.service.Settings;
import dev.kchat.service.tracing.Tracing;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.kafka.KafkaStreamsMetrics;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.streams.CloseOptions;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.TopologyDescription;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running Kafka Streams app with what every long-running component has: Prometheus metrics
 * (JVM and Kafka Streams), an admin server whose readiness is "state is RUNNING", a stream thread
 * replaced on an infrastructure failure, and a close that leaves the group so the partitions move
 * at once; and, for an app that names them, a start refused while topics it needs co-partitioned have
 * different partition counts ({@link CopartitionGuard}). Each {@link StreamsApp} (routing, fanout,
 * presence) owns one.
 */
public final class StreamsService implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(StreamsService.class);

    private final String appName;
    private final KafkaStreams streams;
    private final PrometheusMeterRegistry metrics;
    private final KafkaStreamsMetrics streamsMetrics;
    private final AdminServer admin;
    private final Tracing tracing;
    private final CompletableFuture<KafkaStreams.State> terminated;
    private final AtomicBoolean closed = new AtomicBoolean();

    private StreamsService(String appName, KafkaStreams streams, PrometheusMeterRegistry metrics,
            KafkaStreamsMetrics streamsMetrics, AdminServer admin, Tracing tracing, CompletableFuture<KafkaStreams.State> terminated) {
        this.appName = appName;
        this.tracing = tracing;
        this.streams = streams;
        this.terminated = terminated;
        this.metrics = metrics;
        this.streamsMetrics = streamsMetrics;
        this.admin = admin;
    }

    /**
     * {@link #start(String, Topology, Properties, String, int, Duration)} with the admin server and
     * start timeout of an app's {@link StreamsAppSettings}.
     */
    public static StreamsService start(String appName, Topology topology, Properties properties, StreamsAppSettings app) {
        return start(appName, topology, properties, app, List.of());
    }

    /**
     * As {@link #start(String, Topology, Properties, StreamsAppSettings)}, after checking that each group
     * of {@code copartitioned} topics has one partition count ({@link CopartitionGuard}): an app whose
     * processors share stores across topics names them here.
     *
     * @throws IllegalStateException naming the topics and their counts if a group's counts differ (nothing
     *                               is started then), or as the other forms
     */
    public static StreamsService start(String appName, Topology topology, Properties properties, StreamsAppSettings app,
            List<List<String>> copartitioned) {
        return start(appName, topology, properties, app.adminHost(), app.adminPort(), app.startTimeout(),
                Metrics.newRegistry(appName), Tracing.start(app.tracing()), copartitioned);
    }

    /**
     * As {@link #start(String, Topology, Properties, StreamsAppSettings, List)}, for a topology that counts
     * into the app's registry (e.g. routing's decisions): {@code topology} is built with it.
     */
    public static StreamsService start(String appName, Function<MeterRegistry, Topology> topology, Properties properties,
            StreamsAppSettings app, List<List<String>> copartitioned) {
        PrometheusMeterRegistry metrics = Metrics.newRegistry(appName);
        return start(appName, topology.apply(metrics), properties, app.adminHost(), app.adminPort(), app.startTimeout(), metrics,
                Tracing.start(app.tracing()), copartitioned);
    }

    /**
     * Starts Kafka Streams over a topology (whose topics must exist), its metrics and its admin
     * server. Returns once RUNNING.
     *
     * @throws IllegalStateException if RUNNING is not reached within {@code startTimeout} or Kafka
     *                               Streams fails first; everything started is closed again
     */
    public static StreamsService start(String appName, Topology topology, Properties properties, String adminHost,
            int adminPort, Duration startTimeout) {
        return start(appName, topology, properties, adminHost, adminPort, startTimeout, Metrics.newRegistry(appName), Tracing.off(),
                List.of());
    }

    private static StreamsService start(String appName, Topology topology, Properties properties, String adminHost,
            int adminPort, Duration startTimeout, PrometheusMeterRegistry metrics, Tracing tracing, List<List<String>> copartitioned) {
        try {
            checkCopartitioned(properties, copartitioned, startTimeout);
        } catch (RuntimeException e) {
            metrics.close();
            tracing.close();
            throw e;
        }
        Properties props = new Properties();
        props.putAll(properties);
        // The stages' spans (StageTracer) find the app's tracing here, as the error handler finds its topics.
        props.put(StageTracer.TRACING_CONFIG, tracing);
        // Under exactly-once, a new transaction's first AddPartitions often meets the previous
        // commit's markers still being written (CONCURRENT_TRANSACTIONS) and the producer backs off
        // exponentially up to retry.backoff.max.ms (1 s by default): measured, that stall more than
        // doubled end-to-end latency (docs/benchmarks.md). Cap it unless the operator set it.
        producerDefault(props, ProducerConfig.RETRY_BACKOFF_MAX_MS_CONFIG, 100);
        // Kafka Streams lingers 100 ms before sending. Under exactly-once that costs nothing (nothing is
        // visible before the commit, which flushes), but at-least-once output is visible as soon as it
        // is written, and each of the three hops (routing, fanout, the inbox sequencer) would add up to
        // 100 ms to a chat message: measured p50 55 ms end to end with 5 ms (docs/benchmarks.md).
        if (StreamsConfig.AT_LEAST_ONCE.equals(String.valueOf(props.get(StreamsConfig.PROCESSING_GUARANTEE_CONFIG)))) {
            producerDefault(props, ProducerConfig.LINGER_MS_CONFIG, 5);
        }
        KafkaStreams streams = new KafkaStreams(topology, props);
        CompletableFuture<KafkaStreams.State> settled = new CompletableFuture<>();
        CompletableFuture<KafkaStreams.State> terminated = new CompletableFuture<>();
        streams.setStateListener((now, before) -> {
            log.info("{} state {} -> {}", appName, before, now);
            if (now == KafkaStreams.State.RUNNING || now == KafkaStreams.State.ERROR
                    || now == KafkaStreams.State.PENDING_SHUTDOWN || now == KafkaStreams.State.NOT_RUNNING) {
                settled.complete(now);
            }
            if (now == KafkaStreams.State.ERROR || now == KafkaStreams.State.NOT_RUNNING) {
                terminated.complete(now);
            }
        });
        // Processing failures are handled per record; what reaches here is infrastructure (broker,
        // fencing, state directory): a fresh thread retries from the last committed transaction.
        streams.setUncaughtExceptionHandler(e -> {
            log.error("{} stream thread failed; replacing it", appName, e);
            return StreamThreadExceptionResponse.REPLACE_THREAD;
        });
        KafkaStreamsMetrics streamsMetrics = new KafkaStreamsMetrics(streams);
        streamsMetrics.bindTo(metrics);
        ConsumerLag.register(metrics, streams::metrics,
                sourceTopics(topology, String.valueOf(props.get(StreamsConfig.APPLICATION_ID_CONFIG))));
        AdminServer admin = null;
        try {
            admin = AdminServer.start(adminHost, adminPort, metrics, Map.of("kafka-streams", () -> {
                KafkaStreams.State state = streams.state();
                return state == KafkaStreams.State.RUNNING ? Health.up(state.name()) : Health.down(state.name());
            }));
            streams.start();
            KafkaStreams.State state = settled.get(startTimeout.toMillis(), TimeUnit.MILLISECONDS);
            if (state != KafkaStreams.State.RUNNING) {
                throw new IllegalStateException(appName + " stopped while starting, state " + state);
            }
            return new StreamsService(appName, streams, metrics, streamsMetrics, admin, tracing, terminated);
        } catch (TimeoutException e) {
            stopAll(appName, streams, metrics, streamsMetrics, admin, tracing);
            throw new IllegalStateException(appName + " not RUNNING after " + startTimeout + ", state " + streams.state(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            stopAll(appName, streams, metrics, streamsMetrics, admin, tracing);
            throw new IllegalStateException("interrupted while starting " + appName, e);
        } catch (ExecutionException | RuntimeException e) {
            stopAll(appName, streams, metrics, streamsMetrics, admin, tracing);
            throw e instanceof RuntimeException r ? r : new IllegalStateException("cannot start " + appName, e);
        }
    }

    /** Refuses to start if a group of topics that must be co-partitioned is not ({@link CopartitionGuard}); one short-lived admin client. */
    private static void checkCopartitioned(Properties properties, List<List<String>> copartitioned, Duration timeout) {
        if (copartitioned.isEmpty()) {
            return;
        }
        StreamsConfig config = new StreamsConfig(properties);
        try (Admin admin = Admin.create(config.getAdminConfigs(config.getString(StreamsConfig.APPLICATION_ID_CONFIG) + "-copartition-check"))) {
            CopartitionGuard.check(admin, copartitioned, timeout);
        }
    }

    /** Current Kafka Streams state. */
    public KafkaStreams.State state() {
        return streams.state();
    }

    /** The admin server's port (health, metrics). */
    public int adminPort() {
        return admin.port();
    }

    /** The running Kafka Streams instance, for interactive queries. */
    public KafkaStreams streams() {
        return streams;
    }

    /**
     * Stops processing: Kafka Streams commits, closes its stores and leaves the consumer group
     * (waiting up to 30 s), then the admin server and metrics stop and the queued spans are flushed.
     * Idempotent.
     */
    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            stopAll(appName, streams, metrics, streamsMetrics, admin, tracing);
            log.info("{} stopped", appName);
        }
    }

    /**
     * Blocks until Kafka Streams has stopped for good (closed, or failed).
     *
     * @return true if it stopped in ERROR
     */
    public boolean awaitTermination() throws InterruptedException {
        try {
            return terminated.get() == KafkaStreams.State.ERROR;
        } catch (ExecutionException e) {
            throw new IllegalStateException(e.getCause());
        }
    }

    private static void stopAll(String appName, KafkaStreams streams, PrometheusMeterRegistry metrics,
            KafkaStreamsMetrics streamsMetrics, AdminServer admin, Tracing tracing) {
        // Leave the group at once, so the partitions move to the other instances now rather than
        // after the session timeout. (For dynamic members Kafka Streams honours this only with
        // static membership; see docs/topologies.md.)
        if (!streams.close(CloseOptions.groupMembershipOperation(CloseOptions.GroupMembershipOperation.LEAVE_GROUP)
                .withTimeout(Duration.ofSeconds(30)))) {
            log.warn("{}: Kafka Streams did not close within 30 s", appName);
        }
        streamsMetrics.close();
        if (admin != null) {
            admin.close();
        }
        metrics.close();
        // After Kafka Streams: the spans of the last records processed are flushed too.
        tracing.close();
    }

    /**
     * The topics a topology reads, by the names its consumers use: its source topics, and its
     * repartition topics prefixed with the application id as Kafka Streams names them.
     */
    static Set<String> sourceTopics(Topology topology, String applicationId) {
        Set<String> topics = new TreeSet<>();
        TopologyDescription description = topology.describe();
        Stream.concat(description.subtopologies().stream().flatMap(s -> s.nodes().stream()),
                        description.globalStores().stream().map(TopologyDescription.GlobalStore::source))
                .filter(TopologyDescription.Source.class::isInstance)
                .map(TopologyDescription.Source.class::cast)
                .filter(source -> source.topicSet() != null)
                .flatMap(source -> source.topicSet().stream())
                .map(topic -> topic.endsWith("-repartition") ? applicationId + "-" + topic : topic)
                .forEach(topics::add);
        return topics;
    }

    /** The schema registry client of a Streams app; only http(s) registries serve a deployment. */
    public static HttpSchemaRegistryClient registryClient(String url) {
        if (!url.startsWith("http://") && !url.startsWith("https://")) {
            throw new Settings.ConfigException("schema.registry.url", "must be an http(s) URL, was " + url);
        }
        return new HttpSchemaRegistryClient(url);
    }

    /** Sets a producer setting unless the operator set it, prefixed ({@code producer.x}) or not ({@code x}). */
    static void producerDefault(Properties props, String name, Object value) {
        if (!props.containsKey(name) && !props.containsKey(StreamsConfig.producerPrefix(name))) {
            props.put(StreamsConfig.producerPrefix(name), value);
        }
    }
}
