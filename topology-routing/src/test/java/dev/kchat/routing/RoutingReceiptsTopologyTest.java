package dev.kchat.routing;

import static dev.kchat.routing.Commands.GROUP;
import static dev.kchat.routing.FanoutStageFixture.author;
import static dev.kchat.routing.FanoutStageFixture.delivered;
import static dev.kchat.routing.FanoutStageFixture.describe;
import static dev.kchat.routing.FanoutStageFixture.entriesOf;
import static dev.kchat.routing.FanoutStageFixture.keys;
import static dev.kchat.routing.FanoutStageFixture.position;
import static dev.kchat.routing.FanoutStageFixture.read;
import static org.assertj.core.api.Assertions.assertThat;

import dev.kchat.events.chat.BroadcastEntry;
import dev.kchat.events.chat.CommandRejected;
import dev.kchat.events.chat.CommandResult;
import dev.kchat.events.chat.DeliveryStatus;
import dev.kchat.events.chat.InboxEntry;
import dev.kchat.events.chat.MessageStatusChanged;
import dev.kchat.events.chat.ReadPositionChanged;
import dev.kchat.events.common.ConversationKind;
import dev.kchat.events.platform.ProcessingError;
import dev.kchat.schemas.Ids;
import dev.kchat.schemas.topic.Topics;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.TopologyDescription;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Receipts through routing's fan-out stage under
 * {@link org.apache.kafka.streams.TopologyTestDriver}, driven by commands and receipts: the port of
 * fanout's {@code ReceiptsTopologyTest}, with the same statuses, counts, positions and refusals.
 * Per-recipient statuses up to {@value #PER_RECIPIENT_MAX} members, counts above, read diffusion
 * above {@value #THRESHOLD}. Asserts the unsequenced entries (what each user's devices get once
 * fanout numbers them), the receipt stores and the error topic, and ends with nothing left unread.
 */
class RoutingReceiptsTopologyTest {

    private static final String ALICE = "alice";
    private static final String BOB = "bob";
    private static final String CAROL = "carol";
    private static final String DAVE = "dave";
    private static final String ERIN = "erin";
    private static final String FRANK = "frank";
    private static final String DM = Ids.directConversation(ALICE, BOB);
    private static final int PER_RECIPIENT_MAX = 3;
    private static final int THRESHOLD = 5;
    private static final Duration INTERVAL = Duration.ofSeconds(5);

    @TempDir
    Path stateDir;

    private FanoutStageFixture routing;

    private void start(Map<String, String> overrides) {
        Map<String, String> settings = new HashMap<>(Map.of(
                RoutingFanoutConfig.BROADCAST_THRESHOLD, String.valueOf(THRESHOLD),
                RoutingFanoutConfig.RECEIPTS_PER_RECIPIENT_MAX, String.valueOf(PER_RECIPIENT_MAX),
                RoutingFanoutConfig.RECEIPTS_STATUS_INTERVAL, INTERVAL.toMillis() + "ms"));
        settings.putAll(overrides);
        routing = new FanoutStageFixture(stateDir, settings);
    }

    private void start() {
        start(Map.of());
    }

    @AfterEach
    void stop() {
        if (routing != null) {
            routing.close();
        }
    }

    @Test
    void shouldProcessReceiptsInTheSubTopologyOfTheCommands() {
        // Given / When
        start();

        // Then: the commands and the receipts feed one sub-topology (one task per conversation partition)
        List<String> withReceipts = routing.topology.describe().subtopologies().stream()
                .filter(s -> s.nodes().stream().anyMatch(n -> n.name().equals(FanoutStage.RECEIPTS_SOURCE)))
                .flatMap(s -> s.nodes().stream()).map(TopologyDescription.Node::name).toList();
        assertThat(withReceipts).contains(RoutingApp.SOURCE, RoutingApp.PROCESSOR, FanoutStage.FANOUT_PROCESSOR,
                FanoutStage.RECEIPT_PROCESSOR);
    }

    @Test
    void shouldMoveTheReadPositionOnlyForwardAndIgnoreLowerOrEqualReads() {
        // Given: alice posts 2..4 to a small group
        start();
        routing.pipe(Commands.createGroup(GROUP, ALICE, BOB, CAROL));
        sends(GROUP, ALICE, 2, 4);
        routing.readEntries();

        // When: bob reads up to 3, then (another device lagging) up to 2, then 3 again
        routing.pipe(read(GROUP, BOB, "phone", 3));
        List<KeyValue<String, InboxEntry>> first = routing.readEntries();
        routing.pipe(read(GROUP, BOB, "laptop", 2));
        routing.pipe(read(GROUP, BOB, "phone", 3));

        // Then: one move, nothing for the lower and the equal read
        assertThat(first).extracting(kv -> kv.key).containsExactly(BOB, ALICE);
        assertThat(first.get(0).value.getItem()).isEqualTo(readPosition(GROUP, 3, 1));
        assertThat(first.get(0).value.getConvSeq()).isNull();
        assertThat(first.get(1).value.getItem()).isEqualTo(perRecipient(GROUP, 3, DeliveryStatus.READ, BOB));
        assertThat(routing.position(GROUP, BOB)).isEqualTo(position(3, 3, 1));
        routing.assertNoMoreRecords();
    }

    @Test
    void shouldSyncAReadToEveryDeviceOfTheReaderWithOneInboxEntryAndExactUnread() {
        // Given: bob has unread messages 2..5 in a direct chat
        start();
        routing.pipe(Commands.create(DM, ConversationKind.DIRECT, ALICE, BOB));
        sends(DM, ALICE, 2, 5);
        routing.readEntries();

        // When: bob reads up to 4 on his phone
        routing.pipe(read(DM, BOB, "phone", 4));

        // Then: a single entry for bob's inbox (every device of his syncs it), with unread = 5 - 4
        List<InboxEntry> bobs = entriesOf(BOB, routing.readEntries());
        assertThat(bobs).hasSize(1);
        assertThat(bobs.get(0).getConversationId()).isEqualTo(DM);
        assertThat(bobs.get(0).getItem()).isEqualTo(readPosition(DM, 4, 1));
        assertThat(routing.position(DM, BOB)).isEqualTo(position(4, 4, 1));
        routing.assertNoMoreRecords();
    }

    @Test
    void shouldTellTheAuthorDeliveredThenReadInADirectChat() {
        // Given: alice sends 2 and 3 to bob
        start();
        routing.pipe(Commands.create(DM, ConversationKind.DIRECT, ALICE, BOB));
        sends(DM, ALICE, 2, 3);
        routing.readEntries();

        // When: bob's phone acks 2, then 3; his laptop acks 3 again; then he reads 3
        routing.pipe(delivered(DM, BOB, "phone", 2, 2));
        routing.pipe(delivered(DM, BOB, "phone", 3, 3));
        routing.pipe(delivered(DM, BOB, "laptop", 3, 3));
        routing.pipe(read(DM, BOB, "phone", 3));

        // Then: alice's devices see sent -> delivered -> read; bob gets his read position
        assertThat(routing.readEntries()).extracting(kv -> kv.key + ":" + describe(kv.value.getItem())).containsExactly(
                "alice:DELIVERED<=2 by bob",
                "alice:DELIVERED<=3 by bob",
                "bob:read 3 unread 0",
                "alice:READ<=3 by bob");
        assertThat(routing.position(DM, BOB)).isEqualTo(position(3, 3, 1));
        assertThat(routing.position(DM, ALICE)).as("alice sent no receipt").isNull();
        assertThat(routing.authors().get(StoreKeys.member(DM, ALICE))).isEqualTo(author(3, 1, 1));
        routing.assertNoMoreRecords();
    }

    @Test
    void shouldGiveAuthorsCountsInAGroupOfThreeAndPerRecipientStatusesInADirectChatByDefault() {
        // Given: the default limit (1:1 only); a direct chat and a group of three, alice posts in both
        start(Map.of(RoutingFanoutConfig.RECEIPTS_PER_RECIPIENT_MAX, String.valueOf(RoutingFanoutConfig.DEFAULT_RECEIPTS_PER_RECIPIENT_MAX)));
        assertThat(RoutingFanoutConfig.DEFAULT_RECEIPTS_PER_RECIPIENT_MAX).isEqualTo(2);
        routing.pipe(Commands.create(DM, ConversationKind.DIRECT, ALICE, BOB));
        sends(DM, ALICE, 2, 2);
        routing.pipe(Commands.createGroup(GROUP, ALICE, BOB, CAROL));
        sends(GROUP, ALICE, 2, 2);
        routing.readEntries();

        // When: bob gets and reads both; carol gets the group's message
        routing.pipe(delivered(DM, BOB, "phone", 2, 2));
        routing.pipe(read(DM, BOB, "phone", 2));
        routing.pipe(delivered(GROUP, BOB, "phone", 3, 2));
        routing.pipe(read(GROUP, BOB, "phone", 2));
        routing.pipe(delivered(GROUP, CAROL, "phone", 2, 2));

        // Then: in the direct chat alice hears per recipient at once; in the group only counts, once per interval
        assertThat(routing.readEntries()).extracting(kv -> kv.key + ":" + describe(kv.value.getItem())).containsExactly(
                "alice:DELIVERED<=2 by bob",
                "bob:read 2 unread 0",
                "alice:READ<=2 by bob",
                "bob:read 2 unread 0");
        assertThat(keys(routing.pending())).containsExactly(StoreKeys.member(GROUP, ALICE));
        routing.driver.advanceWallClockTime(INTERVAL);
        assertThat(routing.readEntries()).extracting(kv -> kv.value.getItem())
                .containsExactly(counts(GROUP, 2, DeliveryStatus.READ, 2, 1));
        routing.assertNoMoreRecords();
    }

    @Test
    void shouldTellEachAuthorOfASmallGroupPerRecipient() {
        // Given: alice posts 2, bob 3, alice 4, carol 5 in a group of three
        start();
        routing.pipe(Commands.createGroup(GROUP, ALICE, BOB, CAROL));
        routing.pipe(Commands.send(GROUP, ALICE, "m2"));
        routing.pipe(Commands.send(GROUP, BOB, "m3"));
        routing.pipe(Commands.send(GROUP, ALICE, "m4"));
        routing.pipe(Commands.send(GROUP, CAROL, "m5"));
        routing.readEntries();

        // When: bob's devices ack up to 5, then carol reads up to 4
        routing.pipe(delivered(GROUP, BOB, "phone", 5, 5));
        routing.pipe(read(GROUP, CAROL, "phone", 4));

        // Then: one status per author and move, up to that author's highest covered message;
        // nobody gets a status for their own messages
        assertThat(routing.readEntries()).extracting(kv -> kv.key + ":" + describe(kv.value.getItem())).containsExactly(
                "alice:DELIVERED<=4 by bob",
                "carol:DELIVERED<=5 by bob",
                "carol:read 4 unread 1",
                "alice:READ<=4 by carol",
                "bob:READ<=3 by carol");
        assertThat(routing.position(GROUP, BOB)).isEqualTo(position(0, 5, 1));
        assertThat(routing.position(GROUP, CAROL)).isEqualTo(position(4, 4, 1));
        assertThat(routing.authors().get(StoreKeys.member(GROUP, ALICE))).isEqualTo(author(4, 2, 1));
        assertThat(routing.authors().get(StoreKeys.member(GROUP, BOB))).isEqualTo(author(3, 1, 1));
        assertThat(routing.authors().get(StoreKeys.member(GROUP, CAROL))).isEqualTo(author(5, 1, 0));
        assertThat(keys(routing.pending())).as("no counts to flush in a small group").isEmpty();
        routing.assertNoMoreRecords();
    }

    @Test
    void shouldNotReportMessagesFromBeforeAMemberJoined() {
        // Given: bob posts 2; carol joins at 3; alice posts 4
        start();
        routing.pipe(Commands.createGroup(GROUP, ALICE, BOB));
        routing.pipe(Commands.send(GROUP, BOB, "m2"));
        routing.pipe(Commands.add(GROUP, ALICE, CAROL));
        routing.pipe(Commands.send(GROUP, ALICE, "m4"));
        routing.readEntries();
        assertThat(routing.position(GROUP, CAROL)).isEqualTo(position(2, 2, 3));

        // When: carol reads everything, and (a buggy client) up to 1
        routing.pipe(read(GROUP, CAROL, "phone", 4));
        routing.pipe(read(GROUP, CAROL, "phone", 1));

        // Then: alice learns carol read 4; bob's message was never carol's, so bob hears nothing
        assertThat(routing.readEntries()).extracting(kv -> kv.key + ":" + describe(kv.value.getItem())).containsExactly(
                "carol:read 4 unread 0",
                "alice:READ<=4 by carol");
        assertThat(routing.authors().get(StoreKeys.member(GROUP, ALICE))).isEqualTo(author(4, 1, 1));
        assertThat(routing.authors().get(StoreKeys.member(GROUP, BOB))).isEqualTo(author(2, 0, 0));
        routing.assertNoMoreRecords();
    }

    @Test
    void shouldCoalesceCountsInALargeGroupWithTheWallClockPunctuator() {
        // Given: five members (above the per-recipient limit of 3, inbox-delivered); alice posts 2
        start();
        routing.pipe(Commands.createGroup(GROUP, ALICE, BOB, CAROL, DAVE, ERIN));
        routing.pipe(Commands.send(GROUP, ALICE, "m2"));
        routing.readEntries();

        // When: everyone else gets it, three read it, one of them twice
        routing.pipe(delivered(GROUP, ERIN, "phone", 2, 2));
        routing.pipe(read(GROUP, BOB, "phone", 2));
        routing.pipe(read(GROUP, CAROL, "phone", 2));
        routing.pipe(read(GROUP, DAVE, "phone", 2));
        routing.pipe(read(GROUP, DAVE, "laptop", 2));

        // Then: readers get their read positions at once, alice nothing until the interval passes
        assertThat(routing.readEntries()).extracting(kv -> kv.key + ":" + describe(kv.value.getItem())).containsExactly(
                "bob:read 2 unread 0", "carol:read 2 unread 0", "dave:read 2 unread 0");
        assertThat(keys(routing.pending())).containsExactly(StoreKeys.member(GROUP, ALICE));
        routing.driver.advanceWallClockTime(INTERVAL);
        List<InboxEntry> flushed = routing.readEntries().stream().map(kv -> kv.value).toList();
        assertThat(flushed).extracting(InboxEntry::getUserId).containsExactly(ALICE);
        assertThat(flushed.get(0).getItem()).isEqualTo(counts(GROUP, 2, DeliveryStatus.READ, 4, 3));
        assertThat(flushed.get(0).getCreatedAt()).isEqualTo(Commands.T0.plus(INTERVAL));
        assertThat(keys(routing.pending())).isEmpty();
        routing.driver.advanceWallClockTime(INTERVAL);
        assertThat(routing.entries.isEmpty()).as("nothing changed, nothing sent").isTrue();

        // When: erin reads, and bob leaves (his read no longer counts)
        routing.pipe(read(GROUP, ERIN, "phone", 2));
        routing.pipe(Commands.leave(GROUP, BOB));
        List<KeyValue<String, InboxEntry>> beforeFlush = routing.readEntries();
        routing.driver.advanceWallClockTime(INTERVAL);

        // Then: one coalesced status for both changes
        assertThat(beforeFlush).extracting(kv -> kv.key + ":" + describe(kv.value.getItem())).containsExactly(
                "erin:read 2 unread 0", "alice:event 3", "bob:event 3", "carol:event 3", "dave:event 3", "erin:event 3");
        assertThat(routing.readEntries()).extracting(kv -> kv.value.getItem())
                .containsExactly(counts(GROUP, 2, DeliveryStatus.READ, 3, 3));
        assertThat(routing.authors().get(StoreKeys.member(GROUP, ALICE))).isEqualTo(author(2, 3, 3));
        assertThat(routing.position(GROUP, BOB)).as("dropped with the membership").isNull();
        assertThat(keys(routing.pending())).isEmpty();
        routing.assertNoMoreRecords();
    }

    @Test
    void shouldReportCountsForReadDiffusedGroupsToo() {
        // Given: six members, above the broadcast threshold of 5: posts go to chat.broadcast
        start();
        routing.pipe(Commands.createGroup(GROUP, ALICE, BOB, CAROL, DAVE, ERIN, FRANK));
        routing.pipe(Commands.send(GROUP, ALICE, "m2"));
        routing.pipe(Commands.send(GROUP, BOB, "m3"));
        assertThat(routing.broadcast.readValuesToList()).extracting(BroadcastEntry::getSeq).containsExactly(1L, 2L, 3L);
        routing.readEntries();

        // When: frank reads 3 (covering alice's 2 and bob's 3), carol reads 2
        routing.pipe(read(GROUP, FRANK, "phone", 3));
        routing.pipe(read(GROUP, CAROL, "phone", 2));
        routing.driver.advanceWallClockTime(INTERVAL);

        // Then: read positions at once (inboxes carry them even for read-diffused groups), counts coalesced
        assertThat(routing.readEntries()).extracting(kv -> kv.key + ":" + describe(kv.value.getItem())).containsExactly(
                "frank:read 3 unread 0",
                "carol:read 2 unread 1",
                "alice:READ<=2 delivered 2 read 2",
                "bob:READ<=3 delivered 1 read 1");
        routing.assertNoMoreRecords();
    }

    @Test
    void shouldKeepUnreadExactUnderInterleavedSendsReadsDuplicatesAndRetries() {
        // Given: a direct chat; bob reads on his phone and his laptop
        start();
        routing.pipe(Commands.create(DM, ConversationKind.DIRECT, ALICE, BOB));
        routing.pipe(Commands.send(DM, ALICE, "m2"));
        routing.pipe(Commands.send(DM, ALICE, "m3"));
        routing.pipe(read(DM, BOB, "phone", 3));                 // move: 3, unread 0
        routing.pipe(Commands.send(DM, ALICE, "m4"));
        routing.pipe(Commands.send(DM, ALICE, "m3"));            // retried sends: no new event
        routing.pipe(Commands.send(DM, ALICE, "m4"));
        routing.pipe(read(DM, BOB, "laptop", 2));                // stale device
        routing.pipe(delivered(DM, BOB, "laptop", 4, 4));        // delivered move only
        routing.pipe(read(DM, BOB, "laptop", 4));                // move: 4, unread 0
        routing.pipe(read(DM, BOB, "phone", 4));                 // duplicate from the other device
        routing.pipe(Commands.send(DM, BOB, "m5"));
        routing.pipe(Commands.send(DM, ALICE, "m6"));
        routing.pipe(Commands.send(DM, ALICE, "m7"));
        routing.pipe(read(DM, BOB, "phone", 6));                 // move: 6, unread 1
        routing.pipe(read(DM, BOB, "laptop", 99));               // beyond the last seq: clamped to 7, unread 0
        routing.pipe(read(DM, BOB, "phone", 4));                 // replayed receipt
        routing.pipe(delivered(DM, BOB, "phone", 4, 4));         // replayed receipt
        routing.pipe(Commands.send(DM, ALICE, "m8"));            // unread becomes 1 (last_seq 8 - read 7)

        // Then: bob's read positions moved 3, 4, 6, 7 with exact unread; alice's retries answered to her alone
        List<KeyValue<String, InboxEntry>> all = routing.readEntries();
        List<InboxEntry> bobs = entriesOf(BOB, all);
        assertThat(bobs).extracting(e -> describe(e.getItem())).containsExactly(
                "event 1", "event 2", "event 3", "read 3 unread 0", "event 4", "read 4 unread 0",
                "event 5", "event 6", "event 7", "read 6 unread 1", "read 7 unread 0", "event 8");
        List<InboxEntry> alices = entriesOf(ALICE, all);
        assertThat(alices).extracting(e -> describe(e.getItem())).filteredOn(d -> !d.startsWith("event")).containsExactly(
                "READ<=3 by bob", "repeat 3", "repeat 4", "DELIVERED<=4 by bob", "READ<=4 by bob", "READ<=6 by bob", "READ<=7 by bob");
        assertThat(routing.position(DM, BOB)).isEqualTo(position(7, 7, 1));
        long lastReadSeq = bobs.stream().filter(e -> e.getItem() instanceof ReadPositionChanged)
                .mapToLong(e -> ((ReadPositionChanged) e.getItem()).getReadSeq()).max().orElseThrow();
        assertThat(routing.conversations().get(DM).getLastSeq() - lastReadSeq).as("unread as the conversation list computes it")
                .isEqualTo(1);
        routing.assertNoMoreRecords();
    }

    @Test
    void shouldIgnoreReceiptsFromNonMembersAndOfUnknownConversationsAndTellReadersTheirReadWasRefused() {
        // Given: bob leaves the group after alice's post
        start();
        routing.pipe(Commands.createGroup(GROUP, ALICE, BOB, CAROL));
        routing.pipe(Commands.send(GROUP, ALICE, "m2"));
        routing.pipe(read(GROUP, BOB, "phone", 2));
        routing.pipe(Commands.leave(GROUP, BOB));
        routing.readEntries();

        // When: a stranger, the leaver, and a conversation never created
        routing.pipe(read(GROUP, DAVE, "phone", 3));
        routing.pipe(delivered(GROUP, BOB, "phone", 9, 3));
        routing.pipe(read("g-unknown", ALICE, "phone", 1));

        // Then: no state, counted; the two readers learn their read was refused, the leaver's ack is dropped quietly
        assertThat(routing.readEntries()).extracting(kv -> kv.key + ":"
                        + ((CommandRejected) ((CommandResult) kv.value.getItem()).getOutcome()).getCode())
                .containsExactly(DAVE + ":not_a_member", ALICE + ":conversation_not_found");
        assertThat(routing.position(GROUP, DAVE)).isNull();
        assertThat(routing.position(GROUP, BOB)).isNull();
        assertThat(dropped(ReceiptProcessor.DROPPED_NOT_A_MEMBER)).isEqualTo(2.0);
        assertThat(dropped(ReceiptProcessor.DROPPED_UNKNOWN_CONVERSATION)).isEqualTo(1.0);
        assertThat(routing.authors().get(StoreKeys.member(GROUP, ALICE))).as("bob's read no longer counts").isEqualTo(author(2, 0, 0));
        routing.assertNoMoreRecords();
    }

    @Test
    void shouldSendPoisonReceiptsToTheErrorTopicAndContinue() {
        // Given
        start();
        routing.pipe(Commands.create(DM, ConversationKind.DIRECT, ALICE, BOB));
        routing.pipe(Commands.send(DM, ALICE, "m2"));
        routing.readEntries();
        byte[] garbage = "garbage".getBytes(StandardCharsets.UTF_8);

        // When: undecodable bytes, a receipt under another conversation's key, a negative seq, then a good one
        routing.rawReceipts.pipeInput(DM, garbage, routing.receiptTime());
        routing.receipts.pipeInput(GROUP, read(DM, BOB, "phone", 2), routing.receiptTime());
        routing.pipe(read(DM, BOB, "phone", -1));
        routing.pipe(read(DM, BOB, "phone", 2));

        // Then
        List<ProcessingError> failed = routing.errors.readValuesToList();
        assertThat(failed).extracting(ProcessingError::getSourceTopic).containsOnly(Topics.RECEIPTS);
        assertThat(failed).extracting(ProcessingError::getAppId).containsOnly(RoutingApp.APP_NAME);
        assertThat(failed).hasSize(3);
        assertThat(failed.get(0).getValue().array()).isEqualTo(garbage);
        assertThat(failed.get(0).getErrorMessage()).contains("magic byte");
        assertThat(failed.get(1).getErrorMessage()).contains("under key " + GROUP);
        assertThat(failed.get(2).getErrorMessage()).contains("must be >= 0");
        assertThat(routing.readEntries()).extracting(kv -> kv.key + ":" + describe(kv.value.getItem()))
                .containsExactly("bob:read 2 unread 0", "alice:READ<=2 by bob");
        routing.assertNoMoreRecords();
    }

    @Test
    void shouldForgetAuthorsOfMessagesOlderThanTheWindow() {
        // Given: a window of 3 seqs; bob posts 2, alice 3..6
        start(Map.of(RoutingFanoutConfig.RECEIPTS_WINDOW, "3"));
        routing.pipe(Commands.createGroup(GROUP, ALICE, BOB, CAROL));
        routing.pipe(Commands.send(GROUP, BOB, "m2"));
        sends(GROUP, ALICE, 3, 6);
        routing.readEntries();

        // When: carol reads everything
        routing.pipe(read(GROUP, CAROL, "phone", 6));

        // Then: bob's message left the window, so only alice hears about it; the stores hold 3 seqs
        assertThat(routing.readEntries()).extracting(kv -> kv.key + ":" + describe(kv.value.getItem()))
                .containsExactly("carol:read 6 unread 0", "alice:READ<=6 by carol");
        assertThat(keys(routing.window())).containsExactly(
                ReceiptLedger.windowKey(GROUP, 4), ReceiptLedger.windowKey(GROUP, 5), ReceiptLedger.windowKey(GROUP, 6));
        assertThat(keys(routing.authors())).containsExactly(StoreKeys.member(GROUP, ALICE));
        routing.assertNoMoreRecords();
    }

    // ---------------------------------------------------------------- helpers

    /** {@code senderId} sends messages m{from}..m{to}, which get seqs from..to in a conversation whose last seq is from - 1. */
    private void sends(String conversationId, String senderId, long from, long to) {
        for (long seq = from; seq <= to; seq++) {
            routing.pipe(Commands.send(conversationId, senderId, "m" + seq));
        }
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

    private double dropped(String reason) {
        for (Map.Entry<MetricName, ? extends Metric> e : routing.driver.metrics().entrySet()) {
            MetricName name = e.getKey();
            if (name.group().equals("stream-" + ReceiptProcessor.METRICS_SCOPE + "-metrics") && name.name().equals("dropped-total")
                    && reason.equals(name.tags().get(ReceiptProcessor.METRICS_SCOPE + "-id"))) {
                return (Double) e.getValue().metricValue();
            }
        }
        throw new AssertionError("no dropped-total metric for " + reason + " in " + routing.driver.metrics().keySet());
    }
}
