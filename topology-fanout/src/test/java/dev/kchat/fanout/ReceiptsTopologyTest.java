package dev.kchat.fanout;

import static dev.kchat.fanout.Events.created;
import static dev.kchat.fanout.Events.delivered;
import static dev.kchat.fanout.Events.joined;
import static dev.kchat.fanout.Events.left;
import static dev.kchat.fanout.Events.posted;
import static dev.kchat.fanout.Events.read;
import static org.assertj.core.api.Assertions.assertThat;

import dev.kchat.events.chat.BroadcastEntry;
import dev.kchat.events.chat.ConversationEvent;
import dev.kchat.events.chat.DeliveryStatus;
import dev.kchat.events.chat.InboxEntry;
import dev.kchat.events.chat.MessageStatusChanged;
import dev.kchat.events.chat.ReadPositionChanged;
import dev.kchat.events.chat.Receipt;
import dev.kchat.events.common.ConversationKind;
import dev.kchat.events.platform.ProcessingError;
import dev.kchat.fanout.state.Roster;
import dev.kchat.routing.ReceiptLedger;
import dev.kchat.routing.ReceiptProcessor;
import dev.kchat.routing.state.AuthorStatus;
import dev.kchat.routing.state.ReceiptPosition;
import dev.kchat.schemas.registry.InMemorySchemaRegistry;
import dev.kchat.schemas.topic.Topics;
import dev.kchat.service.Settings;
import dev.kchat.streams.ErrorTopicHandler;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.TopologyDescription;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Receipts through the fan-out topology under {@link TopologyTestDriver}, built by the same
 * {@link FanoutApp#buildTopology}: per-recipient statuses up to {@value #PER_RECIPIENT_MAX} members,
 * counts above, read diffusion above {@value #THRESHOLD}. Asserts inbox entries (what each user's
 * devices get), the receipt stores and the error topic, and ends with nothing left unread.
 */
class ReceiptsTopologyTest {

    private static final String ALICE = "alice";
    private static final String BOB = "bob";
    private static final String CAROL = "carol";
    private static final String DAVE = "dave";
    private static final String ERIN = "erin";
    private static final String FRANK = "frank";
    private static final String DM = "dm:alice:bob";
    private static final String GROUP = "g-team";
    private static final int PER_RECIPIENT_MAX = 3;
    private static final int THRESHOLD = 5;
    private static final Duration INTERVAL = Duration.ofSeconds(5);

    @TempDir
    Path stateDir;

    private Topics topics;
    private Topology topology;
    private TopologyTestDriver driver;
    private TestInputTopic<String, ConversationEvent> log;
    private TestInputTopic<String, Receipt> receipts;
    private TestInputTopic<String, byte[]> rawReceipts;
    private TestOutputTopic<String, InboxEntry> inbox;
    private TestOutputTopic<String, BroadcastEntry> broadcast;
    private TestOutputTopic<String, ProcessingError> errors;
    private Instant receiptTime = Events.T0.plusSeconds(1_000);

    private void start(Map<String, String> overrides) {
        topics = Topics.create(new InMemorySchemaRegistry());
        Map<String, String> settings = new HashMap<>(Map.of(
                FanoutConfig.KEYS.applicationId(), "fanout-receipts-test",
                FanoutConfig.KEYS.stateDir(), stateDir.toString(),
                FanoutConfig.BROADCAST_THRESHOLD, String.valueOf(THRESHOLD),
                FanoutConfig.RECEIPTS_PER_RECIPIENT_MAX, String.valueOf(PER_RECIPIENT_MAX),
                FanoutConfig.RECEIPTS_STATUS_INTERVAL, INTERVAL.toMillis() + "ms"));
        settings.putAll(overrides);
        FanoutConfig config = FanoutConfig.from(Settings.of(settings));
        Properties props = ErrorTopicHandler.bind(FanoutApp.streamsConfig(config), topics);
        topology = FanoutApp.buildTopology(config, topics);
        driver = new TopologyTestDriver(topology, props, Events.T0);
        log = driver.createInputTopic(Topics.CONVERSATION_LOG, topics.conversationLog().keySerde().serializer(),
                topics.conversationLog().valueSerde().serializer());
        receipts = driver.createInputTopic(Topics.RECEIPTS, topics.receipts().keySerde().serializer(),
                topics.receipts().valueSerde().serializer());
        rawReceipts = driver.createInputTopic(Topics.RECEIPTS, new StringSerializer(), new ByteArraySerializer());
        inbox = driver.createOutputTopic(Topics.INBOX, topics.inbox().keySerde().deserializer(), topics.inbox().valueSerde().deserializer());
        broadcast = driver.createOutputTopic(Topics.BROADCAST, topics.broadcast().keySerde().deserializer(),
                topics.broadcast().valueSerde().deserializer());
        errors = driver.createOutputTopic(Topics.ERRORS, topics.errors().keySerde().deserializer(), topics.errors().valueSerde().deserializer());
    }

    private void start() {
        start(Map.of());
    }

    /** Starts with the documented default of {@code fanout.receipts.per.recipient.max}. */
    private void startWithDefaultPerRecipientMax() {
        start(Map.of(FanoutConfig.RECEIPTS_PER_RECIPIENT_MAX,
                String.valueOf(FanoutConfig.DEFAULT_RECEIPTS_PER_RECIPIENT_MAX)));
    }

    @AfterEach
    void stop() {
        if (driver != null) {
            driver.close();
        }
    }

    @Test
    void shouldProcessReceiptsInTheSubTopologyOfTheLog() {
        // Given / When
        start();

        // Then: the log and the receipts feed one sub-topology (one task per conversation partition)
        List<TopologyDescription.Subtopology> subtopologies = new ArrayList<>(topology.describe().subtopologies());
        assertThat(subtopologies).hasSize(2);
        List<String> sourcesWithReceipts = subtopologies.stream()
                .filter(s -> s.nodes().stream().anyMatch(n -> n.name().equals(FanoutApp.RECEIPTS_SOURCE)))
                .flatMap(s -> s.nodes().stream()).map(TopologyDescription.Node::name).toList();
        assertThat(sourcesWithReceipts).contains(FanoutApp.SOURCE, FanoutApp.MEMBERSHIP_PROCESSOR, FanoutApp.RECEIPT_PROCESSOR);
    }

    @Test
    void shouldMoveTheReadPositionOnlyForwardAndIgnoreLowerOrEqualReads() {
        // Given: alice posts 2..4 to a small group
        start();
        pipe(created(GROUP, ConversationKind.GROUP, ALICE, BOB, CAROL));
        pipe(posted(GROUP, 2, ALICE));
        pipe(posted(GROUP, 3, ALICE));
        pipe(posted(GROUP, 4, ALICE));
        inbox.readRecordsToList();

        // When: bob reads up to 3, then (another device lagging) up to 2, then 3 again
        pipe(read(GROUP, BOB, "phone", 3));
        List<KeyValue<String, InboxEntry>> first = inbox.readKeyValuesToList();
        pipe(read(GROUP, BOB, "laptop", 2));
        pipe(read(GROUP, BOB, "phone", 3));

        // Then: one move, nothing for the lower and the equal read
        assertThat(first).extracting(kv -> kv.key).containsExactly(BOB, ALICE);
        assertThat(first.get(0).value.getItem()).isEqualTo(readPosition(GROUP, 3, 1));
        assertThat(first.get(0).value.getConvSeq()).isNull();
        assertThat(first.get(0).value.getInboxSeq()).as("bob's inbox continues gap-free").isEqualTo(5);
        assertThat(first.get(1).value.getItem()).isEqualTo(perRecipient(GROUP, 3, DeliveryStatus.READ, BOB));
        assertThat(position(GROUP, BOB)).isEqualTo(position(3, 3, 1));
        assertNoMoreRecords();
    }

    @Test
    void shouldSyncAReadToEveryDeviceOfTheReaderWithOneInboxEntryAndExactUnread() {
        // Given: bob has unread messages 2..5 in a direct chat
        start();
        pipe(created(DM, ConversationKind.DIRECT, ALICE, BOB));
        for (long seq = 2; seq <= 5; seq++) {
            pipe(posted(DM, seq, ALICE));
        }
        long bobsLastInboxSeq = inbox.readValuesToList().stream().filter(e -> e.getUserId().equals(BOB))
                .mapToLong(InboxEntry::getInboxSeq).max().orElseThrow();

        // When: bob reads up to 4 on his phone
        pipe(read(DM, BOB, "phone", 4));

        // Then: a single entry in bob's inbox (every device of his syncs it), with unread = 5 - 4
        List<InboxEntry> bobs = inboxOf(BOB, inbox.readValuesToList());
        assertThat(bobs).hasSize(1);
        assertThat(bobs.get(0).getInboxSeq()).isEqualTo(bobsLastInboxSeq + 1);
        assertThat(bobs.get(0).getConversationId()).isEqualTo(DM);
        assertThat(bobs.get(0).getItem()).isEqualTo(readPosition(DM, 4, 1));
        assertThat(position(DM, BOB)).isEqualTo(position(4, 4, 1));
        assertNoMoreRecords();
    }

    @Test
    void shouldTellTheAuthorDeliveredThenReadInADirectChat() {
        // Given: alice sends 2 and 3 to bob
        start();
        pipe(created(DM, ConversationKind.DIRECT, ALICE, BOB));
        pipe(posted(DM, 2, ALICE));
        pipe(posted(DM, 3, ALICE));
        inbox.readRecordsToList();

        // When: bob's phone acks 2, then 3; his laptop acks 3 again; then he reads 3
        pipe(delivered(DM, BOB, "phone", 2, 2));
        pipe(delivered(DM, BOB, "phone", 3, 3));
        pipe(delivered(DM, BOB, "laptop", 3, 3));
        pipe(read(DM, BOB, "phone", 3));

        // Then: alice's devices see sent -> delivered -> read; bob gets his read position
        List<KeyValue<String, InboxEntry>> out = inbox.readKeyValuesToList();
        assertThat(out).extracting(kv -> kv.key + ":" + describe(kv.value.getItem())).containsExactly(
                "alice:DELIVERED<=2 by bob",
                "alice:DELIVERED<=3 by bob",
                "bob:read 3 unread 0",
                "alice:READ<=3 by bob");
        assertThat(inboxOf(ALICE, values(out))).extracting(InboxEntry::getInboxSeq).containsExactly(4L, 5L, 6L);
        assertThat(position(DM, BOB)).isEqualTo(position(3, 3, 1));
        assertThat(position(DM, ALICE)).as("alice sent no receipt").isNull();
        assertThat(authors().get(key(DM, ALICE))).isEqualTo(author(3, 1, 1));
        assertNoMoreRecords();
    }

    @Test
    void shouldGiveAuthorsCountsInAGroupOfThreeAndPerRecipientStatusesInADirectChatByDefault() {
        // Given: the default limit (1:1 only); a direct chat and a group of three, alice posts in both
        startWithDefaultPerRecipientMax();
        assertThat(FanoutConfig.DEFAULT_RECEIPTS_PER_RECIPIENT_MAX).isEqualTo(2);
        pipe(created(DM, ConversationKind.DIRECT, ALICE, BOB));
        pipe(posted(DM, 2, ALICE));
        pipe(created(GROUP, ConversationKind.GROUP, ALICE, BOB, CAROL));
        pipe(posted(GROUP, 2, ALICE));
        inbox.readRecordsToList();

        // When: bob gets and reads both; carol gets the group's message
        pipe(delivered(DM, BOB, "phone", 2, 2));
        pipe(read(DM, BOB, "phone", 2));
        pipe(delivered(GROUP, BOB, "phone", 3, 2));
        pipe(read(GROUP, BOB, "phone", 2));
        pipe(delivered(GROUP, CAROL, "phone", 2, 2));

        // Then: in the direct chat alice hears per recipient at once; in the group only counts, once
        // per interval
        assertThat(inbox.readKeyValuesToList()).extracting(kv -> kv.key + ":" + describe(kv.value.getItem())).containsExactly(
                "alice:DELIVERED<=2 by bob",
                "bob:read 2 unread 0",
                "alice:READ<=2 by bob",
                "bob:read 2 unread 0");
        assertThat(keys(pending())).containsExactly(key(GROUP, ALICE));
        driver.advanceWallClockTime(INTERVAL);
        assertThat(inbox.readValuesToList()).extracting(InboxEntry::getItem)
                .containsExactly(counts(GROUP, 2, DeliveryStatus.READ, 2, 1));
        assertNoMoreRecords();
    }

    @Test
    void shouldTellEachAuthorOfASmallGroupPerRecipient() {
        // Given: alice posts 2, bob 3, alice 4, carol 5 in a group of three
        start();
        pipe(created(GROUP, ConversationKind.GROUP, ALICE, BOB, CAROL));
        pipe(posted(GROUP, 2, ALICE));
        pipe(posted(GROUP, 3, BOB));
        pipe(posted(GROUP, 4, ALICE));
        pipe(posted(GROUP, 5, CAROL));
        inbox.readRecordsToList();

        // When: bob's devices ack up to 5, then carol reads up to 4
        pipe(delivered(GROUP, BOB, "phone", 5, 5));
        pipe(read(GROUP, CAROL, "phone", 4));

        // Then: one status per author and move, up to that author's highest covered message;
        // nobody gets a status for their own messages
        assertThat(inbox.readKeyValuesToList()).extracting(kv -> kv.key + ":" + describe(kv.value.getItem())).containsExactly(
                "alice:DELIVERED<=4 by bob",
                "carol:DELIVERED<=5 by bob",
                "carol:read 4 unread 1",
                "alice:READ<=4 by carol",
                "bob:READ<=3 by carol");
        assertThat(position(GROUP, BOB)).isEqualTo(position(0, 5, 1));
        assertThat(position(GROUP, CAROL)).isEqualTo(position(4, 4, 1));
        assertThat(authors().get(key(GROUP, ALICE))).isEqualTo(author(4, 2, 1));
        assertThat(authors().get(key(GROUP, BOB))).isEqualTo(author(3, 1, 1));
        assertThat(authors().get(key(GROUP, CAROL))).isEqualTo(author(5, 1, 0));
        assertThat(keys(pending())).as("no counts to flush in a small group").isEmpty();
        assertNoMoreRecords();
    }

    @Test
    void shouldNotReportMessagesFromBeforeAMemberJoined() {
        // Given: bob posts 2; carol joins at 3; alice posts 4
        start();
        pipe(created(GROUP, ConversationKind.GROUP, ALICE, BOB));
        pipe(posted(GROUP, 2, BOB));
        pipe(joined(GROUP, 3, ALICE, CAROL));
        pipe(posted(GROUP, 4, ALICE));
        inbox.readRecordsToList();
        assertThat(position(GROUP, CAROL)).isEqualTo(position(2, 2, 3));

        // When: carol reads everything, and (a buggy client) up to 1
        pipe(read(GROUP, CAROL, "phone", 4));
        pipe(read(GROUP, CAROL, "phone", 1));

        // Then: alice learns carol read 4; bob's message was never carol's, so bob hears nothing
        assertThat(inbox.readKeyValuesToList()).extracting(kv -> kv.key + ":" + describe(kv.value.getItem())).containsExactly(
                "carol:read 4 unread 0",
                "alice:READ<=4 by carol");
        assertThat(authors().get(key(GROUP, ALICE))).isEqualTo(author(4, 1, 1));
        assertThat(authors().get(key(GROUP, BOB))).isEqualTo(author(2, 0, 0));
        assertNoMoreRecords();
    }

    @Test
    void shouldCoalesceCountsInALargeGroupWithTheWallClockPunctuator() {
        // Given: five members (above the per-recipient limit of 3, inbox-delivered); alice posts 2
        start();
        pipe(created(GROUP, ConversationKind.GROUP, ALICE, BOB, CAROL, DAVE, ERIN));
        pipe(posted(GROUP, 2, ALICE));
        inbox.readRecordsToList();

        // When: everyone else gets it, three read it, one of them twice
        pipe(delivered(GROUP, ERIN, "phone", 2, 2));
        pipe(read(GROUP, BOB, "phone", 2));
        pipe(read(GROUP, CAROL, "phone", 2));
        pipe(read(GROUP, DAVE, "phone", 2));
        pipe(read(GROUP, DAVE, "laptop", 2));

        // Then: readers get their read positions at once, alice nothing until the interval passes
        assertThat(inbox.readKeyValuesToList()).extracting(kv -> kv.key + ":" + describe(kv.value.getItem())).containsExactly(
                "bob:read 2 unread 0", "carol:read 2 unread 0", "dave:read 2 unread 0");
        assertThat(keys(pending())).containsExactly(key(GROUP, ALICE));
        driver.advanceWallClockTime(INTERVAL);
        List<InboxEntry> flushed = inbox.readValuesToList();
        assertThat(flushed).extracting(InboxEntry::getUserId).containsExactly(ALICE);
        assertThat(flushed.get(0).getItem()).isEqualTo(counts(GROUP, 2, DeliveryStatus.READ, 4, 3));
        assertThat(flushed.get(0).getCreatedAt()).isEqualTo(Events.T0.plus(INTERVAL));
        assertThat(keys(pending())).isEmpty();
        driver.advanceWallClockTime(INTERVAL);
        assertThat(inbox.isEmpty()).as("nothing changed, nothing sent").isTrue();

        // When: erin reads, and bob leaves (his read no longer counts)
        pipe(read(GROUP, ERIN, "phone", 2));
        pipe(left(GROUP, 3, BOB));
        List<KeyValue<String, InboxEntry>> beforeFlush = inbox.readKeyValuesToList();
        driver.advanceWallClockTime(INTERVAL);

        // Then: one coalesced status for both changes
        assertThat(beforeFlush).extracting(kv -> kv.key + ":" + describe(kv.value.getItem())).containsExactly(
                "erin:read 2 unread 0", "alice:event 3", "bob:event 3", "carol:event 3", "dave:event 3", "erin:event 3");
        assertThat(inbox.readValuesToList()).extracting(InboxEntry::getItem)
                .containsExactly(counts(GROUP, 2, DeliveryStatus.READ, 3, 3));
        assertThat(authors().get(key(GROUP, ALICE))).isEqualTo(author(2, 3, 3));
        assertThat(position(GROUP, BOB)).as("dropped with the membership").isNull();
        assertThat(keys(pending())).isEmpty();
        assertNoMoreRecords();
    }

    @Test
    void shouldReportCountsForReadDiffusedGroupsToo() {
        // Given: six members, above the broadcast threshold of 5: posts go to chat.broadcast
        start();
        pipe(created(GROUP, ConversationKind.GROUP, ALICE, BOB, CAROL, DAVE, ERIN, FRANK));
        pipe(posted(GROUP, 2, ALICE));
        pipe(posted(GROUP, 3, BOB));
        assertThat(broadcast.readValuesToList()).extracting(BroadcastEntry::getSeq).containsExactly(1L, 2L, 3L);
        inbox.readRecordsToList();

        // When: frank reads 3 (covering alice's 2 and bob's 3), carol reads 2
        pipe(read(GROUP, FRANK, "phone", 3));
        pipe(read(GROUP, CAROL, "phone", 2));
        driver.advanceWallClockTime(INTERVAL);

        // Then: read positions at once (inboxes carry them even for read-diffused groups), counts coalesced
        assertThat(inbox.readKeyValuesToList()).extracting(kv -> kv.key + ":" + describe(kv.value.getItem())).containsExactly(
                "frank:read 3 unread 0",
                "carol:read 2 unread 1",
                "alice:READ<=2 delivered 2 read 2",
                "bob:READ<=3 delivered 1 read 1");
        assertNoMoreRecords();
    }

    @Test
    void shouldKeepUnreadExactUnderInterleavedSendsReadsDuplicatesAndReplays() {
        // Given: a direct chat; bob reads on his phone and his laptop
        start();
        pipe(created(DM, ConversationKind.DIRECT, ALICE, BOB));
        pipe(posted(DM, 2, ALICE));
        pipe(posted(DM, 3, ALICE));
        pipe(read(DM, BOB, "phone", 3));                 // move: 3, unread 0
        pipe(posted(DM, 4, ALICE));
        pipe(posted(DM, 3, ALICE));                      // replayed log events
        pipe(posted(DM, 4, ALICE));
        pipe(read(DM, BOB, "laptop", 2));                // stale device
        pipe(delivered(DM, BOB, "laptop", 4, 4));        // delivered move only
        pipe(read(DM, BOB, "laptop", 4));                // move: 4, unread 0
        pipe(read(DM, BOB, "phone", 4));                 // duplicate from the other device
        pipe(posted(DM, 5, BOB));
        pipe(posted(DM, 6, ALICE));
        pipe(posted(DM, 7, ALICE));
        pipe(read(DM, BOB, "phone", 6));                 // move: 6, unread 1
        pipe(read(DM, BOB, "laptop", 99));               // beyond the last seq: clamped to 7, unread 0
        pipe(read(DM, BOB, "phone", 4));                 // replayed receipt
        pipe(delivered(DM, BOB, "phone", 4, 4));         // replayed receipt
        pipe(posted(DM, 8, ALICE));                      // unread becomes 1 (last_seq 8 - read 7)

        // Then: bob's read positions moved 3, 4, 6, 7 with exact unread; every inbox gap-free
        List<InboxEntry> all = inbox.readValuesToList();
        List<InboxEntry> bobs = inboxOf(BOB, all);
        assertThat(bobs).extracting(e -> describe(e.getItem())).containsExactly(
                "event 1", "event 2", "event 3", "read 3 unread 0", "event 4", "read 4 unread 0",
                "event 5", "event 6", "event 7", "read 6 unread 1", "read 7 unread 0", "event 8");
        assertGapFree(bobs);
        List<InboxEntry> alices = inboxOf(ALICE, all);
        assertGapFree(alices);
        assertThat(alices).extracting(e -> describe(e.getItem())).filteredOn(d -> !d.startsWith("event")).containsExactly(
                "READ<=3 by bob", "DELIVERED<=4 by bob", "READ<=4 by bob", "READ<=6 by bob", "READ<=7 by bob");
        assertThat(position(DM, BOB)).isEqualTo(position(7, 7, 1));
        long lastReadSeq = bobs.stream().filter(e -> e.getItem() instanceof ReadPositionChanged)
                .mapToLong(e -> ((ReadPositionChanged) e.getItem()).getReadSeq()).max().orElseThrow();
        assertThat(rosters().get(DM).getLastSeq() - lastReadSeq).as("unread as the conversation list computes it").isEqualTo(1);
        assertNoMoreRecords();
    }

    @Test
    void shouldIgnoreReceiptsFromNonMembersAndOfUnknownConversationsAndTellReadersTheirReadWasRefused() {
        // Given: bob leaves the group after alice's post
        start();
        pipe(created(GROUP, ConversationKind.GROUP, ALICE, BOB, CAROL));
        pipe(posted(GROUP, 2, ALICE));
        pipe(read(GROUP, BOB, "phone", 2));
        pipe(left(GROUP, 3, BOB));
        inbox.readRecordsToList();

        // When: a stranger, the leaver, and a conversation never created
        pipe(read(GROUP, DAVE, "phone", 3));
        pipe(delivered(GROUP, BOB, "phone", 9, 3));
        pipe(read("g-unknown", ALICE, "phone", 1));

        // Then: no state, counted; the two readers learn their read was refused, the leaver's ack is dropped quietly
        assertThat(inbox.readKeyValuesToList()).extracting(kv -> kv.key + ":"
                        + ((dev.kchat.events.chat.CommandRejected) ((dev.kchat.events.chat.CommandResult) kv.value.getItem()).getOutcome()).getCode())
                .containsExactly(DAVE + ":not_a_member", ALICE + ":conversation_not_found");
        assertThat(position(GROUP, DAVE)).isNull();
        assertThat(position(GROUP, BOB)).isNull();
        assertThat(dropped(ReceiptProcessor.DROPPED_NOT_A_MEMBER)).isEqualTo(2.0);
        assertThat(dropped(ReceiptProcessor.DROPPED_UNKNOWN_CONVERSATION)).isEqualTo(1.0);
        assertThat(authors().get(key(GROUP, ALICE))).as("bob's read no longer counts").isEqualTo(author(2, 0, 0));
        assertNoMoreRecords();
    }

    @Test
    void shouldSendPoisonReceiptsToTheErrorTopicAndContinue() {
        // Given
        start();
        pipe(created(DM, ConversationKind.DIRECT, ALICE, BOB));
        pipe(posted(DM, 2, ALICE));
        inbox.readRecordsToList();
        byte[] garbage = "garbage".getBytes(StandardCharsets.UTF_8);

        // When: undecodable bytes, a receipt under another conversation's key, a negative seq, then a good one
        rawReceipts.pipeInput(DM, garbage, receiptTime);
        receipts.pipeInput(GROUP, read(DM, BOB, "phone", 2), receiptTime);
        pipe(read(DM, BOB, "phone", -1));
        pipe(read(DM, BOB, "phone", 2));

        // Then
        List<ProcessingError> failed = errors.readValuesToList();
        assertThat(failed).extracting(ProcessingError::getSourceTopic).containsOnly(Topics.RECEIPTS);
        assertThat(failed).extracting(ProcessingError::getAppId).containsOnly(FanoutApp.APP_NAME);
        assertThat(failed).hasSize(3);
        assertThat(failed.get(0).getValue().array()).isEqualTo(garbage);
        assertThat(failed.get(0).getErrorMessage()).contains("magic byte");
        assertThat(failed.get(1).getErrorMessage()).contains("under key " + GROUP);
        assertThat(failed.get(2).getErrorMessage()).contains("must be >= 0");
        assertThat(inbox.readKeyValuesToList()).extracting(kv -> kv.key + ":" + describe(kv.value.getItem()))
                .containsExactly("bob:read 2 unread 0", "alice:READ<=2 by bob");
        assertNoMoreRecords();
    }

    @Test
    void shouldForgetAuthorsOfMessagesOlderThanTheWindow() {
        // Given: a window of 3 seqs; bob posts 2, alice 3..6
        start(Map.of(FanoutConfig.RECEIPTS_WINDOW, "3"));
        pipe(created(GROUP, ConversationKind.GROUP, ALICE, BOB, CAROL));
        pipe(posted(GROUP, 2, BOB));
        for (long seq = 3; seq <= 6; seq++) {
            pipe(posted(GROUP, seq, ALICE));
        }
        inbox.readRecordsToList();

        // When: carol reads everything
        pipe(read(GROUP, CAROL, "phone", 6));

        // Then: bob's message left the window, so only alice hears about it; the stores hold 3 seqs
        assertThat(inbox.readKeyValuesToList()).extracting(kv -> kv.key + ":" + describe(kv.value.getItem()))
                .containsExactly("carol:read 6 unread 0", "alice:READ<=6 by carol");
        assertThat(keys(window())).containsExactly(
                ReceiptLedger.windowKey(GROUP, 4), ReceiptLedger.windowKey(GROUP, 5), ReceiptLedger.windowKey(GROUP, 6));
        assertThat(keys(authors())).containsExactly(key(GROUP, ALICE));
        assertNoMoreRecords();
    }

    // ---------------------------------------------------------------- helpers

    private void pipe(ConversationEvent event) {
        log.pipeInput(event.getConversationId(), event, event.getOccurredAt());
    }

    private void pipe(Receipt receipt) {
        receiptTime = receiptTime.plusMillis(1);
        receipts.pipeInput(receipt.getConversationId(), receipt, receiptTime);
    }

    private static ReadPositionChanged readPosition(String conversationId, long readSeq, long unread) {
        return ReadPositionChanged.newBuilder().setConversationId(conversationId).setReadSeq(readSeq).setUnread(unread).build();
    }

    private static MessageStatusChanged perRecipient(String conversationId, long upTo, DeliveryStatus status, String by) {
        return MessageStatusChanged.newBuilder().setConversationId(conversationId).setUpToSeq(upTo).setStatus(status)
                .setByUserId(by).setDeliveredCount(0).setReadCount(0).build();
    }

    private static MessageStatusChanged counts(String conversationId, long upTo, DeliveryStatus status, int delivered, int read) {
        return MessageStatusChanged.newBuilder().setConversationId(conversationId).setUpToSeq(upTo).setStatus(status)
                .setByUserId(null).setDeliveredCount(delivered).setReadCount(read).build();
    }

    /** A compact, exact rendering of an inbox item for assertions on sequences of entries. */
    private static String describe(Object item) {
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
        return String.valueOf(item);
    }

    private static List<InboxEntry> inboxOf(String userId, List<InboxEntry> entries) {
        return entries.stream().filter(e -> e.getUserId().equals(userId)).toList();
    }

    private static List<InboxEntry> values(List<KeyValue<String, InboxEntry>> records) {
        return records.stream().map(kv -> kv.value).toList();
    }

    private static void assertGapFree(List<InboxEntry> entries) {
        for (int i = 0; i < entries.size(); i++) {
            assertThat(entries.get(i).getInboxSeq()).as("inbox_seq #%d of %s", i, entries.get(0).getUserId()).isEqualTo(i + 1);
        }
    }

    private double dropped(String reason) {
        for (Map.Entry<MetricName, ? extends Metric> e : driver.metrics().entrySet()) {
            MetricName name = e.getKey();
            if (name.group().equals("stream-" + ReceiptProcessor.METRICS_SCOPE + "-metrics") && name.name().equals("dropped-total")
                    && reason.equals(name.tags().get(ReceiptProcessor.METRICS_SCOPE + "-id"))) {
                return (Double) e.getValue().metricValue();
            }
        }
        throw new AssertionError("no dropped-total metric for " + reason + " in " + driver.metrics().keySet());
    }

    private void assertNoMoreRecords() {
        assertThat(inbox.isEmpty()).as("no more inbox entries").isTrue();
        assertThat(broadcast.isEmpty()).as("no more broadcasts").isTrue();
        assertThat(errors.isEmpty()).as("no more errors").isTrue();
    }

    private ReceiptPosition position(String conversationId, String userId) {
        KeyValueStore<String, ReceiptPosition> store = driver.getKeyValueStore(FanoutApp.RECEIPT_POSITIONS_STORE);
        return store.get(key(conversationId, userId));
    }

    private static ReceiptPosition position(long read, long delivered, long joined) {
        return ReceiptPosition.newBuilder().setReadSeq(read).setDeliveredSeq(delivered).setJoinedSeq(joined).build();
    }

    private static AuthorStatus author(long latest, int delivered, int read) {
        return AuthorStatus.newBuilder().setLatestSeq(latest).setDeliveredCount(delivered).setReadCount(read).build();
    }

    private KeyValueStore<String, Roster> rosters() {
        return driver.getKeyValueStore(FanoutApp.CONVERSATIONS_STORE);
    }

    private KeyValueStore<String, AuthorStatus> authors() {
        return driver.getKeyValueStore(FanoutApp.RECEIPT_AUTHORS_STORE);
    }

    private KeyValueStore<String, String> pending() {
        return driver.getKeyValueStore(FanoutApp.RECEIPT_UNREPORTED_STORE);
    }

    private KeyValueStore<String, String> window() {
        return driver.getKeyValueStore(FanoutApp.RECEIPT_WINDOW_STORE);
    }

    /** Store key {@code conversation|user}. */
    private static String key(String conversationId, String userId) {
        return MembershipProcessor.memberKey(conversationId, userId);
    }

    private static <V> List<String> keys(KeyValueStore<String, V> store) {
        List<String> keys = new ArrayList<>();
        try (KeyValueIterator<String, V> it = store.all()) {
            it.forEachRemaining(kv -> keys.add(kv.key));
        }
        return keys;
    }
}
