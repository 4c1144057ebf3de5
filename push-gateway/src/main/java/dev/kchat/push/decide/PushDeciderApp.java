package dev.kchat.push.decide;

import dev.kchat.push.state.PendingPush;
import dev.kchat.push.state.PushUser;
import dev.kchat.push.state.UnreadState;
import dev.kchat.schemas.topic.Topic;
import dev.kchat.schemas.topic.Topics;
import dev.kchat.events.push.PushRequest;
import dev.kchat.streams.ErrorTopicHandler;
import dev.kchat.streams.StateSerde;
import dev.kchat.streams.StreamsApp;
import dev.kchat.streams.StreamsService;
import java.util.Properties;
import org.apache.avro.Schema;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.state.Stores;

/**
 * The push decider, a Kafka Streams app: {@code chat.inbox}, {@code push.candidates} (read-diffused
 * groups' messages, which make no inbox entry), {@code presence.sessions} and {@code push.settings}
 * (all keyed by user and co-partitioned, so one task sees everything about a user, in timestamp order)
 * to {@code push.requests}, one record per device and collapsed burst;
 * records that cannot be read or processed go to {@code platform.errors}. The rules are in
 * {@link PushRules}, stores and timers in {@link PushDecider}, the per-entry unread state in
 * {@link UnreadPositions}.
 *
 * <p>Store names are constants: they name changelog topics, which must not change.
 */
public final class PushDeciderApp extends StreamsApp {

    public static final String APP_NAME = "push-decider";
    /** user -> {@link PushUser}: devices, settings, sessions; written when those change, not per inbox entry. */
    public static final String USERS_STORE = "push-users";
    /**
     * {@link UnreadState}: user -> its cursor (last inbox seq decided, the replay guard; Moments unread;
     * positions held), user|conversation -> its unread position (last seq seen, read seq), summed into the badge.
     */
    public static final String UNREAD_STORE = "push-unread";
    /** user|collapse key -> {@link PendingPush}: bursts being collapsed. */
    public static final String PENDING_STORE = "push-pending";
    /** {@link PendingPush} before {@code last_conv_seq}: bursts in changelogs written before push candidates still restore. */
    static final Schema PENDING_PUSH_V1 = StateSerde.schemaResource(PushDeciderApp.class, "/dev/kchat/push/state/PendingPush-v1.avsc");

    static final String INBOX_SOURCE = "push-inbox-source";
    static final String SESSIONS_SOURCE = "push-sessions-source";
    static final String SETTINGS_SOURCE = "push-settings-source";
    static final String CANDIDATES_SOURCE = "push-candidates-source";
    static final String PROCESSOR = "push-decider";
    static final String SINK = "push-requests-sink";

    private PushDeciderApp(StreamsService service) {
        super(service);
    }

    /** Builds the topology. Pure: no I/O; the same call serves the running app and the tests. */
    public static Topology buildTopology(DeciderConfig config, Topics topics, DeciderMetrics metrics) {
        Topology topology = new Topology();
        // Values are decoded by the processor, so an undecodable record is handled like any failed one.
        topology.addSource(INBOX_SOURCE, new StringDeserializer(), new ByteArrayDeserializer(), topics.inbox().name());
        topology.addSource(SESSIONS_SOURCE, new StringDeserializer(), new ByteArrayDeserializer(), topics.presenceSessions().name());
        topology.addSource(SETTINGS_SOURCE, new StringDeserializer(), new ByteArrayDeserializer(), topics.pushSettings().name());
        topology.addSource(CANDIDATES_SOURCE, new StringDeserializer(), new ByteArrayDeserializer(), topics.pushCandidates().name());
        topology.addProcessor(PROCESSOR, () -> new PushDecider(topics, config, metrics), INBOX_SOURCE, SESSIONS_SOURCE, SETTINGS_SOURCE,
                CANDIDATES_SOURCE);
        topology.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(USERS_STORE),
                Serdes.String(), StateSerde.of(PushUser.class)), PROCESSOR);
        topology.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(UNREAD_STORE),
                Serdes.String(), StateSerde.of(UnreadState.class)), PROCESSOR);
        topology.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(PENDING_STORE),
                Serdes.String(), StateSerde.of(PendingPush.class, PENDING_PUSH_V1)), PROCESSOR);
        Topic<String, PushRequest> requests = topics.pushRequests();
        topology.addSink(SINK, requests.name(), requests.keySerde().serializer(), requests.valueSerde().serializer(), PROCESSOR);
        return topology;
    }

    /** The Kafka Streams properties of the app. */
    public static Properties streamsConfig(DeciderConfig config) {
        return config.app().streamsProperties(APP_NAME);
    }

    /**
     * Starts the decider over {@code topics} (which must exist) with its admin server; returns once
     * RUNNING.
     *
     * @throws IllegalStateException if RUNNING is not reached in time; everything started is closed
     */
    public static PushDeciderApp start(DeciderConfig config, Topics topics, DeciderMetrics metrics) {
        Properties properties = ErrorTopicHandler.bind(streamsConfig(config), topics);
        return new PushDeciderApp(StreamsService.start(APP_NAME, buildTopology(config, topics, metrics), properties, config.app()));
    }
}
