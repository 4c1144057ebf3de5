package dev.kchat.presence;

import dev.kchat.api.presence.PresenceClient;

import dev.kchat.events.presence.PresenceChanged;
import dev.kchat.events.presence.SessionEvent;
import dev.kchat.presence.state.UserState;
import dev.kchat.schemas.topic.Topic;
import dev.kchat.schemas.topic.Topics;
import dev.kchat.streams.ErrorTopicHandler;
import dev.kchat.streams.StateSerde;
import dev.kchat.streams.StreamsApp;
import dev.kchat.streams.StreamsAppSettings;
import dev.kchat.streams.StreamsService;
import java.util.Properties;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.state.HostInfo;
import org.apache.kafka.streams.state.Stores;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The presence topology: {@code presence.sessions} (edges' session events, keyed by user) to
 * per-user presence across devices in {@value #USERS_STORE}, with coalesced changes to
 * {@code presence.changes}; records that cannot be read or processed go to {@code platform.errors}.
 * The rules are in {@link PresenceRules}, the store and timer handling in {@link PresenceProcessor}.
 *
 * <p>Each instance also serves {@code GET /presence?users=...} on its query port from the store,
 * asking the instance that holds a user's key when it is not local ({@link PresenceQueries}), so
 * any instance answers for every user. {@link PresenceClient} is the client.
 *
 * <p>Store names are constants: they name changelog topics, which must not change.
 */
public final class PresenceApp extends StreamsApp {

    /** Component name: {@code app_id} of its error records and the metrics {@code app} tag. */
    public static final String APP_NAME = "topology-presence";

    /** user -> {@link UserState}: live sessions, chosen status, published state and its timers. */
    public static final String USERS_STORE = "presence-users";
    /** 19-digit wall-clock time|user -> user: each user's next deadline (TTL, held change), at most one. */
    public static final String DEADLINES_STORE = "presence-deadlines";

    static final String SOURCE = "presence-sessions-source";
    static final String PROCESSOR = "presence-processor";
    static final String SINK = "presence-changes-sink";

    private static final Logger log = LoggerFactory.getLogger(PresenceApp.class);

    private final QueryServer queryServer;

    private PresenceApp(StreamsService service, QueryServer queryServer) {
        super(service);
        this.queryServer = queryServer;
    }

    /**
     * Builds the topology. Pure: no I/O, no clients; the same call serves the running app and the
     * tests.
     */
    public static Topology buildTopology(PresenceConfig config, Topics topics) {
        StreamsBuilder builder = new StreamsBuilder();
        builder.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(USERS_STORE),
                Serdes.String(), StateSerde.of(UserState.class)));
        builder.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(DEADLINES_STORE),
                Serdes.String(), Serdes.String()));

        Topic<String, SessionEvent> sessions = topics.presenceSessions();
        Topic<String, PresenceChanged> changes = topics.presenceChanges();
        PresenceRules rules = new PresenceRules(config.sessionTtl(), config.offlineGrace());
        // Values are decoded by the processor, so an undecodable event is handled like any failed one.
        builder.stream(sessions.name(), Consumed.with(sessions.keySerde(), Serdes.ByteArray()).withName(SOURCE))
                .process(() -> new PresenceProcessor(sessions, rules, config.punctuateInterval()), Named.as(PROCESSOR),
                        USERS_STORE, DEADLINES_STORE)
                .to(changes.name(), Produced.with(changes.keySerde(), changes.valueSerde()).withName(SINK));
        return builder.build();
    }

    /**
     * The Kafka Streams properties of the app ({@link StreamsAppSettings#streamsProperties}) with
     * {@code application.server}: the advertised host and the configured query port, unless a
     * {@code presence.streams.*} override sets it ({@link #start} puts the bound port there).
     */
    public static Properties streamsConfig(PresenceConfig config) {
        Properties p = config.app().streamsProperties(APP_NAME);
        p.putIfAbsent(StreamsConfig.APPLICATION_SERVER_CONFIG, config.advertisedHost() + ":" + config.queryPort());
        return p;
    }

    /**
     * Starts the app: the query server (first, so that a port 0 is known before it is advertised),
     * Kafka Streams over {@code topics} (which must exist), its metrics and its admin server
     * ({@code /health/ready} is up while the state is RUNNING). Returns once RUNNING; queries
     * answer 503 until then.
     *
     * @throws IllegalStateException if RUNNING is not reached within {@link StreamsAppSettings#startTimeout()}
     *                               or Kafka Streams fails first; everything started is closed again
     */
    public static PresenceApp start(PresenceConfig config, Topics topics) {
        PresenceQueries queries = new PresenceQueries(config.queryTimeout());
        QueryServer queryServer = QueryServer.start(config.queryHost(), config.queryPort(), queries);
        try {
            HostInfo self = new HostInfo(config.advertisedHost(), queryServer.port());
            Properties properties = ErrorTopicHandler.bind(streamsConfig(config), topics);
            properties.put(StreamsConfig.APPLICATION_SERVER_CONFIG, self.host() + ":" + self.port());
            StreamsService service = StreamsService.start(APP_NAME, buildTopology(config, topics), properties, config.app());
            queries.attach(service.streams(), self);
            log.info("{} answers GET /presence at {}:{}", APP_NAME, self.host(), self.port());
            return new PresenceApp(service, queryServer);
        } catch (RuntimeException e) {
            queryServer.close();
            throw e;
        }
    }

    /** The query server's port ({@code GET /presence}); the bound one when configured as 0. */
    public int queryPort() {
        return queryServer.port();
    }

    /** The running Kafka Streams instance (assignment metadata for tests). */
    KafkaStreams streams() {
        return service().streams();
    }

    /**
     * Stops answering queries, then stops processing and leaves the group (see
     * {@link StreamsService#close()}). Idempotent.
     */
    @Override
    public void close() {
        queryServer.close();
        super.close();
    }

    /** Runs the app from {@code KCHAT_*} settings until the process is stopped; {@code --help} lists them. */
    public static void main(String[] args) throws InterruptedException {
        StreamsApp.runMain(APP_NAME, args, PresenceConfig.help(), PresenceConfig::from, PresenceConfig::app, PresenceApp::start);
    }
}
