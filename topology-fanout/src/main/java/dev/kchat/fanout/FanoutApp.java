package dev.kchat.fanout;

import dev.kchat.streams.ErrorTopicHandler;
import dev.kchat.streams.StateSerde;
import dev.kchat.streams.StreamsApp;
import dev.kchat.streams.StreamsAppSettings;
import dev.kchat.streams.StreamsService;

import dev.kchat.events.chat.ConversationEvent;
import dev.kchat.events.chat.InboxEntry;
import dev.kchat.events.chat.Receipt;
import dev.kchat.events.chat.ServerBroadcast;
import dev.kchat.fanout.state.ChannelReadPosition;
import dev.kchat.fanout.state.ServerState;
import dev.kchat.schemas.Ids;
import dev.kchat.schemas.topic.Topic;
import dev.kchat.schemas.topic.Topics;
import java.util.List;
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
import org.apache.kafka.streams.state.Stores;

/**
 * The inbox sequencer, and the server stage until issue 12's phase 2: numbers every user's
 * {@code chat.inbox}, gap-free across all their conversations; records that cannot be read or processed
 * go to {@code platform.errors}.
 *
 * <p>Two sub-topologies, no repartition topic:
 * <ul>
 *   <li>Per user: {@link UnsequencedIntake} reads the unsequenced entries (inbox_seq 0, keyed by
 *       recipient) of {@code chat.inbox.unsequenced} (what routing's fan-out stage makes of a conversation's
 *       events, receipts and refusals, and this app's server stage writes) and of {@code moments.notifications}
 *       (the Moments app's), and {@link InboxSequencer} numbers them into {@code chat.inbox}. The two topics are
 *       keyed by user and co-partitioned ({@link #copartitioned}), so one task numbers each inbox.</li>
 *   <li>Per conversation, for servers only (records keyed by a server id; a conversation's records are
 *       routing's since issue 12's step 5): {@link ServerLogProcessor} over {@code chat.conversation.log}
 *       and {@link ServerReceiptProcessor} over {@code chat.receipts}: one {@code ServerBroadcast} per event
 *       to {@code chat.server.broadcast}, mention entries, read positions and refusals to
 *       {@code chat.inbox.unsequenced}, written in this app's transaction and numbered by the sequencer
 *       like routing's entries.</li>
 * </ul>
 * Store names are constants: they name changelog topics, which must not change. {@value #INBOX_SEQ_STORE}
 * in particular carries every inbox's last seq across upgrades (the application id stays {@code kchat-fanout}).
 *
 * <p>The server stage builds its refusal and acceptance entries with topology-routing's
 * {@code InboxOutcomes}; that dependency ends when routing takes the server stage over (the plan's phase 2,
 * docs/plans/issue-12-one-less-hop.md).
 */
public final class FanoutApp extends StreamsApp {

    /** Component name: {@code app_id} of its error records and the metrics {@code app} tag. */
    public static final String APP_NAME = "topology-fanout";

    /** user -> last inbox seq handed out. */
    public static final String INBOX_SEQ_STORE = "fanout-inbox-seq";
    /** user|conversation -> last conversation seq delivered to the user's inbox; kept under at-least-once only. */
    public static final String POSITIONS_STORE = "fanout-inbox-positions";
    /** Server id -> {@code ServerState}: owner, roles, channels with their overwrites and last seqs, last server seq applied. */
    public static final String SERVERS_STORE = "fanout-servers";
    /** server|user -> the member's role ids, comma-separated: the members of each server as of the last applied seq. */
    public static final String SERVER_MEMBERS_STORE = "fanout-server-members";
    /** channel|user -> {@code ChannelReadPosition}: a member's read seq in a server channel and the mentions after it. */
    public static final String SERVER_READS_STORE = "fanout-server-reads";

