package dev.kchat.moments;

import dev.kchat.events.chat.InboxEntry;
import dev.kchat.events.social.FeedEntry;
import dev.kchat.events.social.MomentEvent;
import dev.kchat.events.social.SocialGraphEvent;
import dev.kchat.moments.state.FriendState;
import dev.kchat.moments.state.PostState;
import dev.kchat.moments.state.UnreadState;
import dev.kchat.schemas.topic.Topic;
import dev.kchat.schemas.topic.Topics;
import dev.kchat.streams.ErrorTopicHandler;
import dev.kchat.streams.StateSerde;
import dev.kchat.streams.StreamsApp;
import dev.kchat.streams.StreamsAppSettings;
import dev.kchat.streams.StreamsService;
import java.util.Properties;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Branched;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.kstream.Repartitioned;
import org.apache.kafka.streams.state.Stores;

/**
 * The Moments topology: {@code social.graph} and {@code moments.events} (both keyed by user,
 * co-partitioned) to {@code moments.feed} (a {@link FeedEntry} per viewer for pushed posts, and
 * removals), {@code social.graph} (both sides of each checked intent, see {@link FriendIntents}) and
 * {@code moments.notifications} (unsequenced {@link InboxEntry} notifications keyed by
 * recipient, which topology-fanout's per-user sequencer numbers into {@code chat.inbox}); records
 * that cannot be read or processed go to {@code platform.errors}.
 *
 * <p>Two sub-topologies. Both sources feed {@link MomentsProcessor}, which shares the friends and
 * posts stores, so one task owns a user's friend graph and their posts. Its notifications go
 * through the repartition by recipient ({@code <application.id>-moments-notifications-by-user-repartition})
 * to {@link UnreadCounter}, which owns each user's unread count (a reply may notify a user whose
 * partition is not the post author's) and stamps it on the entry. Store and repartition names are
 * constants: they name the changelog and internal topics ({@code <application.id>-<store>-changelog}),
 * which must not change.
 */
public final class MomentsApp extends StreamsApp {

    /** Component name: {@code app_id} of its error records and the metrics {@code app} tag. */
    public static final String APP_NAME = "topology-moments";

    /** user -> {@link FriendState}: the user's side of the friend graph ({@link FriendGraph}). */
    public static final String FRIENDS_STORE = "moments-friends";
    /** author|post -> {@link PostState}: each post with how it was delivered, kept (marked) when deleted. */
    public static final String POSTS_STORE = "moments-posts";
    /** user -> {@link UnreadState}: the user's unread Moments notifications ({@link UnreadCounter}). */
    public static final String UNREAD_STORE = "moments-unread";
    /** Name of the repartition by recipient; the topic is {@code <application.id>-moments-notifications-by-user-repartition}. */
    static final String BY_USER_REPARTITION = "moments-notifications-by-user";
    static final String UNREAD_COUNTER = "moments-unread-counter";

    static final String GRAPH_SOURCE = "moments-graph-source";
    static final String EVENTS_SOURCE = "moments-events-source";
    static final String PROCESSOR = "moments-processor";
    static final String FEED_SINK = "moments-feed-sink";
    static final String NOTIFICATIONS_SINK = "moments-notifications-sink";
    static final String GRAPH_SINK = "moments-graph-facts-sink";

    private MomentsApp(StreamsService service) {
        super(service);
    }

