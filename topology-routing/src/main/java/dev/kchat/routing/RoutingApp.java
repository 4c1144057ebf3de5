package dev.kchat.routing;

import dev.kchat.streams.ErrorTopicHandler;
import dev.kchat.streams.StateSerde;
import dev.kchat.streams.StreamsApp;
import dev.kchat.streams.StreamsAppSettings;
import dev.kchat.streams.StreamsService;

import dev.kchat.events.chat.ChatCommand;
import dev.kchat.events.chat.CommandResult;
import dev.kchat.events.chat.ConversationEvent;
import dev.kchat.events.media.MediaEvent;
import dev.kchat.events.moderation.ModerationAction;
import dev.kchat.events.moderation.UserMute;
import dev.kchat.routing.state.BanState;
import dev.kchat.routing.state.ConversationMeta;
import dev.kchat.routing.state.InviteState;
import dev.kchat.routing.state.OverwriteState;
import dev.kchat.routing.state.ServerChannelState;
import dev.kchat.routing.state.ServerMemberState;
import dev.kchat.routing.state.ServerMeta;
import dev.kchat.routing.state.ServerRoleState;
import dev.kchat.routing.state.SnowflakeState;
import dev.kchat.schemas.Ids;
import dev.kchat.routing.state.MemberState;
import dev.kchat.routing.state.MessageRef;
import dev.kchat.routing.state.SentMessage;
import dev.kchat.schemas.topic.Topic;
import dev.kchat.schemas.topic.Topics;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Branched;
import org.apache.kafka.streams.kstream.BranchedKStream;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.state.Stores;

/**
 * The routing topology: {@code chat.commands} (keyed by conversation) to the sequenced
 * {@code chat.conversation.log} and one {@code chat.command.results} record per command (and a copy on
 * {@code chat.command.replies}, on the partition the command names, when an HTTP caller waits); and
 * {@code moderation.actions} to what it enforces ({@link ModerationRelay}: mutes on
 * {@code moderation.mutes}, read back as the global store {@value #MUTES_STORE}; redactions as
 * commands); records
 * that cannot be read or processed go to {@code platform.errors}.
 *
 * <p>One task owns each conversation (the input is keyed by conversation), so the per-conversation
 * sequence lives in that task's stores and needs no coordination. A server and all its channels are
 * keyed by the server id ({@code Ids.routingKey}): one task owns the server's whole permission state
 * and decides its commands with {@link ServerRules}, without reading another partition. Store names are constants: they
 * name the changelog topics ({@code <application.id>-<store>-changelog}), which must not change.
 *
 * <p>The conversation decisions then go through the fan-out stage ({@link FanoutStage}): each event's
 * recipients get an unsequenced inbox entry on {@code chat.inbox.unsequenced} (keyed by user; fanout's
 * inbox sequencer numbers them), large groups and channels a {@code chat.broadcast} record, and
 * {@code chat.receipts} (conversation keys) become read positions and message statuses in the same task,
 * from the same stores, in the same transaction as the events they name (issue 12's plan,
 * docs/plans/issue-12-one-less-hop.md). A server's receipts are still fanout's (the plan's phase 2).
 * {@code chat.commands} and {@code chat.receipts} must therefore be co-partitioned: {@link #start} refuses
 * to start otherwise.
 */
public final class RoutingApp extends StreamsApp {

    /** Component name: {@code app_id} of its error records and the metrics {@code app} tag. */
    public static final String APP_NAME = "topology-routing";

    /** Conversation id -> {@link ConversationMeta}: kind, owner, last seq, member count. */
    public static final String CONVERSATIONS_STORE = "routing-conversations";
    /** conversation|user -> {@link MemberState}: current members and roles. */
    public static final String MEMBERS_STORE = "routing-members";
    /**
     * conversation|sender|client_msg_id -> {@link SentMessage}: sends within the dedupe window, pruned by an
     * {@link ExpirySweep}. (Until issue 12's lever 2 a changelogged index, {@code routing-dedupe-expiry}, ordered
     * it by time; its changelog topic is no longer written: see docs/operations.md.)
     */
    public static final String DEDUPE_STORE = "routing-dedupe";
    /** conversation|seq -> {@link MessageRef}: live messages within the message retention, pruned by an {@link ExpirySweep} (formerly with {@code routing-messages-expiry}). */
    public static final String MESSAGES_STORE = "routing-messages";

