package dev.kchat.fanout;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kchat.events.chat.ChatCommand;
import dev.kchat.events.chat.CommandAccepted;
import dev.kchat.events.chat.CommandRejected;
import dev.kchat.events.chat.CommandResult;
import dev.kchat.events.chat.ConversationEvent;
import dev.kchat.events.chat.DeliveryStatus;
import dev.kchat.events.chat.InboxEntry;
import dev.kchat.events.chat.MessageStatusChanged;
import dev.kchat.events.chat.ReadPositionChanged;
import dev.kchat.events.chat.Receipt;
import dev.kchat.events.platform.ProcessingError;
import dev.kchat.routing.RoutingApp;
import dev.kchat.routing.RoutingConfig;
import dev.kchat.routing.RoutingFanoutConfig;
import dev.kchat.schemas.Ids;
import dev.kchat.schemas.registry.InMemorySchemaRegistry;
import dev.kchat.schemas.topic.Topics;
import dev.kchat.service.Settings;
import dev.kchat.streams.ErrorTopicHandler;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The two hops of a message under two chained {@link TopologyTestDriver}s, each built by its app's own
 * {@code buildTopology}: commands and receipts into routing, routing's {@code chat.inbox.unsequenced}
 * piped (with its timestamps and headers) into fanout, {@code chat.inbox} read from fanout. The numbering
 * cases that need both apps: inboxes stay gap-free through a switch to read diffusion and back, and
 * outcome and receipt entries are numbered after the user's earlier entries (broadcast threshold 3).
 */
class MessagePathTopologyTest {

    private static final String ALICE = "alice";
    private static final String BOB = "bob";
    private static final String CAROL = "carol";
    private static final String DAVE = "dave";
    private static final String GROUP = "g-team";

    @TempDir
    Path stateDir;

    private TopologyTestDriver routing;
    private TopologyTestDriver fanout;
    private TestInputTopic<String, ChatCommand> commands;
    private TestInputTopic<String, Receipt> receipts;
    private TestOutputTopic<String, InboxEntry> routed;
    private TestOutputTopic<String, ProcessingError> routingErrors;
    private TestInputTopic<String, InboxEntry> unsequenced;
    private TestOutputTopic<String, InboxEntry> inbox;
    private TestOutputTopic<String, ProcessingError> fanoutErrors;
    private Instant now = PathCommands.T0;

    @BeforeEach
    void start() {
        Topics topics = Topics.create(new InMemorySchemaRegistry());
        RoutingConfig routingConfig = RoutingConfig.from(Settings.of(Map.of(
                RoutingConfig.KEYS.applicationId(), "routing-path-test",
                RoutingConfig.KEYS.stateDir(), stateDir.resolve("routing").toString(),
                RoutingFanoutConfig.BROADCAST_THRESHOLD, "3")));
        routing = new TopologyTestDriver(RoutingApp.buildTopology(routingConfig, topics),
                ErrorTopicHandler.bind(RoutingApp.streamsConfig(routingConfig), topics), now);
        FanoutConfig fanoutConfig = FanoutConfig.from(Settings.of(Map.of(
                FanoutConfig.KEYS.applicationId(), "fanout-path-test",
                FanoutConfig.KEYS.stateDir(), stateDir.resolve("fanout").toString())));
        fanout = new TopologyTestDriver(FanoutApp.buildTopology(fanoutConfig, topics),
                ErrorTopicHandler.bind(FanoutApp.streamsConfig(fanoutConfig), topics), now);
        commands = routing.createInputTopic(Topics.COMMANDS, topics.commands().keySerde().serializer(),
                topics.commands().valueSerde().serializer());
        receipts = routing.createInputTopic(Topics.RECEIPTS, topics.receipts().keySerde().serializer(),
                topics.receipts().valueSerde().serializer());
        routed = routing.createOutputTopic(Topics.INBOX_UNSEQUENCED, topics.inboxUnsequenced().keySerde().deserializer(),
                topics.inboxUnsequenced().valueSerde().deserializer());
        routingErrors = routing.createOutputTopic(Topics.ERRORS, topics.errors().keySerde().deserializer(),
                topics.errors().valueSerde().deserializer());
        unsequenced = fanout.createInputTopic(Topics.INBOX_UNSEQUENCED, topics.inboxUnsequenced().keySerde().serializer(),
                topics.inboxUnsequenced().valueSerde().serializer());
        inbox = fanout.createOutputTopic(Topics.INBOX, topics.inbox().keySerde().deserializer(), topics.inbox().valueSerde().deserializer());
        fanoutErrors = fanout.createOutputTopic(Topics.ERRORS, topics.errors().keySerde().deserializer(),
                topics.errors().valueSerde().deserializer());
    }

    @AfterEach
    void stop() {
        routing.close();
        fanout.close();
    }

