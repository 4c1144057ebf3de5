package dev.kchat.routing;

import dev.kchat.streams.ErrorTopicHandler;
import dev.kchat.streams.StateSerde;

import dev.kchat.events.chat.ChatCommand;
import dev.kchat.events.chat.CommandResult;
import dev.kchat.events.chat.ConversationEvent;
import dev.kchat.routing.state.ConversationMeta;
import dev.kchat.routing.state.MemberState;
import dev.kchat.routing.state.MessageRef;
import dev.kchat.routing.state.SentMessage;
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
import org.apache.kafka.streams.state.Stores;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The routing topology: {@code chat.commands} (keyed by conversation) to the sequenced
 * {@code chat.conversation.log} and one {@code chat.command.results} record per command; records
 * that cannot be read or processed go to {@code platform.errors}.
 *
 * <p>One task owns each conversation (the input is keyed by conversation), so the per-conversation
 * sequence lives in that task's stores and needs no coordination. Store names are constants: they
 * name the changelog topics ({@code <application.id>-<store>-changelog}), which must not change.
 */
public final class RoutingApp implements AutoCloseable {

    /** Component name: {@code app_id} of its error records and the metrics {@code app} tag. */
    public static final String APP_NAME = "topology-routing";

    /** Conversation id -> {@link ConversationMeta}: kind, owner, last seq, member count. */
    public static final String CONVERSATIONS_STORE = "routing-conversations";
    /** conversation|user -> {@link MemberState}: current members and roles. */
    public static final String MEMBERS_STORE = "routing-members";
    /** conversation|sender|client_msg_id -> {@link SentMessage}: sends within the dedupe window. */
    public static final String DEDUPE_STORE = "routing-dedupe";
    /** time|dedupe key -> dedupe key: the dedupe store in expiry order. */
    public static final String DEDUPE_EXPIRY_STORE = "routing-dedupe-expiry";
    /** conversation|seq -> {@link MessageRef}: live messages within the message retention. */
    public static final String MESSAGES_STORE = "routing-messages";
    /** time|message key -> message key: the message store in expiry order. */
    public static final String MESSAGES_EXPIRY_STORE = "routing-messages-expiry";

    static final String SOURCE = "routing-commands-source";
    static final String PROCESSOR = "routing-command-processor";
    static final String LOG_SINK = "routing-log-sink";
    static final String RESULTS_SINK = "routing-results-sink";

    private static final Logger log = LoggerFactory.getLogger(RoutingApp.class);

    private final KafkaStreams streams;
    private final PrometheusMeterRegistry metrics;
    private final KafkaStreamsMetrics streamsMetrics;
    private final AdminServer admin;
    private final CompletableFuture<KafkaStreams.State> terminated;
    private final AtomicBoolean closed = new AtomicBoolean();

    private RoutingApp(KafkaStreams streams, PrometheusMeterRegistry metrics, KafkaStreamsMetrics streamsMetrics, AdminServer admin,
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
    public static Topology buildTopology(RoutingConfig config, Topics topics) {
        StreamsBuilder builder = new StreamsBuilder();
        builder.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(CONVERSATIONS_STORE),
                Serdes.String(), StateSerde.of(ConversationMeta.class)));
        builder.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(MEMBERS_STORE),
                Serdes.String(), StateSerde.of(MemberState.class)));
        builder.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(DEDUPE_STORE),
                Serdes.String(), StateSerde.of(SentMessage.class)));
        builder.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(DEDUPE_EXPIRY_STORE),
                Serdes.String(), Serdes.String()));
        builder.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(MESSAGES_STORE),
                Serdes.String(), StateSerde.of(MessageRef.class)));
        builder.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(MESSAGES_EXPIRY_STORE),
                Serdes.String(), Serdes.String()));

        Topic<String, ChatCommand> commands = topics.commands();
        Topic<String, ConversationEvent> conversationLog = topics.conversationLog();
        Topic<String, CommandResult> results = topics.commandResults();
        // Values are decoded by the processor, so an undecodable command is handled like any failed one.
        builder.stream(commands.name(), Consumed.with(commands.keySerde(), Serdes.ByteArray()).withName(SOURCE))
                .process(() -> new CommandProcessor(config, commands), Named.as(PROCESSOR),
                        CONVERSATIONS_STORE, MEMBERS_STORE, DEDUPE_STORE, DEDUPE_EXPIRY_STORE, MESSAGES_STORE, MESSAGES_EXPIRY_STORE)
                .split(Named.as("routing-output-"))
                .branch((conversationId, out) -> out instanceof ConversationEvent, Branched.withConsumer(events -> events
                        .mapValues(out -> (ConversationEvent) out, Named.as("routing-as-event"))
                        .to(conversationLog.name(), Produced.with(conversationLog.keySerde(), conversationLog.valueSerde()).withName(LOG_SINK)),
                        "log"))
                .branch((conversationId, out) -> out instanceof CommandResult, Branched.withConsumer(decided -> decided
                        .mapValues(out -> (CommandResult) out, Named.as("routing-as-result"))
                        .to(results.name(), Produced.with(results.keySerde(), results.valueSerde()).withName(RESULTS_SINK)),
                        "results"))
                .noDefaultBranch();
        return builder.build();
    }

    /**
     * The Kafka Streams properties of the app: guarantee, threads, standbys, state dir, the error
     * topic handlers, then any {@code routing.streams.*} overrides. The commit interval is left at
     * Kafka Streams' default for the guarantee (100 ms under exactly-once).
     */
    public static Properties streamsConfig(RoutingConfig config) {
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
     * @throws IllegalStateException if RUNNING is not reached within {@link RoutingConfig#startTimeout()}
     *                               or Kafka Streams fails first; everything started is closed again
     */
    public static RoutingApp start(RoutingConfig config, Topics topics) {
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
            return new RoutingApp(streams, metrics, streamsMetrics, admin, terminated);
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
            throw new Settings.ConfigException(RoutingConfig.SCHEMA_REGISTRY_URL, "must be an http(s) URL, was " + url);
        }
        return new HttpSchemaRegistryClient(url);
    }

    /** Runs the app from {@code KCHAT_*} settings until the process is stopped; {@code --help} lists them. */
    public static void main(String[] args) throws InterruptedException {
        if (args.length > 0 && (args[0].equals("--help") || args[0].equals("-h"))) {
            System.out.print(RoutingConfig.help());
            return;
        }
        RoutingConfig config = RoutingConfig.from(Settings.fromEnvironment());
        RoutingApp app = start(config, Topics.create(registryClient(config.schemaRegistryUrl())));
        Runtime.getRuntime().addShutdownHook(new Thread(app::close, APP_NAME + "-shutdown"));
        if (app.awaitTermination()) {
            log.error("{} failed; exiting so that the supervisor restarts it", APP_NAME);
            System.exit(1);
        }
    }
}