    static final char KEY_SEPARATOR = '|';
    static final String SOURCE = "fanout-log-source";
    static final String RECEIPTS_SOURCE = "fanout-receipts-source";
    static final String MOMENTS_SOURCE = "fanout-moments-source";
    static final String NOTIFICATION_INTAKE = "fanout-moments-notifications";
    static final String ENTRIES_SOURCE = "fanout-entries-source";
    static final String ENTRY_INTAKE = "fanout-entry-intake";
    static final String SERVER_LOG_PROCESSOR = "fanout-server-log";
    static final String SERVER_RECEIPT_PROCESSOR = "fanout-server-receipts";
    static final String SERVER_BROADCAST_SINK = "fanout-server-broadcast-sink";
    static final String SERVER_ENTRIES_SINK = "fanout-server-entries-sink";
    static final String INBOX_SEQUENCER = "fanout-inbox-sequencer";
    static final String INBOX_SINK = "fanout-inbox-sink";

    private FanoutApp(StreamsService service) {
        super(service);
    }

    /**
     * Builds the topology. Pure: no I/O, no clients; the same call serves the running app and the
     * tests.
     */
    public static Topology buildTopology(FanoutConfig config, Topics topics) {
        StreamsBuilder builder = new StreamsBuilder();
        builder.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(INBOX_SEQ_STORE),
                Serdes.String(), Serdes.Long()));
        builder.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(POSITIONS_STORE),
                Serdes.String(), Serdes.Long()));
        builder.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(SERVERS_STORE),
                Serdes.String(), StateSerde.of(ServerState.class)));
        builder.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(SERVER_MEMBERS_STORE),
                Serdes.String(), Serdes.String()));
        builder.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(SERVER_READS_STORE),
                Serdes.String(), StateSerde.of(ChannelReadPosition.class)));
        addServerStage(builder, topics);
        addSequencer(builder, config, topics);
        return builder.build();
    }

    /**
     * Per user: the unsequenced entries of routing (and of the server stage) and the Moments
     * notifications, numbered into {@code chat.inbox}.
     */
    private static void addSequencer(StreamsBuilder builder, FanoutConfig config, Topics topics) {
        Topic<String, InboxEntry> inbox = topics.inbox();
        Topic<String, InboxEntry> unsequenced = topics.inboxUnsequenced();
        Topic<String, InboxEntry> momentsNotifications = topics.momentsNotifications();
        // Values are decoded by the intakes, so an undecodable record is handled like any failed one.
        KStream<String, InboxEntry> fromEntries = builder
                .stream(unsequenced.name(), Consumed.with(unsequenced.keySerde(), Serdes.ByteArray()).withName(ENTRIES_SOURCE))
                .process(() -> UnsequencedIntake.conversationEntries(unsequenced), Named.as(ENTRY_INTAKE));
        KStream<String, InboxEntry> fromMoments = builder
                .stream(momentsNotifications.name(), Consumed.with(momentsNotifications.keySerde(), Serdes.ByteArray())
                        .withName(MOMENTS_SOURCE))
                .process(() -> UnsequencedIntake.momentNotifications(momentsNotifications), Named.as(NOTIFICATION_INTAKE));
        fromEntries.merge(fromMoments, Named.as("fanout-entries-and-moments"))
                .process(() -> new InboxSequencer(!config.app().exactlyOnce()), Named.as(INBOX_SEQUENCER), INBOX_SEQ_STORE,
                        POSITIONS_STORE)
                .to(inbox.name(), Produced.with(inbox.keySerde(), inbox.valueSerde()).withName(INBOX_SINK));
    }

    /**
     * Per conversation, servers only: a server's log and its channels' (and their receipts) to
     * {@code chat.server.broadcast}, and mention entries, read positions and refusals to
     * {@code chat.inbox.unsequenced}. Every other record of the two topics is routing's and is skipped
     * undecoded.
     */
    private static void addServerStage(StreamsBuilder builder, Topics topics) {
        Topic<String, ConversationEvent> conversationLog = topics.conversationLog();
        Topic<String, Receipt> receipts = topics.receipts();
        Topic<String, InboxEntry> unsequenced = topics.inboxUnsequenced();
        Topic<String, ServerBroadcast> serverBroadcast = topics.serverBroadcast();
        KStream<String, SpecificRecord> fromServers = builder
                .stream(conversationLog.name(), Consumed.with(conversationLog.keySerde(), Serdes.ByteArray()).withName(SOURCE))
                .filter((key, value) -> Ids.isServer(key), Named.as("fanout-server-records"))
                .process(() -> new ServerLogProcessor(conversationLog), Named.as(SERVER_LOG_PROCESSOR), SERVERS_STORE,
                        SERVER_MEMBERS_STORE, SERVER_READS_STORE);
        // Sharing the stores puts the receipts into the log's sub-topology: chat.receipts is
        // co-partitioned with the log, so one task owns a server's events and receipts.
        KStream<String, SpecificRecord> fromServerReceipts = builder
                .stream(receipts.name(), Consumed.with(receipts.keySerde(), Serdes.ByteArray()).withName(RECEIPTS_SOURCE))
                .filter((key, value) -> Ids.isServer(key), Named.as("fanout-server-receipt-records"))
                .process(() -> new ServerReceiptProcessor(receipts), Named.as(SERVER_RECEIPT_PROCESSOR), SERVERS_STORE,
                        SERVER_MEMBERS_STORE, SERVER_READS_STORE);
        fromServers.merge(fromServerReceipts, Named.as("fanout-servers-and-receipts"))
                .split(Named.as("fanout-output-"))
                .branch((key, out) -> out instanceof InboxEntry, Branched.withConsumer(entries -> entries
                        .mapValues(out -> (InboxEntry) out, Named.as("fanout-as-entry"))
                        // Keyed by recipient, unsequenced: the sequencer reads them back with routing's.
                        .to(unsequenced.name(), Produced.with(unsequenced.keySerde(), unsequenced.valueSerde())
                                .withName(SERVER_ENTRIES_SINK)),
                        "unsequenced"))
                .branch((key, out) -> out instanceof ServerBroadcast, Branched.withConsumer(servers -> servers
                        .mapValues(out -> (ServerBroadcast) out, Named.as("fanout-as-server-broadcast"))
                        .to(serverBroadcast.name(), Produced.with(serverBroadcast.keySerde(), serverBroadcast.valueSerde())
                                .withName(SERVER_BROADCAST_SINK)),
                        "server-broadcast"))
                .noDefaultBranch();
    }

    /**
     * The topics one task reads together, which must have one partition count: a user's unsequenced
     * entries and Moments notifications (one sequencer per inbox), and a server's log and receipts (they
     * share the server stores).
     */
    static List<List<String>> copartitioned(Topics topics) {
        return List.of(List.of(topics.inboxUnsequenced().name(), topics.momentsNotifications().name()),
                List.of(topics.conversationLog().name(), topics.receipts().name()));
    }

    /** The Kafka Streams properties of the app: see {@link StreamsAppSettings#streamsProperties}. */
    public static Properties streamsConfig(FanoutConfig config) {
        return config.app().streamsProperties(APP_NAME);
    }

    /**
     * Starts the app: Kafka Streams over {@code topics} (which must exist), its metrics and its admin
     * server ({@code /health/ready} is up while the state is RUNNING). Returns once RUNNING.
     *
     * @throws IllegalStateException if RUNNING is not reached within {@link StreamsAppSettings#startTimeout()}
     *                               or Kafka Streams fails first, or if {@link #copartitioned} topics have
     *                               different partition counts; everything started is closed again
     */
    public static FanoutApp start(FanoutConfig config, Topics topics) {
        return new FanoutApp(StreamsService.start(APP_NAME, buildTopology(config, topics),
                ErrorTopicHandler.bind(streamsConfig(config), topics), config.app(), copartitioned(topics)));
    }

    /** Runs the app from {@code KCHAT_*} settings until the process is stopped; {@code --help} lists them. */
    public static void main(String[] args) throws InterruptedException {
        StreamsApp.runMain(APP_NAME, args, FanoutConfig.help(), FanoutConfig::from, FanoutConfig::app, FanoutApp::start);
    }
}
