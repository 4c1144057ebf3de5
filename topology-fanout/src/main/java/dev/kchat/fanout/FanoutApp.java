package dev.kchat.fanout;

import dev.kchat.streams.ErrorTopicHandler;
import dev.kchat.streams.StateSerde;

import dev.kchat.events.chat.BroadcastEntry;
import dev.kchat.events.chat.ConversationEvent;
import dev.kchat.events.chat.InboxEntry;
import dev.kchat.fanout.state.Roster;
import dev.kchat.schemas.registry.HttpSchemaRegistryClient;
import dev.kchat.schemas.topic.Topic;
import dev.kchat.schemas.topic.Topics;
import dev.kchat.service.AdminServer;
import dev.kchat.service.Health;
import dev.kchat.service.Metrics;
import dev.kchat.service.Settings;
import io.micrometer.core.instrument.binder.kafka.KafkaStreamsMetrics;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.CloseOptions;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse;
import org.apache.kafka.streams.kstream.Branched;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.kstream.Repartitioned;
import org.apache.kafka.streams.state.Stores;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The fan-out topology: {@code chat.conversation.log} to per-user {@code chat.inbox} entries (write
 * diffusion) or {@code chat.broadcast} (read diffusion); records that cannot be read or processed
 * go to {@code platform.errors}.
 *
 * <p>Two sub-topologies. Per conversation: {@link MembershipProcessor} keeps the members from the
 * log and emits one entry per recipient, re-keyed by user. Through the repartition topic
 * {@code <application.id>-fanout-by-user-repartition}, per user: {@link InboxSequencer} numbers each
 * user's inbox. Store and repartition names are constants: they name changelog and internal topics,
 * which must not change.
 */
public final class FanoutApp implements AutoCloseable {

    /** Component name: {@code app_id} of its error records and the metrics {@code app} tag. */
    public static final String APP_NAME = "topology-fanout";

    /** Conversation id -> {@link Roster}: kind, member count, last seq applied. */
    public static final String CONVERSATIONS_STORE = "fanout-conversations";
    /** conversation|user -> role: the members as of the last applied seq. */
    public static final String MEMBERS_STORE = "fanout-members";
    /** user -> last inbox seq handed out. */
    public static final String INBOX_SEQ_STORE = "fanout-inbox-seq";
    /** user|conversation -> last conversation seq delivered to the user's inbox. */
    public static final String POSITIONS_STORE = "fanout-inbox-positions";
    /** Name of the repartition by user id; the topic is {@code <application.id>-fanout-by-user-repartition}. */
    public static final String BY_USER_REPARTITION = "fanout-by-user";

    static final char KEY_SEPARATOR = '|';
    static final String SOURCE = "fanout-log-source";
    static final String MEMBERSHIP_PROCESSOR = "fanout-membership";
    static final String INBOX_SEQUENCER = "fanout-inbox-sequencer";
    static final String INBOX_SINK = "fanout-inbox-sink";
    static final String BROADCAST_SINK = "fanout-broadcast-sink";

    private static final Logger log = LoggerFactory.getLogger(FanoutApp.class);

    private final KafkaStreams streams;
    private final PrometheusMeterRegistry metrics;
    private final KafkaStreamsMetrics streamsMetrics;
    private final AdminServer admin;
    private final CompletableFuture<KafkaStreams.State> terminated;
    private final AtomicBoolean closed = new AtomicBoolean();

    private FanoutApp(KafkaStreams streams, PrometheusMeterRegistry metrics, KafkaStreamsMetrics streamsMetrics, AdminServer admin,
            CompletableFuture<KafkaStreams.State> terminated) {
        this.streams = streams;
        this.terminated = terminated;
        this.metrics = metrics;
        this.streamsMetrics = streamsMetrics;
        this.admin = admin;
    }

