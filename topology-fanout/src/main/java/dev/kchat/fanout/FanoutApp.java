package dev.kchat.fanout;

import dev.kchat.streams.ErrorTopicHandler;
import dev.kchat.streams.StateSerde;
import dev.kchat.streams.StreamsApp;
import dev.kchat.streams.StreamsAppSettings;
import dev.kchat.streams.StreamsService;

import dev.kchat.events.chat.BroadcastEntry;
import dev.kchat.events.chat.CommandResult;
import dev.kchat.events.chat.ConversationEvent;
import dev.kchat.events.chat.InboxEntry;
import dev.kchat.events.chat.Receipt;
import dev.kchat.events.chat.ServerBroadcast;
import dev.kchat.fanout.state.ChannelReadPosition;
import dev.kchat.fanout.state.Roster;
import dev.kchat.fanout.state.ServerState;
import dev.kchat.routing.ReceiptProcessor;
import dev.kchat.routing.ReceiptStores;
import dev.kchat.schemas.Ids;
import dev.kchat.schemas.topic.Topic;
import dev.kchat.schemas.topic.Topics;
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
 * The fan-out topology: {@code chat.conversation.log} to per-user {@code chat.inbox} entries (write
 * diffusion) or {@code chat.broadcast} (read diffusion); records that cannot be read or processed
 * go to {@code platform.errors}.
 *
 * <p>Two sub-topologies. Per conversation: {@link MembershipProcessor} keeps the members from the
 * log and emits one entry per recipient, re-keyed by user; {@link ReceiptProcessor}, on the same
 * stores, turns {@code chat.receipts} into read positions and message statuses for users' inboxes;
 * {@link OutcomeProcessor} turns refusals and repeats on {@code chat.command.results} into entries
 * for their senders' inboxes; {@link UnsequencedIntake} takes the Moments app's unsequenced
 * notifications from {@code moments.notifications} and unsequenced conversation entries from
 * {@code chat.inbox.unsequenced} (which nothing writes in a default deployment until issue 12's
 * switch; see docs/plans/issue-12-one-less-hop.md). Records keyed by a server id (a server's log and
 * its channels', and their receipts) go to {@link ServerLogProcessor} and {@link ServerReceiptProcessor}
 * instead: one {@code ServerBroadcast} per event to {@code chat.server.broadcast}, mention entries and
 * read positions to inboxes.
 * Through the repartition topic {@code <application.id>-fanout-by-user-repartition}, per user:
 * {@link InboxSequencer} numbers each user's inbox (conversation events and receipt outputs alike). Store and repartition names are constants: they name changelog and internal topics,
 * which must not change.
 *
 * <p>The receipt rules and processor ({@link ReceiptProcessor}, {@code ReceiptLedger}, {@code Receipts}),
 * the fan-out rules ({@code Fanout}) and the outcome entries ({@code InboxOutcomes}) live in
 * topology-routing ({@code dev.kchat.routing}) since step 3 of issue 12's plan
 * (docs/plans/issue-12-one-less-hop.md): fanout uses them over its own stores until routing owns the
 * per-conversation stage; this dependency on topology-routing is temporary.
 */
public final class FanoutApp extends StreamsApp {

    /** Component name: {@code app_id} of its error records and the metrics {@code app} tag. */
    public static final String APP_NAME = "topology-fanout";

    /** Conversation id -> {@link Roster}: kind, member count, last seq applied. */
    public static final String CONVERSATIONS_STORE = "fanout-conversations";
    /** conversation|user -> role: the members as of the last applied seq. */
    public static final String MEMBERS_STORE = "fanout-members";
    /** user -> last inbox seq handed out. */
    public static final String INBOX_SEQ_STORE = "fanout-inbox-seq";
    /** user|conversation -> last conversation seq delivered to the user's inbox; kept under at-least-once only. */
    public static final String POSITIONS_STORE = "fanout-inbox-positions";
    /** conversation|user -> {@code ReceiptPosition}: read and delivered seqs of each member. */
    public static final String RECEIPT_POSITIONS_STORE = "fanout-receipt-positions";
    /** conversation|19-digit seq -> author of that message, for the last {@code fanout.receipts.window} seqs. */
    public static final String RECEIPT_WINDOW_STORE = "fanout-receipt-window";
    /** conversation|author -> {@code AuthorStatus}: the author's latest message and its delivered/read counts. */
    public static final String RECEIPT_AUTHORS_STORE = "fanout-receipt-authors";
    /**
     * conversation|author -> itself: the authors whose counts changed since the last status flush
     * ({@code AuthorStatus.unreported}). In memory, without a changelog: an index of the authors
     * store, rebuilt from it when a task starts.
     */
    public static final String RECEIPT_UNREPORTED_STORE = "fanout-receipt-unreported";
    /** The four receipt stores, as the receipt classes of topology-routing take them. */
    static final ReceiptStores RECEIPT_STORES = new ReceiptStores(RECEIPT_POSITIONS_STORE, RECEIPT_WINDOW_STORE,
            RECEIPT_AUTHORS_STORE, RECEIPT_UNREPORTED_STORE);
    /** Server id -> {@code ServerState}: owner, roles, channels with their overwrites and last seqs, last server seq applied. */
    public static final String SERVERS_STORE = "fanout-servers";
    /** server|user -> the member's role ids, comma-separated: the members of each server as of the last applied seq. */
    public static final String SERVER_MEMBERS_STORE = "fanout-server-members";
    /** channel|user -> {@code ChannelReadPosition}: a member's read seq in a server channel and the mentions after it. */
    public static final String SERVER_READS_STORE = "fanout-server-reads";
    /** Name of the repartition by user id; the topic is {@code <application.id>-fanout-by-user-repartition}. */
    public static final String BY_USER_REPARTITION = "fanout-by-user";

    static final char KEY_SEPARATOR = '|';
    static final String SOURCE = "fanout-log-source";
    static final String MEMBERSHIP_PROCESSOR = "fanout-membership";
    static final String RECEIPTS_SOURCE = "fanout-receipts-source";
    static final String RECEIPT_PROCESSOR = "fanout-receipts";
    static final String RESULTS_SOURCE = "fanout-results-source";
    static final String OUTCOME_PROCESSOR = "fanout-outcomes";
    static final String MOMENTS_SOURCE = "fanout-moments-source";
    static final String NOTIFICATION_INTAKE = "fanout-moments-notifications";
    static final String ENTRIES_SOURCE = "fanout-entries-source";
    static final String ENTRY_INTAKE = "fanout-entry-intake";
    static final String SERVER_LOG_PROCESSOR = "fanout-server-log";
    static final String SERVER_RECEIPT_PROCESSOR = "fanout-server-receipts";
    static final String SERVER_BROADCAST_SINK = "fanout-server-broadcast-sink";
    static final String INBOX_SEQUENCER = "fanout-inbox-sequencer";
    static final String INBOX_SINK = "fanout-inbox-sink";
    static final String BROADCAST_SINK = "fanout-broadcast-sink";

    private FanoutApp(StreamsService service) {
        super(service);
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
        RECEIPT_STORES.addTo(builder);
        builder.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(SERVERS_STORE),
                Serdes.String(), StateSerde.of(ServerState.class)));
        builder.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(SERVER_MEMBERS_STORE),
                Serdes.String(), Serdes.String()));
        builder.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(SERVER_READS_STORE),
                Serdes.String(), StateSerde.of(ChannelReadPosition.class)));

        Topic<String, ConversationEvent> conversationLog = topics.conversationLog();
        Topic<String, InboxEntry> inbox = topics.inbox();
        Topic<String, BroadcastEntry> broadcast = topics.broadcast();
        Topic<String, ServerBroadcast> serverBroadcast = topics.serverBroadcast();
        Topic<String, Receipt> receipts = topics.receipts();
        Topic<String, CommandResult> results = topics.commandResults();
        // Values are decoded by the processors, so an undecodable record is handled like any failed one.
        // Records keyed by a server id (a server's log and its channels') take the server path: read
        // diffusion to chat.server.broadcast, mentions to inboxes (ServerLogProcessor).
        KStream<String, byte[]> logRecords = builder
                .stream(conversationLog.name(), Consumed.with(conversationLog.keySerde(), Serdes.ByteArray()).withName(SOURCE));
        KStream<String, SpecificRecord> fromServers = logRecords
                .filter((key, value) -> Ids.isServer(key), Named.as("fanout-server-records"))
                .process(() -> new ServerLogProcessor(conversationLog), Named.as(SERVER_LOG_PROCESSOR), SERVERS_STORE,
                        SERVER_MEMBERS_STORE, SERVER_READS_STORE);
        KStream<String, SpecificRecord> fromLog = logRecords
                .filterNot((key, value) -> Ids.isServer(key), Named.as("fanout-conversation-records"))
                .process(() -> new MembershipProcessor(conversationLog, config.broadcastThreshold(), config.receiptsPerRecipientMax(),
                        config.receiptsWindow()), Named.as(MEMBERSHIP_PROCESSOR), CONVERSATIONS_STORE, MEMBERS_STORE,
                        RECEIPT_POSITIONS_STORE, RECEIPT_WINDOW_STORE, RECEIPT_AUTHORS_STORE, RECEIPT_UNREPORTED_STORE);
        // Sharing the stores puts the receipts into the log's sub-topology: chat.receipts is
        // co-partitioned with the log, so one task owns a conversation's messages and receipts.
        KStream<String, byte[]> receiptRecords = builder
                .stream(receipts.name(), Consumed.with(receipts.keySerde(), Serdes.ByteArray()).withName(RECEIPTS_SOURCE));
        KStream<String, SpecificRecord> fromServerReceipts = receiptRecords
                .filter((key, value) -> Ids.isServer(key), Named.as("fanout-server-receipt-records"))
                .process(() -> new ServerReceiptProcessor(receipts), Named.as(SERVER_RECEIPT_PROCESSOR), SERVERS_STORE,
                        SERVER_MEMBERS_STORE, SERVER_READS_STORE);
        KStream<String, SpecificRecord> fromReceipts = receiptRecords
                .filterNot((key, value) -> Ids.isServer(key), Named.as("fanout-conversation-receipt-records"))
                .process(() -> new ReceiptProcessor(receipts, RECEIPT_STORES, RosterLookup::new, config.receiptsPerRecipientMax(),
                        config.receiptsWindow(), config.receiptsStatusInterval()), Named.as(RECEIPT_PROCESSOR), CONVERSATIONS_STORE, MEMBERS_STORE,
                        RECEIPT_POSITIONS_STORE, RECEIPT_WINDOW_STORE, RECEIPT_AUTHORS_STORE, RECEIPT_UNREPORTED_STORE);
        // Results are co-partitioned with the log too; only refusals and repeats become entries.
        KStream<String, SpecificRecord> fromResults = builder
                .stream(results.name(), Consumed.with(results.keySerde(), Serdes.ByteArray()).withName(RESULTS_SOURCE))
                .process(() -> new OutcomeProcessor(results), Named.as(OUTCOME_PROCESSOR));
        // Moments notifications, unsequenced and keyed by recipient, join the way to the sequencer.
        Topic<String, InboxEntry> momentsNotifications = topics.momentsNotifications();
        KStream<String, SpecificRecord> fromMoments = builder
                .stream(momentsNotifications.name(), Consumed.with(momentsNotifications.keySerde(), Serdes.ByteArray())
                        .withName(MOMENTS_SOURCE))
                .process(() -> UnsequencedIntake.momentNotifications(momentsNotifications), Named.as(NOTIFICATION_INTAKE));
        // Conversation entries another stage numbered nothing of (inbox_seq 0, keyed by recipient), likewise.
        Topic<String, InboxEntry> unsequenced = topics.inboxUnsequenced();
        KStream<String, SpecificRecord> fromEntries = builder
                .stream(unsequenced.name(), Consumed.with(unsequenced.keySerde(), Serdes.ByteArray()).withName(ENTRIES_SOURCE))
                .process(() -> UnsequencedIntake.conversationEntries(unsequenced), Named.as(ENTRY_INTAKE));
        fromLog.merge(fromReceipts, Named.as("fanout-log-and-receipts"))
                .merge(fromResults, Named.as("fanout-and-outcomes"))
                .merge(fromMoments, Named.as("fanout-and-moments"))
                .merge(fromEntries, Named.as("fanout-and-unsequenced-entries"))
                .merge(fromServers, Named.as("fanout-and-servers"))
                .merge(fromServerReceipts, Named.as("fanout-and-server-receipts"))
                .split(Named.as("fanout-output-"))
                .branch((key, out) -> out instanceof InboxEntry, Branched.withConsumer(deliveries -> deliveries
                        .mapValues(out -> (InboxEntry) out, Named.as("fanout-as-delivery"))
                        // The unsequenced entry travels in the chat.inbox schema with inbox_seq 0.
                        .repartition(Repartitioned.<String, InboxEntry>as(BY_USER_REPARTITION)
                                .withKeySerde(inbox.keySerde()).withValueSerde(inbox.valueSerde()))
                        .process(() -> new InboxSequencer(!config.app().exactlyOnce()), Named.as(INBOX_SEQUENCER), INBOX_SEQ_STORE,
                                POSITIONS_STORE)
                        .to(inbox.name(), Produced.with(inbox.keySerde(), inbox.valueSerde()).withName(INBOX_SINK)),
                        "inbox"))
                .branch((key, out) -> out instanceof BroadcastEntry, Branched.withConsumer(large -> large
                        .mapValues(out -> (BroadcastEntry) out, Named.as("fanout-as-broadcast"))
                        .to(broadcast.name(), Produced.with(broadcast.keySerde(), broadcast.valueSerde()).withName(BROADCAST_SINK)),
                        "broadcast"))
                .branch((key, out) -> out instanceof ServerBroadcast, Branched.withConsumer(servers -> servers
                        .mapValues(out -> (ServerBroadcast) out, Named.as("fanout-as-server-broadcast"))
                        .to(serverBroadcast.name(), Produced.with(serverBroadcast.keySerde(), serverBroadcast.valueSerde())
                                .withName(SERVER_BROADCAST_SINK)),
                        "server-broadcast"))
                .noDefaultBranch();
        return builder.build();
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
     *                               or Kafka Streams fails first; everything started is closed again
     */
    public static FanoutApp start(FanoutConfig config, Topics topics) {
        return new FanoutApp(StreamsService.start(APP_NAME, buildTopology(config, topics),
                ErrorTopicHandler.bind(streamsConfig(config), topics), config.app()));
    }

    /** Runs the app from {@code KCHAT_*} settings until the process is stopped; {@code --help} lists them. */
    public static void main(String[] args) throws InterruptedException {
        StreamsApp.runMain(APP_NAME, args, FanoutConfig.help(), FanoutConfig::from, FanoutConfig::app, FanoutApp::start);
    }
}