    /**
     * Builds the topology. Pure: no I/O, no clients; the same call serves the running app and the
     * tests.
     */
    public static Topology buildTopology(MomentsAppConfig config, Topics topics) {
        StreamsBuilder builder = new StreamsBuilder();
        builder.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(FRIENDS_STORE),
                Serdes.String(), StateSerde.of(FriendState.class, MomentsState.FRIEND_STATE_V1)));
        builder.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(POSTS_STORE),
                Serdes.String(), StateSerde.of(PostState.class, MomentsState.POST_STATE_V1)));
        builder.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(UNREAD_STORE),
                Serdes.String(), StateSerde.of(UnreadState.class)));

        Topic<String, SocialGraphEvent> graph = topics.socialGraph();
        Topic<String, MomentEvent> events = topics.momentsEvents();
        Topic<String, FeedEntry> feed = topics.momentsFeed();
        Topic<String, InboxEntry> notifications = topics.momentsNotifications();
        FeedPolicy policy = FeedPolicy.from(config.rules());

        // Values are decoded by the processor, not the sources: a record that does not decode is then
        // a processing failure of that record, which the processing exception handler sends to
        // platform.errors (as in routing: records rejected by the deserialization handler were not
        // produced to the error topic in tests with Kafka Streams 4.3).
        KStream<String, byte[]> graphIn = builder
                .stream(graph.name(), Consumed.with(graph.keySerde(), Serdes.ByteArray()).withName(GRAPH_SOURCE));
        KStream<String, byte[]> eventsIn = builder
                .stream(events.name(), Consumed.with(events.keySerde(), Serdes.ByteArray()).withName(EVENTS_SOURCE));
        graphIn.merge(eventsIn, Named.as("moments-inputs"))
                .process(() -> new MomentsProcessor(policy, graph, events), Named.as(PROCESSOR), FRIENDS_STORE, POSTS_STORE)
                .split(Named.as("moments-output-"))
                .branch((key, out) -> out instanceof FeedEntry, Branched.withConsumer(entries -> entries
                        .mapValues(out -> (FeedEntry) out, Named.as("moments-as-feed-entry"))
                        .to(feed.name(), Produced.with(feed.keySerde(), feed.valueSerde()).withName(FEED_SINK)),
                        "feed"))
                .branch((key, out) -> out instanceof SocialGraphEvent, Branched.withConsumer(facts -> facts
                        .mapValues(out -> (SocialGraphEvent) out, Named.as("moments-as-graph-fact"))
                        .to(graph.name(), Produced.with(graph.keySerde(), graph.valueSerde()).withName(GRAPH_SINK)),
                        "graph"))
                .branch((key, out) -> out instanceof InboxEntry, Branched.withConsumer(entries -> entries
                        .mapValues(out -> (InboxEntry) out, Named.as("moments-as-notification"))
                        .repartition(Repartitioned.<String, InboxEntry>as(BY_USER_REPARTITION)
                                .withKeySerde(notifications.keySerde()).withValueSerde(notifications.valueSerde()))
                        .process(UnreadCounter::new, Named.as(UNREAD_COUNTER), UNREAD_STORE)
                        .to(notifications.name(), Produced.with(notifications.keySerde(), notifications.valueSerde())
                                .withName(NOTIFICATIONS_SINK)),
                        "notifications"))
                .noDefaultBranch();
        return builder.build();
    }

    /** The Kafka Streams properties of the app: see {@link StreamsAppSettings#streamsProperties}. */
    public static Properties streamsConfig(MomentsAppConfig config) {
        return config.app().streamsProperties(APP_NAME);
    }

    /**
     * Starts the app: Kafka Streams over {@code topics} (which must exist), its metrics and its admin
     * server ({@code /health/ready} is up while the state is RUNNING). Returns once RUNNING.
     *
     * @throws IllegalStateException if RUNNING is not reached within {@link StreamsAppSettings#startTimeout()}
     *                               or Kafka Streams fails first; everything started is closed again
     */
    public static MomentsApp start(MomentsAppConfig config, Topics topics) {
        return new MomentsApp(StreamsService.start(APP_NAME, buildTopology(config, topics),
                ErrorTopicHandler.bind(streamsConfig(config), topics), config.app()));
    }

    /** Runs the app from {@code KCHAT_*} settings until the process is stopped; {@code --help} lists them. */
    public static void main(String[] args) throws InterruptedException {
        StreamsApp.runMain(APP_NAME, args, MomentsAppConfig.help(), MomentsAppConfig::from, MomentsAppConfig::app, MomentsApp::start);
    }
}
