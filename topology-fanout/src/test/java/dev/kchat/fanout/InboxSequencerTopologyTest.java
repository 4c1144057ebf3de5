package dev.kchat.fanout;

import static dev.kchat.fanout.Events.created;
import static dev.kchat.fanout.Events.joined;
import static dev.kchat.fanout.Events.left;
import static dev.kchat.fanout.Events.posted;
import static org.assertj.core.api.Assertions.assertThat;

import dev.kchat.events.chat.ConversationEvent;
import dev.kchat.events.chat.DeliveryStatus;
import dev.kchat.events.chat.InboxEntry;
import dev.kchat.events.chat.MessageStatusChanged;
import dev.kchat.events.common.ConversationKind;
import dev.kchat.events.platform.ProcessingError;
import dev.kchat.schemas.registry.InMemorySchemaRegistry;
import dev.kchat.schemas.topic.Topics;
import dev.kchat.service.Settings;
import dev.kchat.streams.ErrorTopicHandler;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyDescription;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Fanout's inbox sequencer under {@link TopologyTestDriver}, built by the same
 * {@link FanoutApp#buildTopology}: the numbering cases of the former {@code FanoutTopologyTest}, with
 * each recipient's entries piped into {@code chat.inbox.unsequenced} as routing's fan-out stage writes
 * them (who gets which event is routing's, tested by its {@code RoutingFanoutTopologyTest}). Asserts
 * {@code chat.inbox}, the error topic and the sequencer's stores, and ends with nothing left unread.
 */
class InboxSequencerTopologyTest {

    private static final String ALICE = "alice";
    private static final String BOB = "bob";
    private static final String CAROL = "carol";
    private static final String GROUP = "g-team";

    @TempDir
    Path stateDir;

    private TopologyTestDriver driver;
    private TestInputTopic<String, InboxEntry> unsequenced;
    private TestInputTopic<String, byte[]> rawUnsequenced;
    private TestOutputTopic<String, InboxEntry> inbox;
    private TestOutputTopic<String, ProcessingError> errors;

    @BeforeEach
    void start() {
        start("exactly_once_v2");
    }

    /** (Re)starts the driver under a guarantee: the sequencer keeps delivered positions under at-least-once only. */
    private void start(String guarantee) {
        if (driver != null) {
            driver.close();
        }
        Topics topics = Topics.create(new InMemorySchemaRegistry());
        FanoutConfig config = config(guarantee);
        Properties props = ErrorTopicHandler.bind(FanoutApp.streamsConfig(config), topics);
        driver = new TopologyTestDriver(FanoutApp.buildTopology(config, topics), props, Events.T0);
        unsequenced = driver.createInputTopic(Topics.INBOX_UNSEQUENCED, topics.inboxUnsequenced().keySerde().serializer(),
                topics.inboxUnsequenced().valueSerde().serializer());
        rawUnsequenced = driver.createInputTopic(Topics.INBOX_UNSEQUENCED, new StringSerializer(), new ByteArraySerializer());
        inbox = driver.createOutputTopic(Topics.INBOX, topics.inbox().keySerde().deserializer(), topics.inbox().valueSerde().deserializer());
        errors = driver.createOutputTopic(Topics.ERRORS, topics.errors().keySerde().deserializer(), topics.errors().valueSerde().deserializer());
    }

    private FanoutConfig config(String guarantee) {
        return FanoutConfig.from(Settings.of(Map.of(
                FanoutConfig.KEYS.applicationId(), "fanout-test",
                FanoutConfig.KEYS.stateDir(), stateDir.toString(),
                FanoutConfig.KEYS.processingGuarantee(), guarantee)));
    }

    @AfterEach
    void stop() {
        driver.close();
    }

    @Test
    void shouldNumberEachInboxGapFreeAcrossConversations() {
        // Given: at-least-once, where the sequencer also keeps delivered positions (asserted below)
        start("at_least_once");

        // When: alice is in two conversations whose events interleave
        deliver(created("g-one", ConversationKind.GROUP, ALICE, BOB), ALICE, BOB);
        deliver(created("g-two", ConversationKind.GROUP, CAROL, ALICE), CAROL, ALICE);
        deliver(posted("g-one", 2, BOB), ALICE, BOB);
        deliver(posted("g-two", 2, CAROL), ALICE, CAROL);
        deliver(posted("g-one", 3, ALICE), ALICE, BOB);
        deliver(posted("g-two", 3, ALICE), ALICE, CAROL);

        // Then
        List<InboxEntry> alice = readInboxes().get(ALICE);
        assertGapFree(alice);
        assertThat(alice).extracting(e -> e.getConversationId() + "#" + e.getConvSeq())
                .containsExactly("g-one#1", "g-two#1", "g-one#2", "g-two#2", "g-one#3", "g-two#3");
        assertThat(inboxSeqs().get(ALICE)).isEqualTo(6L);
        assertThat(inboxSeqs().get(BOB)).isEqualTo(3L);
        assertThat(inboxSeqs().get(CAROL)).isEqualTo(3L);
        assertThat(positions().get(ALICE + "|g-one")).isEqualTo(3L);
        assertThat(positions().get(ALICE + "|g-two")).isEqualTo(3L);
        assertNoMoreRecords();
    }

    @Test
    void shouldKeepDeliveredPositionsUnderAtLeastOnceAndDropTheUsersOwnWhenTheyLeave() {
        // Given: at-least-once
        start("at_least_once");

        // When: alice and bob; alice posts; carol joins; alice posts; bob leaves (his own leave is his last
        // entry); alice posts
        deliver(created(GROUP, ConversationKind.GROUP, ALICE, BOB), ALICE, BOB);
        deliver(posted(GROUP, 2, ALICE), ALICE, BOB);
        deliver(joined(GROUP, 3, ALICE, CAROL), ALICE, BOB, CAROL);
        deliver(posted(GROUP, 4, ALICE), ALICE, BOB, CAROL);
        deliver(left(GROUP, 5, BOB), ALICE, BOB, CAROL);
        deliver(posted(GROUP, 6, ALICE), ALICE, CAROL);

        // Then: each inbox gap-free from 1, entries carried as they came
        Map<String, List<InboxEntry>> byUser = readInboxes();
        assertThat(convSeqs(byUser.get(ALICE))).containsExactly(1L, 2L, 3L, 4L, 5L, 6L);
        assertThat(convSeqs(byUser.get(BOB))).containsExactly(1L, 2L, 3L, 4L, 5L);
        assertThat(convSeqs(byUser.get(CAROL))).containsExactly(3L, 4L, 5L, 6L);
        byUser.values().forEach(InboxSequencerTopologyTest::assertGapFree);
        InboxEntry carolJoined = byUser.get(CAROL).get(0);
        assertThat(carolJoined.getItem()).isEqualTo(joined(GROUP, 3, ALICE, CAROL));
        assertThat(carolJoined.getCreatedAt()).isEqualTo(Events.T0.plusSeconds(3));
        assertThat(inboxSeqs().get(ALICE)).isEqualTo(6L);
        assertThat(inboxSeqs().get(BOB)).isEqualTo(5L);
        assertThat(positions().get(BOB + "|" + GROUP)).as("position dropped when bob left").isNull();
        assertThat(positions().get(ALICE + "|" + GROUP)).isEqualTo(6L);
        assertThat(positions().get(CAROL + "|" + GROUP)).isEqualTo(6L);
        assertNoMoreRecords();
    }

    @Test
    void shouldNumberWithoutDeliveredPositionsUnderExactlyOnce() {
        // When: the same kind of history under the default guarantee
        deliver(created(GROUP, ConversationKind.GROUP, ALICE, BOB), ALICE, BOB);
        deliver(posted(GROUP, 2, ALICE), ALICE, BOB);
        deliver(joined(GROUP, 3, ALICE, CAROL), ALICE, BOB, CAROL);
        deliver(left(GROUP, 4, BOB), ALICE, BOB, CAROL);

        // Then: the same gap-free inboxes, and no position written (no changelog record per recipient)
        Map<String, List<InboxEntry>> byUser = readInboxes();
        assertThat(convSeqs(byUser.get(ALICE))).containsExactly(1L, 2L, 3L, 4L);
        assertThat(convSeqs(byUser.get(BOB))).containsExactly(1L, 2L, 3L, 4L);
        assertThat(convSeqs(byUser.get(CAROL))).containsExactly(3L, 4L);
        byUser.values().forEach(InboxSequencerTopologyTest::assertGapFree);
        assertThat(keys(positions())).isEmpty();
        assertNoMoreRecords();
    }

    @Test
    void shouldGiveAReplayedEntryNoSecondInboxSeqUnderAtLeastOnce() {
        // Given: at-least-once; bob's entries of seqs 1 and 2 are numbered
        start("at_least_once");
        deliver(created(GROUP, ConversationKind.GROUP, ALICE, BOB), BOB);
        deliver(posted(GROUP, 2, ALICE), BOB);
        assertThat(readInboxes().get(BOB)).extracting(InboxEntry::getInboxSeq).containsExactly(1L, 2L);

        // When: the topic carries bob's entry for seq 2 again (a crash before the offset commit), then seq 3
        deliver(posted(GROUP, 2, ALICE), BOB);
        deliver(posted(GROUP, 3, BOB), BOB);

        // Then: the replay got no inbox seq; the next entry follows without a gap
        List<InboxEntry> bob = readInboxes().get(BOB);
        assertThat(bob).extracting(InboxEntry::getConvSeq).containsExactly(3L);
        assertThat(bob.get(0).getInboxSeq()).isEqualTo(3);
        assertThat(positions().get(BOB + "|" + GROUP)).isEqualTo(3L);
        assertNoMoreRecords();
    }

    @Test
    void shouldNumberEntriesWithoutAConversationSeqWithoutTheReplayCheck() {
        // Given: at-least-once; bob's position in the group is seq 2
        start("at_least_once");
        deliver(created(GROUP, ConversationKind.GROUP, ALICE, BOB), BOB);
        deliver(posted(GROUP, 2, BOB), BOB);
        readInboxes();

        // When: two statuses of bob's message arrive (no conversation seq)
        unsequenced.pipeInput(BOB, status(BOB, DeliveryStatus.DELIVERED));
        unsequenced.pipeInput(BOB, status(BOB, DeliveryStatus.READ));

        // Then: both numbered, after his events
        List<InboxEntry> bob = readInboxes().get(BOB);
        assertThat(bob).extracting(InboxEntry::getInboxSeq).containsExactly(3L, 4L);
        assertThat(bob).extracting(e -> ((MessageStatusChanged) e.getItem()).getStatus())
                .containsExactly(DeliveryStatus.DELIVERED, DeliveryStatus.READ);
        assertThat(positions().get(BOB + "|" + GROUP)).isEqualTo(2L);
        assertNoMoreRecords();
    }

    @Test
    void shouldSendUndecodableEntriesToTheErrorTopicAndContinue() {
        // When: undecodable bytes, then a good entry
        byte[] garbage = "garbage".getBytes(StandardCharsets.UTF_8);
        rawUnsequenced.pipeInput(BOB, garbage, Events.T0);
        deliver(posted(GROUP, 2, ALICE), BOB);

        // Then
        ProcessingError failed = errors.readValue();
        assertThat(failed.getAppId()).isEqualTo(FanoutApp.APP_NAME);
        assertThat(failed.getSourceTopic()).isEqualTo(Topics.INBOX_UNSEQUENCED);
        assertThat(failed.getValue().array()).isEqualTo(garbage);
        assertThat(failed.getErrorMessage()).contains("magic byte");
        assertThat(readInboxes().get(BOB)).extracting(InboxEntry::getInboxSeq).containsExactly(1L);
        assertNoMoreRecords();
    }

    @Test
    void shouldNumberInboxesInOneSubTopologyOverTheTwoUserKeyedTopicsWithoutARepartition() {
        // Given / When
        TopologyDescription description = FanoutApp.buildTopology(config("exactly_once_v2"),
                Topics.create(new InMemorySchemaRegistry())).describe();

        // Then: the sequencer reads chat.inbox.unsequenced and moments.notifications (co-partitioned, by
        // user); the server stage reads the log and the receipts; nothing is repartitioned
        assertThat(description.subtopologies()).hasSize(2);
        assertThat(sources(description, FanoutApp.INBOX_SEQUENCER)).containsExactlyInAnyOrder(Topics.INBOX_UNSEQUENCED,
                Topics.MOMENTS_NOTIFICATIONS);
        assertThat(sources(description, FanoutApp.SERVER_LOG_PROCESSOR)).containsExactlyInAnyOrder(Topics.CONVERSATION_LOG,
                Topics.RECEIPTS);
        assertThat(description.toString()).doesNotContain("repartition");
        assertThat(FanoutApp.copartitioned(Topics.create(new InMemorySchemaRegistry()))).containsExactly(
                List.of(Topics.INBOX_UNSEQUENCED, Topics.MOMENTS_NOTIFICATIONS), List.of(Topics.CONVERSATION_LOG, Topics.RECEIPTS));
    }

    // ---------------------------------------------------------------- helpers

    /** Pipes one unsequenced entry of {@code event} per recipient, keyed by the recipient, as routing writes them. */
    private void deliver(ConversationEvent event, String... recipients) {
        for (String recipient : recipients) {
            unsequenced.pipeInput(recipient, InboxEntry.newBuilder()
                    .setUserId(recipient)
                    .setInboxSeq(0)
                    .setConversationId(event.getConversationId())
                    .setConvSeq(event.getSeq())
                    .setCreatedAt(event.getOccurredAt())
                    .setItem(event)
                    .build(), event.getOccurredAt());
        }
    }

    /** A status of {@code author}'s message at seq 2 in the group, as routing's receipt processor writes it. */
    private static InboxEntry status(String author, DeliveryStatus status) {
        return InboxEntry.newBuilder().setUserId(author).setInboxSeq(0).setConversationId(GROUP).setConvSeq(null)
                .setCreatedAt(Events.T0.plusSeconds(1_000))
                .setItem(MessageStatusChanged.newBuilder().setConversationId(GROUP).setUpToSeq(2).setStatus(status)
                        .setByUserId(ALICE).setDeliveredCount(0).setReadCount(0).build())
                .build();
    }

    /** The source topics of the sub-topology that holds {@code node}. */
    private static Set<String> sources(TopologyDescription description, String node) {
        TopologyDescription.Subtopology holding = description.subtopologies().stream()
                .filter(s -> s.nodes().stream().anyMatch(n -> n.name().equals(node))).findFirst().orElseThrow();
        return holding.nodes().stream().filter(TopologyDescription.Source.class::isInstance)
                .flatMap(n -> ((TopologyDescription.Source) n).topicSet().stream()).collect(Collectors.toSet());
    }

    private Map<String, List<InboxEntry>> readInboxes() {
        Map<String, List<InboxEntry>> byUser = new LinkedHashMap<>();
        for (KeyValue<String, InboxEntry> kv : inbox.readKeyValuesToList()) {
            assertThat(kv.value.getUserId()).as("record key is the user").isEqualTo(kv.key);
            byUser.computeIfAbsent(kv.key, k -> new ArrayList<>()).add(kv.value);
        }
        return byUser;
    }

    private static void assertGapFree(List<InboxEntry> entries) {
        for (int i = 0; i < entries.size(); i++) {
            assertThat(entries.get(i).getInboxSeq()).as("inbox_seq #%d of %s", i, entries.get(0).getUserId()).isEqualTo(i + 1);
        }
    }

    private static List<Long> convSeqs(List<InboxEntry> entries) {
        List<Long> seqs = new ArrayList<>();
        entries.forEach(e -> seqs.add(e.getConvSeq()));
        return seqs;
    }

    private void assertNoMoreRecords() {
        assertThat(inbox.isEmpty()).as("no more inbox entries").isTrue();
        assertThat(errors.isEmpty()).as("no more errors").isTrue();
    }

    private KeyValueStore<String, Long> inboxSeqs() {
        return driver.getKeyValueStore(FanoutApp.INBOX_SEQ_STORE);
    }

    private KeyValueStore<String, Long> positions() {
        return driver.getKeyValueStore(FanoutApp.POSITIONS_STORE);
    }

    private static <V> List<String> keys(KeyValueStore<String, V> store) {
        List<String> keys = new ArrayList<>();
        try (KeyValueIterator<String, V> it = store.all()) {
            it.forEachRemaining(kv -> keys.add(kv.key));
        }
        return keys;
    }
}