    /** Server id -> {@code ServerMeta}: owner, the server log's last seq, the channel and role counters, member count. */
    public static final String SERVERS_STORE = "routing-servers";
    /** server|user -> {@code ServerMemberState}: current members of servers and their roles. */
    public static final String SERVER_MEMBERS_STORE = "routing-server-members";
    /** server|role -> {@code ServerRoleState}: a server's roles, @everyone (server|server) included. */
    public static final String SERVER_ROLES_STORE = "routing-server-roles";
    /** Channel id -> {@code ServerChannelState}: a server's channels and each one's last seq. */
    public static final String SERVER_CHANNELS_STORE = "routing-server-channels";
    /** channel|ROLE or MEMBER|target -> {@code OverwriteState}: channel permission overwrites. */
    public static final String SERVER_OVERWRITES_STORE = "routing-server-overwrites";
    /** server|code -> {@code InviteState}: live invites and their uses. */
    public static final String SERVER_INVITES_STORE = "routing-server-invites";
    /** server|user -> {@code BanState}: bans in force. */
    public static final String SERVER_BANS_STORE = "routing-server-bans";
    /** Worker (the task's partition) -> {@code SnowflakeState}: the last snowflake handed out. */
    public static final String SNOWFLAKES_STORE = "routing-snowflakes";

    /** user -> {@code UserMute}: the global store over {@code moderation.mutes}; every task sees every mute. */
    public static final String MUTES_STORE = "routing-mutes";
    /** media id -> its latest {@code MediaEvent}: the global store over {@code media.events}, for attachments ({@link MediaRules}). */
    public static final String MEDIA_STORE = "routing-media";

    static final String SOURCE = "routing-commands-source";
    static final String ACTIONS_SOURCE = "routing-moderation-actions-source";
    static final String RELAY = "routing-moderation-relay";
    static final String MUTES_SOURCE = "routing-mutes-source";
    static final String MUTES_UPDATER = "routing-mutes-updater";
    static final String MEDIA_SOURCE = "routing-media-source";
    static final String PROCESSOR = "routing-command-processor";
    static final String SERVER_PROCESSOR = "routing-server-command-processor";
    static final String LOG_SINK = "routing-log-sink";
    static final String RESULTS_SINK = "routing-results-sink";
    static final String REPLIES_SINK = "routing-replies-sink";
    static final String REDACTIONS_SINK = "routing-redactions-sink";
    static final String MUTES_SINK = "routing-mutes-sink";

    private RoutingApp(StreamsService service) {
        super(service);
    }

    /**
     * Builds the topology. Pure: no I/O, no clients; the same call serves the running app and the
     * tests. Decisions are counted in a registry of their own (see the three-argument form).
     */
    public static Topology buildTopology(RoutingConfig config, Topics topics) {
        return buildTopology(config, topics, new SimpleMeterRegistry());
    }