    /**
     * Builds the topology. Pure: no I/O, no clients; the same call serves the running app and the
     * tests.
     */
    public static Topology buildTopology(FanoutConfig config, Topics topics) {
        StreamsBuilder builder = new StreamsBuilder();
        builder.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(CONVERSATIONS_STORE),
                Serdes.String(), StateSerde.of(Roster.class)));
        builder.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(MEMBERS_STORE),
                Serdes.String(), Serdes.String()));
        builder.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(INBOX_SEQ_STORE),
                Serdes.String(), Serdes.Long()));
        builder.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(POSITIONS_STORE),
                Serdes.String(), Serdes.Long()));

        Topic<String, ConversationEvent> conversationLog = topics.conversationLog();
        Topic<String, InboxEntry> inbox = topics.inbox();
        Topic<String, BroadcastEntry> broadcast = topics.broadcast();
        // Values are decoded by the processor, so an undecodable event is handled like any failed one.
        builder.stream(conversationLog.name(), Consumed.with(conversationLog.keySerde(), Serdes.ByteArray()).withName(SOURCE))
                .process(() -> new MembershipProcessor(conversationLog, config.broadcastThreshold()), Named.as(MEMBERSHIP_PROCESSOR),
                        CONVERSATIONS_STORE, MEMBERS_STORE)
                .split(Named.as("fanout-output-"))
                .branch((key, out) -> out instanceof InboxEntry, Branched.withConsumer(deliveries -> deliveries
                        .mapValues(out -> (InboxEntry) out, Named.as("fanout-as-delivery"))
                        // The unsequenced entry travels in the chat.inbox schema with inbox_seq 0.
                        .repartition(Repartitioned.<String, InboxEntry>as(BY_USER_REPARTITION)
                                .withKeySerde(inbox.keySerde()).withValueSerde(inbox.valueSerde()))
                        .process(InboxSequencer::new, Named.as(INBOX_SEQUENCER), INBOX_SEQ_STORE, POSITIONS_STORE)
                        .to(inbox.name(), Produced.with(inbox.keySerde(), inbox.valueSerde()).withName(INBOX_SINK)),
                        "inbox"))
                .branch((key, out) -> out instanceof BroadcastEntry, Branched.withConsumer(large -> large
                        .mapValues(out -> (BroadcastEntry) out, Named.as("fanout-as-broadcast"))
                        .to(broadcast.name(), Produced.with(broadcast.keySerde(), broadcast.valueSerde()).withName(BROADCAST_SINK)),
                        "broadcast"))
                .noDefaultBranch();
        return builder.build();
    }

    /**
     * The Kafka Streams properties of the app: guarantee, threads, standbys, state dir, the error
     * topic handlers, then any {@code fanout.streams.*} overrides. The commit interval is left at
     * Kafka Streams' default for the guarantee (100 ms under exactly-once).
     */
    public static Properties streamsConfig(FanoutConfig config) {
        Properties p = new Properties();
        p.put(StreamsConfig.APPLICATION_ID_CONFIG, config.applicationId());
        p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, config.bootstrapServers());
        p.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, config.processingGuarantee());
        p.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, config.threads());
        p.put(StreamsConfig.NUM_STANDBY_REPLICAS_CONFIG, config.standbyReplicas());
        p.put(StreamsConfig.STATE_DIR_CONFIG, config.stateDir().toString());
        p.put(StreamsConfig.DESERIALIZATION_EXCEPTION_HANDLER_CLASS_CONFIG, ErrorTopicHandler.class);
        p.put(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_CLASS_CONFIG, ErrorTopicHandler.class);
        p.put(ErrorTopicHandler.APP_ID_CONFIG, APP_NAME);
        p.put(ErrorTopicHandler.REGISTRY_URL_CONFIG, config.schemaRegistryUrl());
        p.putAll(config.streamsOverrides());
        return p;
    }

    /**
     * Starts the app: Kafka Streams over {@code topics} (which must exist), its metrics and its admin
     * server ({@code /health/ready} is up while the state is RUNNING). Returns once RUNNING.
     *
     * @throws IllegalStateException if RUNNING is not reached within {@link FanoutConfig#startTimeout()}
     *                               or Kafka Streams fails first; everything started is closed again
     */
    public static FanoutApp start(FanoutConfig config, Topics topics) {
        KafkaStreams streams = new KafkaStreams(buildTopology(config, topics), ErrorTopicHandler.bind(streamsConfig(config), topics));
        CompletableFuture<KafkaStreams.State> settled = new CompletableFuture<>();
        CompletableFuture<KafkaStreams.State> terminated = new CompletableFuture<>();
        streams.setStateListener((now, before) -> {
            log.info("{} state {} -> {}", APP_NAME, before, now);
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
            log.error("{} stream thread failed; replacing it", APP_NAME, e);
            return StreamThreadExceptionResponse.REPLACE_THREAD;
        });
        PrometheusMeterRegistry metrics = Metrics.newRegistry(APP_NAME);
        KafkaStreamsMetrics streamsMetrics = new KafkaStreamsMetrics(streams);
        streamsMetrics.bindTo(metrics);
        AdminServer admin = null;
        try {
            admin = AdminServer.start(config.adminHost(), config.adminPort(), metrics, Map.of("kafka-streams", () -> {
                KafkaStreams.State state = streams.state();
                return state == KafkaStreams.State.RUNNING ? Health.up(state.name()) : Health.down(state.name());
            }));
            streams.start();
            KafkaStreams.State state = settled.get(config.startTimeout().toMillis(), TimeUnit.MILLISECONDS);
            if (state != KafkaStreams.State.RUNNING) {
                throw new IllegalStateException(APP_NAME + " stopped while starting, state " + state);
            }
            log.info("{} running as {} on {}", APP_NAME, config.applicationId(), config.bootstrapServers());
            return new FanoutApp(streams, metrics, streamsMetrics, admin, terminated);
        } catch (TimeoutException e) {
            stopAll(streams, metrics, streamsMetrics, admin);
            throw new IllegalStateException(APP_NAME + " not RUNNING after " + config.startTimeout() + ", state " + streams.state(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            stopAll(streams, metrics, streamsMetrics, admin);
            throw new IllegalStateException("interrupted while starting " + APP_NAME, e);
        } catch (ExecutionException | RuntimeException e) {
            stopAll(streams, metrics, streamsMetrics, admin);
            throw e instanceof RuntimeException r ? r : new IllegalStateException("cannot start " + APP_NAME, e);
        }
    }

    /** Current Kafka Streams state. */
    public KafkaStreams.State state() {
        return streams.state();
    }

    /** Port the admin server listens on. */
    public int adminPort() {
        return admin.port();
    }

    /**
     * Stops processing: Kafka Streams commits, closes its stores and leaves the consumer group
     * (waiting up to 30 s), then the admin server and metrics stop. Idempotent.
     */
    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            stopAll(streams, metrics, streamsMetrics, admin);
            log.info("{} stopped", APP_NAME);
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

    private static void stopAll(KafkaStreams streams, PrometheusMeterRegistry metrics, KafkaStreamsMetrics streamsMetrics,
            AdminServer admin) {
        // Leave the group at once, so the partitions move to the other instances now rather than
        // after the session timeout (Kafka Streams otherwise stays in the group on close).
        if (!streams.close(CloseOptions.groupMembershipOperation(CloseOptions.GroupMembershipOperation.LEAVE_GROUP)
                .withTimeout(Duration.ofSeconds(30)))) {
            log.warn("{}: Kafka Streams did not close within 30 s", APP_NAME);
        }
        streamsMetrics.close();
        if (admin != null) {
            admin.close();
        }
        metrics.close();
    }

    static HttpSchemaRegistryClient registryClient(String url) {
        if (!url.startsWith("http://") && !url.startsWith("https://")) {
            throw new Settings.ConfigException(FanoutConfig.SCHEMA_REGISTRY_URL, "must be an http(s) URL, was " + url);
        }
        return new HttpSchemaRegistryClient(url);
    }

    /** Runs the app from {@code KCHAT_*} settings until the process is stopped; {@code --help} lists them. */
    public static void main(String[] args) throws InterruptedException {
        if (args.length > 0 && (args[0].equals("--help") || args[0].equals("-h"))) {
            System.out.print(FanoutConfig.help());
            return;
        }
        FanoutConfig config = FanoutConfig.from(Settings.fromEnvironment());
        FanoutApp app = start(config, Topics.create(registryClient(config.schemaRegistryUrl())));
        Runtime.getRuntime().addShutdownHook(new Thread(app::close, APP_NAME + "-shutdown"));
        if (app.awaitTermination()) {
            log.error("{} failed; exiting so that the supervisor restarts it", APP_NAME);
            System.exit(1);
        }
    }
}
