package dev.kchat.routing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kchat.events.chat.BroadcastEntry;
import dev.kchat.events.chat.ChatCommand;
import dev.kchat.events.chat.CommandAccepted;
import dev.kchat.events.chat.CommandRejected;
import dev.kchat.events.chat.CommandResult;
import dev.kchat.events.chat.ConversationEvent;
import dev.kchat.events.chat.Delivered;
import dev.kchat.events.chat.InboxEntry;
import dev.kchat.events.chat.MessageStatusChanged;
import dev.kchat.events.chat.ReadPositionChanged;
import dev.kchat.events.chat.ReadUpTo;
import dev.kchat.events.chat.Receipt;
import dev.kchat.events.moderation.ModerationAction;
import dev.kchat.events.platform.ProcessingError;
import dev.kchat.events.push.PushCandidate;
import dev.kchat.routing.state.AuthorStatus;
import dev.kchat.routing.state.ConversationMeta;
import dev.kchat.routing.state.MemberState;
import dev.kchat.routing.state.ReceiptPosition;
import dev.kchat.schemas.registry.InMemorySchemaRegistry;
import dev.kchat.schemas.topic.Topics;
import dev.kchat.service.Settings;
import dev.kchat.streams.ErrorTopicHandler;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Routing with its fan-out stage under {@link TopologyTestDriver},
 * built by the same {@link RoutingApp#buildTopology}, driven by commands and receipts: the inputs,
 * the outputs ({@code chat.inbox.unsequenced}, {@code chat.broadcast}, {@code push.candidates}, the log,
 * the results, the error topic) and the stores the fan-out tests assert. Each command is stamped one second after the
 * previous, so an event's time says which command made it.
 */
final class FanoutStageFixture implements AutoCloseable {

    final Topology topology;
    final TopologyTestDriver driver;
    final TestInputTopic<String, ChatCommand> commands;
    final TestInputTopic<String, byte[]> rawCommands;
    final TestInputTopic<String, Receipt> receipts;
    final TestInputTopic<String, byte[]> rawReceipts;
    final TestInputTopic<String, ModerationAction> actions;
    final TestOutputTopic<String, InboxEntry> entries;
    final TestOutputTopic<String, BroadcastEntry> broadcast;
    final TestOutputTopic<String, PushCandidate> candidates;
    final TestOutputTopic<String, ConversationEvent> log;
    final TestOutputTopic<String, CommandResult> results;
    final TestOutputTopic<String, ProcessingError> errors;
    private Instant commandTime = Commands.T0;
    private Instant receiptTime = Commands.T0.plusSeconds(1_000);

    /** Starts routing with {@code settings} over the test's application id and state dir. */
    FanoutStageFixture(Path stateDir, Map<String, String> settings) {
        Topics topics = Topics.create(new InMemorySchemaRegistry());
        Map<String, String> all = new HashMap<>(Map.of(
                RoutingConfig.KEYS.applicationId(), "routing-fanout-test",
                RoutingConfig.KEYS.stateDir(), stateDir.toString()));
        all.putAll(settings);
        RoutingConfig config = RoutingConfig.from(Settings.of(all));
        Properties props = ErrorTopicHandler.bind(RoutingApp.streamsConfig(config), topics);
        topology = RoutingApp.buildTopology(config, topics);
        driver = new TopologyTestDriver(topology, props, Commands.T0);
        commands = driver.createInputTopic(Topics.COMMANDS, topics.commands().keySerde().serializer(), topics.commands().valueSerde().serializer());
        rawCommands = driver.createInputTopic(Topics.COMMANDS, new StringSerializer(), new ByteArraySerializer());
        receipts = driver.createInputTopic(Topics.RECEIPTS, topics.receipts().keySerde().serializer(), topics.receipts().valueSerde().serializer());
        rawReceipts = driver.createInputTopic(Topics.RECEIPTS, new StringSerializer(), new ByteArraySerializer());
        actions = driver.createInputTopic(Topics.MODERATION_ACTIONS, topics.moderationActions().keySerde().serializer(),
                topics.moderationActions().valueSerde().serializer());
        entries = driver.createOutputTopic(Topics.INBOX_UNSEQUENCED, topics.inboxUnsequenced().keySerde().deserializer(),
                topics.inboxUnsequenced().valueSerde().deserializer());
        broadcast = driver.createOutputTopic(Topics.BROADCAST, topics.broadcast().keySerde().deserializer(),
                topics.broadcast().valueSerde().deserializer());
        candidates = driver.createOutputTopic(Topics.PUSH_CANDIDATES, topics.pushCandidates().keySerde().deserializer(),
                topics.pushCandidates().valueSerde().deserializer());
        log = driver.createOutputTopic(Topics.CONVERSATION_LOG, topics.conversationLog().keySerde().deserializer(),
                topics.conversationLog().valueSerde().deserializer());
        results = driver.createOutputTopic(Topics.COMMAND_RESULTS, topics.commandResults().keySerde().deserializer(),
                topics.commandResults().valueSerde().deserializer());
        errors = driver.createOutputTopic(Topics.ERRORS, topics.errors().keySerde().deserializer(), topics.errors().valueSerde().deserializer());
    }

    /** Pipes a command one second after the previous one. */
    void pipe(ChatCommand command) {
        commandTime = commandTime.plusSeconds(1);
        commands.pipeInput(command.getConversationId(), command, commandTime);
    }

    /** The time the last command was piped at: its event's {@code occurred_at}. */
    Instant commandTime() {
        return commandTime;
    }

    void pipe(Receipt receipt) {
        receiptTime = receiptTime.plusMillis(1);
        receipts.pipeInput(receipt.getConversationId(), receipt, receiptTime);
    }

    Instant receiptTime() {
        return receiptTime;
    }

    /** Reads the log and the results: what RoutingTopologyTest asserts, not the fan-out tests. */
    void drainDecisions() {
        log.readRecordsToList();
        results.readRecordsToList();
    }

    /** Reads every unsequenced entry, checking that each is keyed by its user and not numbered. */
    List<KeyValue<String, InboxEntry>> readEntries() {
        List<KeyValue<String, InboxEntry>> out = entries.readKeyValuesToList();
        for (KeyValue<String, InboxEntry> kv : out) {
            assertThat(kv.value.getUserId()).as("record key is the user").isEqualTo(kv.key);
            assertThat(kv.value.getInboxSeq()).as("unsequenced: fanout's sequencer numbers it").isZero();
        }
        return out;
    }

    /** The unsequenced entries by user, in order. */
    Map<String, List<InboxEntry>> readEntriesByUser() {
        Map<String, List<InboxEntry>> byUser = new LinkedHashMap<>();
        for (KeyValue<String, InboxEntry> kv : readEntries()) {
            byUser.computeIfAbsent(kv.key, k -> new ArrayList<>()).add(kv.value);
        }
        return byUser;
    }

    /** Nothing left on the fan-out's outputs, the decisions' outputs or the error topic. */
    void assertNoMoreRecords() {
        assertThat(entries.isEmpty()).as("no more unsequenced entries").isTrue();
        assertThat(broadcast.isEmpty()).as("no more broadcasts").isTrue();
        assertThat(errors.isEmpty()).as("no more errors").isTrue();
        drainDecisions();
    }

    KeyValueStore<String, ConversationMeta> conversations() {
        return driver.getKeyValueStore(RoutingApp.CONVERSATIONS_STORE);
    }

    KeyValueStore<String, MemberState> members() {
        return driver.getKeyValueStore(RoutingApp.MEMBERS_STORE);
    }

    ReceiptPosition position(String conversationId, String userId) {
        KeyValueStore<String, ReceiptPosition> store = driver.getKeyValueStore(FanoutStage.RECEIPT_POSITIONS_STORE);
        return store.get(StoreKeys.member(conversationId, userId));
    }

    KeyValueStore<String, AuthorStatus> authors() {
        return driver.getKeyValueStore(FanoutStage.RECEIPT_AUTHORS_STORE);
    }

    KeyValueStore<String, String> pending() {
        return driver.getKeyValueStore(FanoutStage.RECEIPT_UNREPORTED_STORE);
    }

    KeyValueStore<String, String> window() {
        return driver.getKeyValueStore(FanoutStage.RECEIPT_WINDOW_STORE);
    }

    @Override
    public void close() {
        driver.close();
    }

    // ---------------------------------------------------------------- values

    static List<String> keys(KeyValueStore<String, ?> store) {
        List<String> keys = new ArrayList<>();
        try (KeyValueIterator<String, ?> it = store.all()) {
            it.forEachRemaining(kv -> keys.add(kv.key));
        }
        return keys;
    }

    static List<Long> convSeqs(List<InboxEntry> entries) {
        List<Long> seqs = new ArrayList<>();
        entries.forEach(e -> seqs.add(e.getConvSeq()));
        return seqs;
    }

    static List<InboxEntry> entriesOf(String userId, List<KeyValue<String, InboxEntry>> records) {
        return records.stream().filter(kv -> kv.key.equals(userId)).map(kv -> kv.value).toList();
    }

    /** A compact, exact rendering of an entry's item for assertions on sequences of entries. */
    static String describe(Object item) {
        if (item instanceof ConversationEvent e) {
            return "event " + e.getSeq();
        }
        if (item instanceof ReadPositionChanged r) {
            return "read " + r.getReadSeq() + " unread " + r.getUnread();
        }
        if (item instanceof MessageStatusChanged s) {
            return s.getStatus() + "<=" + s.getUpToSeq()
                    + (s.getByUserId() != null ? " by " + s.getByUserId() : " delivered " + s.getDeliveredCount() + " read " + s.getReadCount());
        }
        if (item instanceof CommandResult r && r.getOutcome() instanceof CommandAccepted a) {
            return (a.getDuplicate() ? "repeat " : "accepted ") + a.getSeq();
        }
        if (item instanceof CommandResult r && r.getOutcome() instanceof CommandRejected rejected) {
            return "refused " + rejected.getCode();
        }
        return String.valueOf(item);
    }

    /** A device of {@code userId} read the conversation up to {@code seq}. */
    static Receipt read(String conversationId, String userId, String deviceId, long seq) {
        return receipt(conversationId, userId, deviceId, ReadUpTo.newBuilder().setSeq(seq).build());
    }

    /** A device of {@code userId} acknowledged the inbox entry carrying conversation seq {@code seq}. */
    static Receipt delivered(String conversationId, String userId, String deviceId, long inboxSeq, long seq) {
        return receipt(conversationId, userId, deviceId, Delivered.newBuilder().setInboxSeq(inboxSeq).setSeq(seq).build());
    }

    private static Receipt receipt(String conversationId, String userId, String deviceId, Object receipt) {
        return Receipt.newBuilder().setConversationId(conversationId).setUserId(userId).setDeviceId(deviceId)
                .setAt(Commands.T0).setReceipt(receipt).build();
    }

    static AuthorStatus author(long latest, int delivered, int read) {
        return AuthorStatus.newBuilder().setLatestSeq(latest).setDeliveredCount(delivered).setReadCount(read).build();
    }

    static ReceiptPosition position(long read, long delivered, long joined) {
        return ReceiptPosition.newBuilder().setReadSeq(read).setDeliveredSeq(delivered).setJoinedSeq(joined).build();
    }
}