    /** Builds the topology, counting every decision in {@code metrics} ({@link CommandOutcomes}). */
    public static Topology buildTopology(RoutingConfig config, Topics topics, MeterRegistry metrics) {
        CommandOutcomes outcomes = new CommandOutcomes(metrics);
        StreamsBuilder builder = new StreamsBuilder();
        builder.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(CONVERSATIONS_STORE),
                Serdes.String(), StateSerde.of(ConversationMeta.class)));
        builder.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(MEMBERS_STORE),
                Serdes.String(), StateSerde.of(MemberState.class)));
        builder.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(DEDUPE_STORE),
                Serdes.String(), StateSerde.of(SentMessage.class)));
        builder.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(MESSAGES_STORE),
                Serdes.String(), StateSerde.of(MessageRef.class)));
        addServerStores(builder);

        Topic<String, UserMute> mutes = topics.moderationMutes();
        // Restored from the topic itself (global stores keep no changelog): the store holds the topic's bytes.
        builder.addGlobalStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(MUTES_STORE),
                        Serdes.String(), mutes.valueSerde()).withLoggingDisabled(),
                mutes.name(), Consumed.with(mutes.keySerde(), mutes.valueSerde()).withName(MUTES_SOURCE),
                MuteStoreUpdater::new);
        Topic<String, MediaEvent> media = topics.mediaEvents();
        builder.addGlobalStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(MEDIA_STORE),
                        Serdes.String(), media.valueSerde()).withLoggingDisabled(),
                media.name(), Consumed.with(media.keySerde(), media.valueSerde()).withName(MEDIA_SOURCE),
                MediaStoreUpdater::new);

        Topic<String, ChatCommand> commands = topics.commands();
        Topic<String, ConversationEvent> conversationLog = topics.conversationLog();
        Topic<String, CommandResult> results = topics.commandResults();
        Topic<String, CommandResult> replies = topics.commandReplies();
        // Values are decoded by the processors, so an undecodable command is handled like any failed one.
        // Commands keyed by a server id (a server's and its channels') go to the server rules; the
        // rest to the conversation rules. Both share the dedupe and message stores.
        Map<String, KStream<String, byte[]>> byKey = builder.stream(commands.name(),
                        Consumed.with(commands.keySerde(), Serdes.ByteArray()).withName(SOURCE))
                .split(Named.as("routing-commands-"))
                .branch((key, bytes) -> Ids.isServer(key), Branched.as("server"))
                .defaultBranch(Branched.as("conversation"));
        KStream<String, SpecificRecord> serverDecided = byKey.get("routing-commands-server")
                .process(() -> new ServerCommandProcessor(config, commands), Named.as(SERVER_PROCESSOR), ServerCommandProcessor.storeNames())
                // A server command's refusal or repeat goes to its sender's inbox too, as a conversation's does in
                // ConversationFanout (a server's events are fanned out by fanout's server stage until phase 2).
                .flatMap(RoutingApp::withSenderEntry, Named.as("routing-server-outcome-entries"));
        KStream<String, SpecificRecord> conversationDecided = byKey.get("routing-commands-conversation")
                .process(() -> new CommandProcessor(config, commands), Named.as(PROCESSOR),
                        CONVERSATIONS_STORE, MEMBERS_STORE, DEDUPE_STORE, MESSAGES_STORE);
        conversationDecided = FanoutStage.attach(builder, conversationDecided, config.fanout(), topics);
        BranchedKStream<String, SpecificRecord> outputs = conversationDecided
                .merge(serverDecided, Named.as("routing-decided"))
                .split(Named.as("routing-output-"))
                .branch((conversationId, out) -> out instanceof ConversationEvent, Branched.withConsumer(events -> events
                        .mapValues(out -> (ConversationEvent) out, Named.as("routing-as-event"))
                        .to(conversationLog.name(), Produced.with(conversationLog.keySerde(), conversationLog.valueSerde()).withName(LOG_SINK)),
                        "log"))
                .branch((conversationId, out) -> out instanceof CommandResult, Branched.withConsumer(decided -> {
                    KStream<String, CommandResult> asResults = decided.mapValues(out -> (CommandResult) out, Named.as("routing-as-result"))
                            .peek((conversationId, result) -> outcomes.count(result), Named.as("routing-count-outcomes"));
                    asResults.to(results.name(), Produced.with(results.keySerde(), results.valueSerde()).withName(RESULTS_SINK));
                    // A copy for the ingress instance whose HTTP caller waits, on the partition it named.
                    asResults.filter((conversationId, result) -> result.getReplyPartition() != null, Named.as("routing-awaited"))
                            .to(replies.name(), Produced.with(replies.keySerde(), replies.valueSerde())
                                    .withStreamPartitioner(RoutingApp::replyPartition).withName(REPLIES_SINK));
                }, "results"));
        FanoutStage.addSinks(outputs, topics).noDefaultBranch();

        // Moderation actions into what this app enforces (ModerationRelay).
        Topic<String, ModerationAction> actions = topics.moderationActions();
        builder.stream(actions.name(), Consumed.with(actions.keySerde(), Serdes.ByteArray()).withName(ACTIONS_SOURCE))
                .process(() -> new ModerationRelay(actions), Named.as(RELAY))
                .split(Named.as("routing-relay-"))
                .branch((key, out) -> out instanceof ChatCommand, Branched.withConsumer(redactions -> redactions
                        .mapValues(out -> (ChatCommand) out, Named.as("routing-as-redaction"))
                        .to(commands.name(), Produced.with(commands.keySerde(), commands.valueSerde()).withName(REDACTIONS_SINK)),
                        "redactions"))
                .branch((key, out) -> out instanceof ModerationRelay.MuteChange, Branched.withConsumer(changes -> changes
                        .mapValues(out -> ((ModerationRelay.MuteChange) out).mute(), Named.as("routing-as-mute"))
                        .to(mutes.name(), Produced.with(mutes.keySerde(), mutes.valueSerde()).withName(MUTES_SINK)),
                        "mutes"))
                .noDefaultBranch();
        return builder.build();
    }

    /**
     * A decision output, and for a result that needs one ({@link InboxOutcomes#needsEntry}) the
     * unsequenced entry for its sender, keyed by the sender.
     */
    static List<KeyValue<String, SpecificRecord>> withSenderEntry(String key, SpecificRecord out) {
        if (out instanceof CommandResult result && InboxOutcomes.needsEntry(result)) {
            return List.of(KeyValue.pair(key, out), KeyValue.pair(result.getSenderId(), InboxOutcomes.entry(result)));
        }
        return List.of(KeyValue.pair(key, out));
    }

    /** The server stores ({@link ServerCommandProcessor}): changelogged, like every routing store. */
    private static void addServerStores(StreamsBuilder builder) {
        builder.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(SERVERS_STORE),
                Serdes.String(), StateSerde.of(ServerMeta.class)));
        builder.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(SERVER_MEMBERS_STORE),
                Serdes.String(), StateSerde.of(ServerMemberState.class)));
        builder.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(SERVER_ROLES_STORE),
                Serdes.String(), StateSerde.of(ServerRoleState.class)));
        builder.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(SERVER_CHANNELS_STORE),
                Serdes.String(), StateSerde.of(ServerChannelState.class)));
        builder.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(SERVER_OVERWRITES_STORE),
                Serdes.String(), StateSerde.of(OverwriteState.class)));
        builder.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(SERVER_INVITES_STORE),
                Serdes.String(), StateSerde.of(InviteState.class)));
        builder.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(SERVER_BANS_STORE),
                Serdes.String(), StateSerde.of(BanState.class)));
        builder.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(SNOWFLAKES_STORE),
                Serdes.String(), StateSerde.of(SnowflakeState.class)));
    }

    /**
     * The partition the waiting ingress instance named; a partition the topic does not have (a
     * misconfigured door) drops the copy: the caller's wait runs out and it gets its 202.
     */
    static Optional<Set<Integer>> replyPartition(String topic, String key, CommandResult result, int numPartitions) {
        int partition = result.getReplyPartition();
        return Optional.of(partition >= 0 && partition < numPartitions ? Set.of(partition) : Set.of());
    }

    /** The Kafka Streams properties of the app: see {@link StreamsAppSettings#streamsProperties}. */
    public static Properties streamsConfig(RoutingConfig config) {
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
    public static RoutingApp start(RoutingConfig config, Topics topics) {
        return new RoutingApp(StreamsService.start(APP_NAME, metrics -> buildTopology(config, topics, metrics),
                ErrorTopicHandler.bind(streamsConfig(config), topics), config.app(), copartitioned(topics)));
    }

    /**
     * The topics one task reads together, which must have one partition count: a conversation's commands
     * and its receipts (the receipt processor reads the stores the command processor writes).
     */
    static List<List<String>> copartitioned(Topics topics) {
        return List.of(List.of(topics.commands().name(), topics.receipts().name()));
    }

    /** Runs the app from {@code KCHAT_*} settings until the process is stopped; {@code --help} lists them. */
    public static void main(String[] args) throws InterruptedException {
        StreamsApp.runMain(APP_NAME, args, RoutingConfig.help(), RoutingConfig::from, RoutingConfig::app, RoutingApp::start);
    }
}