    @Test
    void shouldKeepEveryInboxGapFreeThroughASwitchToReadDiffusionAndBack() {
        // When: three members (at the threshold); dave joins (4 > 3: broadcast); alice posts; bob leaves
        // (the leave still counts him: broadcast); alice posts (3 again: inboxes)
        pipe(PathCommands.createGroup(GROUP, ALICE, List.of(BOB, CAROL)));
        pipe(PathCommands.send(GROUP, ALICE, "m2"));
        pipe(PathCommands.add(GROUP, ALICE, DAVE));
        pipe(PathCommands.send(GROUP, ALICE, "m4"));
        pipe(PathCommands.leave(GROUP, BOB));
        pipe(PathCommands.send(GROUP, ALICE, "m6"));

        // Then: each inbox numbered 1.. without a gap; alice's broadcast commands reach her as acceptances
        Map<String, List<InboxEntry>> byUser = readInboxes();
        assertThat(describe(byUser.get(ALICE))).containsExactly("1:event 1", "2:event 2", "3:accepted 3", "4:accepted 4", "5:event 6");
        assertThat(describe(byUser.get(BOB))).containsExactly("1:event 1", "2:event 2", "3:event 5");
        assertThat(describe(byUser.get(CAROL))).containsExactly("1:event 1", "2:event 2", "3:event 6");
        assertThat(describe(byUser.get(DAVE))).containsExactly("1:event 3", "2:event 6");
        assertNoMoreRecords();
    }

    @Test
    void shouldNumberOutcomesAfterTheSendersEarlierEntries() {
        // Given: bob posted in a group of two
        pipe(PathCommands.createGroup(GROUP, ALICE, List.of(BOB)));
        ChatCommand send = PathCommands.send(GROUP, BOB, "b1");
        pipe(send);

        // When: bob renames the group (members may not) and retries his send
        pipe(PathCommands.rename(GROUP, BOB, "Mine"));
        pipe(send);

        // Then: the refusal and the repeat follow his two entries
        Map<String, List<InboxEntry>> byUser = readInboxes();
        assertThat(describe(byUser.get(BOB))).containsExactly("1:event 1", "2:event 2", "3:refused forbidden", "4:repeat 2");
        assertThat(describe(byUser.get(ALICE))).containsExactly("1:event 1", "2:event 2");
        assertNoMoreRecords();
    }

    @Test
    void shouldNumberAReadPositionAndAStatusAfterTheUsersEarlierEntries() {
        // Given: alice posted in a group of two (per-recipient statuses by default)
        pipe(PathCommands.createGroup(GROUP, ALICE, List.of(BOB)));
        pipe(PathCommands.send(GROUP, ALICE, "a1"));

        // When: bob reads it
        Receipt read = PathCommands.read(GROUP, BOB, 2);
        receipts.pipeInput(GROUP, read, read.getAt());
        forwardEntries();

        // Then: bob's devices get his read position, alice the status, each as their inbox's third entry
        Map<String, List<InboxEntry>> byUser = readInboxes();
        assertThat(describe(byUser.get(BOB))).containsExactly("1:event 1", "2:event 2", "3:read 2 unread 0");
        assertThat(describe(byUser.get(ALICE))).containsExactly("1:event 1", "2:event 2", "3:READ by bob up to 2");
        assertNoMoreRecords();
    }

    // ---------------------------------------------------------------- helpers

    /** A command into routing (a second later than the last), and routing's entries on to fanout. */
    private void pipe(ChatCommand command) {
        now = now.plusSeconds(1);
        commands.pipeInput(Ids.routingKey(command.getConversationId()), command, now);
        forwardEntries();
    }

    /** Routing's committed output of chat.inbox.unsequenced, record for record, into fanout's input. */
    private void forwardEntries() {
        for (TestRecord<String, InboxEntry> entry : routed.readRecordsToList()) {
            unsequenced.pipeInput(entry);
        }
    }

    private Map<String, List<InboxEntry>> readInboxes() {
        Map<String, List<InboxEntry>> byUser = new LinkedHashMap<>();
        for (KeyValue<String, InboxEntry> kv : inbox.readKeyValuesToList()) {
            assertThat(kv.value.getUserId()).as("record key is the user").isEqualTo(kv.key);
            byUser.computeIfAbsent(kv.key, k -> new ArrayList<>()).add(kv.value);
        }
        return byUser;
    }

    /** Each entry as {@code <inbox_seq>:<what>}. */
    private static List<String> describe(List<InboxEntry> entries) {
        return entries.stream().map(e -> e.getInboxSeq() + ":" + what(e.getItem())).toList();
    }

    private static String what(Object item) {
        if (item instanceof ConversationEvent event) {
            return "event " + event.getSeq();
        }
        if (item instanceof CommandResult result && result.getOutcome() instanceof CommandRejected rejected) {
            return "refused " + rejected.getCode();
        }
        if (item instanceof CommandResult result && result.getOutcome() instanceof CommandAccepted accepted) {
            return (accepted.getDuplicate() ? "repeat " : "accepted ") + accepted.getSeq();
        }
        if (item instanceof ReadPositionChanged read) {
            return "read " + read.getReadSeq() + " unread " + read.getUnread();
        }
        if (item instanceof MessageStatusChanged status && status.getStatus() == DeliveryStatus.READ) {
            return "READ by " + status.getByUserId() + " up to " + status.getUpToSeq();
        }
        return String.valueOf(item);
    }

    private void assertNoMoreRecords() {
        assertThat(routed.isEmpty()).as("every entry forwarded").isTrue();
        assertThat(inbox.isEmpty()).as("no more inbox entries").isTrue();
        assertThat(routingErrors.isEmpty()).as("no routing errors").isTrue();
        assertThat(fanoutErrors.isEmpty()).as("no fanout errors").isTrue();
    }
}
