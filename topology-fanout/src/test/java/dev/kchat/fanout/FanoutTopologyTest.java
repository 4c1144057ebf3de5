package dev.kchat.fanout;

import dev.kchat.streams.ErrorTopicHandler;

import static dev.kchat.fanout.Events.created;
import static dev.kchat.fanout.Events.joined;
import static dev.kchat.fanout.Events.left;
import static dev.kchat.fanout.Events.posted;
import static org.assertj.core.api.Assertions.assertThat;

import dev.kchat.events.chat.BroadcastEntry;
import dev.kchat.events.chat.CommandAccepted;
import dev.kchat.events.chat.CommandRejected;
import dev.kchat.events.chat.CommandResult;
import dev.kchat.events.chat.MessagePosted;
import dev.kchat.events.chat.ConversationEvent;
import dev.kchat.events.chat.InboxEntry;
import dev.kchat.events.chat.MemberJoined;
import dev.kchat.events.chat.MemberLeft;
import dev.kchat.events.chat.Receipt;
import dev.kchat.events.common.ConversationKind;
import dev.kchat.events.platform.ProcessingError;
import dev.kchat.fanout.state.Roster;
import dev.kchat.schemas.registry.InMemorySchemaRegistry;
import dev.kchat.schemas.topic.Topics;
import dev.kchat.service.Settings;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The fan-out topology under {@link TopologyTestDriver}, built by the same
 * {@link FanoutApp#buildTopology} (threshold 3 so the switch to broadcast is visible): asserts the
 * inbox, the broadcast and error topics and the stores, and ends with nothing left unread.
 */
class FanoutTopologyTest {

    private static final String ALICE = "alice";
    private static final String BOB = "bob";
    private static final String CAROL = "carol";
    private static final String DAVE = "dave";
    private static final String GROUP = "g-team";
    private static final int THRESHOLD = 3;

    @TempDir
    Path stateDir;

    private TopologyTestDriver driver;
    private TestInputTopic<String, ConversationEvent> log;
    private TestInputTopic<String, byte[]> rawLog;
    private TestInputTopic<String, CommandResult> results;
    private TestInputTopic<String, Receipt> receipts;
    private TestOutputTopic<String, InboxEntry> inbox;
    private TestInputTopic<String, InboxEntry> repartition;
    private TestOutputTopic<String, BroadcastEntry> broadcast;
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
        FanoutConfig config = FanoutConfig.from(Settings.of(Map.of(
                FanoutConfig.KEYS.applicationId(), "fanout-test",
                FanoutConfig.KEYS.stateDir(), stateDir.toString(),
                FanoutConfig.KEYS.processingGuarantee(), guarantee,
                FanoutConfig.BROADCAST_THRESHOLD, String.valueOf(THRESHOLD))));
        Properties props = ErrorTopicHandler.bind(FanoutApp.streamsConfig(config), topics);
        driver = new TopologyTestDriver(FanoutApp.buildTopology(config, topics), props, Events.T0);
        log = driver.createInputTopic(Topics.CONVERSATION_LOG, topics.conversationLog().keySerde().serializer(),
                topics.conversationLog().valueSerde().serializer());
        rawLog = driver.createInputTopic(Topics.CONVERSATION_LOG, new StringSerializer(), new ByteArraySerializer());
        results = driver.createInputTopic(Topics.COMMAND_RESULTS, topics.commandResults().keySerde().serializer(),
                topics.commandResults().valueSerde().serializer());
        receipts = driver.createInputTopic(Topics.RECEIPTS, topics.receipts().keySerde().serializer(), topics.receipts().valueSerde().serializer());
        repartition = driver.createInputTopic("fanout-test-" + FanoutApp.BY_USER_REPARTITION + "-repartition",
                topics.inbox().keySerde().serializer(), topics.inbox().valueSerde().serializer());
        inbox = driver.createOutputTopic(Topics.INBOX, topics.inbox().keySerde().deserializer(), topics.inbox().valueSerde().deserializer());
        broadcast = driver.createOutputTopic(Topics.BROADCAST, topics.broadcast().keySerde().deserializer(),
                topics.broadcast().valueSerde().deserializer());
        errors = driver.createOutputTopic(Topics.ERRORS, topics.errors().keySerde().deserializer(), topics.errors().valueSerde().deserializer());
    }

    @AfterEach
    void stop() {
        driver.close();
    }

    @Test
    void shouldDeliverEachEventToTheMembersAsOfItsSeq() {
        // Given: at-least-once, where the sequencer also keeps delivered positions (asserted below)
        start("at_least_once");

        // When: alice and bob; alice posts; carol joins; alice posts; bob leaves; alice posts
        pipe(created(GROUP, ConversationKind.GROUP, ALICE, BOB));
        pipe(posted(GROUP, 2, ALICE));
        pipe(joined(GROUP, 3, ALICE, CAROL));
        pipe(posted(GROUP, 4, ALICE));
        pipe(left(GROUP, 5, BOB));
        pipe(posted(GROUP, 6, ALICE));

        // Then: each user got exactly the events of their membership, in order, gap-free
        Map<String, List<InboxEntry>> byUser = readInboxes();
        assertThat(convSeqs(byUser.get(ALICE))).containsExactly(1L, 2L, 3L, 4L, 5L, 6L);
        assertThat(convSeqs(byUser.get(BOB))).containsExactly(1L, 2L, 3L, 4L, 5L);
        assertThat(convSeqs(byUser.get(CAROL))).containsExactly(3L, 4L, 5L, 6L);
        byUser.values().forEach(FanoutTopologyTest::assertGapFree);
        InboxEntry carolJoined = byUser.get(CAROL).get(0);
        assertThat(event(carolJoined).getPayload()).isInstanceOf(MemberJoined.class);
        assertThat(carolJoined.getUserId()).isEqualTo(CAROL);
        assertThat(carolJoined.getConversationId()).isEqualTo(GROUP);
        assertThat(carolJoined.getCreatedAt()).isEqualTo(Events.T0.plusSeconds(3));
        assertThat(event(byUser.get(BOB).get(4)).getPayload()).isEqualTo(MemberLeft.newBuilder().setUserId(BOB).setRemoved(false).build());
        assertThat(keys(members())).containsExactly(GROUP + "|" + ALICE, GROUP + "|" + CAROL);
        assertThat(members().get(GROUP + "|" + ALICE)).isEqualTo("OWNER");
        assertThat(rosters().get(GROUP)).isEqualTo(Roster.newBuilder().setKind("GROUP").setMemberCount(2).setLastSeq(6).build());
        assertThat(inboxSeqs().get(ALICE)).isEqualTo(6L);
        assertThat(inboxSeqs().get(BOB)).isEqualTo(5L);
        assertThat(positions().get(BOB + "|" + GROUP)).as("position dropped when bob left").isNull();
        assertThat(positions().get(CAROL + "|" + GROUP)).isEqualTo(6L);
        assertNoMoreRecords();
    }

    @Test
    void shouldEchoASendersMessageToTheirOwnInboxForTheirOtherDevices() {
        // When
        pipe(created("dm:alice:bob", ConversationKind.DIRECT, ALICE, BOB));
        pipe(posted("dm:alice:bob", 2, ALICE));

        // Then
        Map<String, List<InboxEntry>> byUser = readInboxes();
        assertThat(byUser.keySet()).containsExactlyInAnyOrder(ALICE, BOB);
        InboxEntry echo = byUser.get(ALICE).get(1);
        assertThat(event(echo).getActorId()).isEqualTo(ALICE);
        assertThat(echo.getInboxSeq()).isEqualTo(2);
        assertNoMoreRecords();
    }

    @Test
    void shouldNumberEachInboxGapFreeAcrossConversations() {
        // Given: at-least-once, where the sequencer also keeps delivered positions (asserted below)
        start("at_least_once");

        // When: alice is in two conversations whose events interleave
        pipe(created("g-one", ConversationKind.GROUP, ALICE, BOB));
        pipe(created("g-two", ConversationKind.GROUP, CAROL, ALICE));
        pipe(posted("g-one", 2, BOB));
        pipe(posted("g-two", 2, CAROL));
        pipe(posted("g-one", 3, ALICE));
        pipe(posted("g-two", 3, ALICE));

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
    void shouldSwitchToBroadcastAboveTheThresholdAndStillTellAffectedUsers() {
        // Given: three members, at the threshold
        pipe(created(GROUP, ConversationKind.GROUP, ALICE, BOB, CAROL));
        pipe(posted(GROUP, 2, ALICE));
        assertThat(readInboxes().keySet()).containsExactlyInAnyOrder(ALICE, BOB, CAROL);

        // When: dave joins (4 > 3), alice posts, bob leaves, (3 again) alice posts
        pipe(joined(GROUP, 3, ALICE, DAVE));
        pipe(posted(GROUP, 4, ALICE));
        pipe(left(GROUP, 5, BOB));
        pipe(posted(GROUP, 6, ALICE));

        // Then: the join, the post and the leave were broadcast; only dave and bob got inbox entries
        List<KeyValue<String, BroadcastEntry>> broadcasts = broadcast.readKeyValuesToList();
        assertThat(broadcasts).extracting(kv -> kv.key).containsOnly(GROUP);
        assertThat(broadcasts).extracting(kv -> kv.value.getSeq()).containsExactly(3L, 4L, 5L);
        assertThat(broadcasts).extracting(kv -> kv.value.getMemberCount()).containsExactly(4, 4, 3);
        Map<String, List<InboxEntry>> byUser = readInboxes();
        assertThat(convSeqs(byUser.get(DAVE))).containsExactly(3L, 6L);
        assertThat(convSeqs(byUser.get(BOB))).containsExactly(5L);
        // alice's join and post were broadcast, so her inbox gets their acceptances instead
        List<InboxEntry> alices = byUser.get(ALICE);
        assertThat(alices).hasSize(3);
        assertAcceptance(alices.get(0), 3, "AddMembers");
        assertAcceptance(alices.get(1), 4, "SendMessage");
        assertThat(alices.get(2).getConvSeq()).isEqualTo(6L);
        assertGapFree(alices);
        assertThat(convSeqs(byUser.get(CAROL))).containsExactly(6L);
        assertThat(byUser.get(BOB).get(0).getInboxSeq()).as("bob's inbox continues gap-free").isEqualTo(3);
        assertThat(rosters().get(GROUP).getMemberCount()).isEqualTo(3);
        assertNoMoreRecords();
    }

    @Test
    void shouldPutAMentionInALargeGroupIntoTheMentionedMembersInbox() {
        // Given: a group above the threshold (4 > 3)
        pipe(created(GROUP, ConversationKind.GROUP, ALICE, BOB, CAROL, DAVE));
        readInboxes();
        broadcast.readValuesToList();

        // When: alice mentions carol and a non-member
        ConversationEvent mention = posted(GROUP, 2, ALICE);
        ((MessagePosted) mention.getPayload()).setMentions(List.of(CAROL, "stranger"));
        pipe(mention);

        // Then: the message is broadcast, and carol alone also gets it in her inbox (alice, its
        // acceptance)
        assertThat(broadcast.readValuesToList()).extracting(BroadcastEntry::getSeq).containsExactly(2L);
        Map<String, List<InboxEntry>> byUser = readInboxes();
        assertThat(byUser.keySet()).containsExactlyInAnyOrder(CAROL, ALICE);
        assertAcceptance(single(byUser.get(ALICE)), 2, "SendMessage");
        assertThat(convSeqs(byUser.get(CAROL))).containsExactly(2L);
        assertThat(byUser.get(CAROL).get(0).getInboxSeq()).as("carol's inbox continues gap-free").isEqualTo(2);
        assertNoMoreRecords();
    }

    @Test
    void shouldAlwaysBroadcastChannelsButTellMembersTheyJoined() {
        // When
        pipe(created("ch-news", ConversationKind.CHANNEL, ALICE, BOB));
        pipe(posted("ch-news", 2, ALICE));

        // Then
        assertThat(broadcast.readValuesToList()).extracting(BroadcastEntry::getSeq).containsExactly(1L, 2L);
        Map<String, List<InboxEntry>> byUser = readInboxes();
        assertThat(convSeqs(byUser.get(ALICE))).containsExactly(1L, null);
        assertAcceptance(byUser.get(ALICE).get(1), 2, "SendMessage");
        assertThat(convSeqs(byUser.get(BOB))).containsExactly(1L);
        assertThat(keys(members())).containsExactly("ch-news|" + ALICE, "ch-news|" + BOB);
        assertNoMoreRecords();
    }

    @Test
    void shouldPutRejectionsAndRepeatsIntoTheSendersInboxAndLetAcceptancesPass() {
        // Given: a small group, so an accepted command's event reaches its sender's inbox itself
        pipe(created(GROUP, ConversationKind.GROUP, ALICE, BOB));
        readInboxes();

        // When: routing accepted one command, rejected one and answered a retried send
        pipeResult(Events.accepted(GROUP, BOB, "k-1", 2, false));
        pipeResult(Events.rejected(GROUP, BOB, "r-7", "forbidden"));
        pipeResult(Events.accepted(GROUP, BOB, "k-1", 2, true));
        pipeResult(CommandResult.newBuilder(Events.rejected(GROUP, "system:moderation", null, "forbidden")).build());

        // Then: bob's inbox has the rejection and the repeat, numbered after his earlier entry
        List<InboxEntry> bobs = readInboxes().get(BOB);
        assertThat(bobs).hasSize(2);
        assertThat(bobs).extracting(InboxEntry::getInboxSeq).containsExactly(2L, 3L);
        assertThat(bobs).extracting(InboxEntry::getConvSeq).containsOnlyNulls();
        CommandResult rejected = (CommandResult) bobs.get(0).getItem();
        assertThat(rejected.getRequestId()).isEqualTo("r-7");
        assertThat(((CommandRejected) rejected.getOutcome()).getCode()).isEqualTo("forbidden");
        assertThat(rejected.getReplyPartition()).as("the door's business only").isNull();
        assertThat(((CommandAccepted) ((CommandResult) bobs.get(1).getItem()).getOutcome()).getDuplicate()).isTrue();
        assertNoMoreRecords();
    }

    @Test
    void shouldAnswerAReadByANonMemberOrInAnUnknownConversationWithARefusalButDropTheirDeliveries() {
        // Given
        pipe(created(GROUP, ConversationKind.GROUP, ALICE, BOB));
        readInboxes();

        // When: carol, no member, reads and acknowledges; dave reads a conversation nobody made
        pipeReceipt(Events.read(GROUP, CAROL, "laptop", 1));
        pipeReceipt(Events.delivered(GROUP, CAROL, "laptop", 4, 1));
        pipeReceipt(Events.read("g-none", DAVE, "phone", 3));

        // Then
        Map<String, List<InboxEntry>> byUser = readInboxes();
        CommandResult carols = (CommandResult) single(byUser.get(CAROL)).getItem();
        assertThat(carols.getCommandType()).isEqualTo("ReadUpTo");
        assertThat(carols.getSenderDeviceId()).isEqualTo("laptop");
        assertThat(((CommandRejected) carols.getOutcome()).getCode()).isEqualTo("not_a_member");
        CommandResult daves = (CommandResult) single(byUser.get(DAVE)).getItem();
        assertThat(((CommandRejected) daves.getOutcome()).getCode()).isEqualTo("conversation_not_found");
        assertThat(byUser).containsOnlyKeys(CAROL, DAVE);
        assertNoMoreRecords();
    }

    @Test
    void shouldNumberWithoutDeliveredPositionsUnderExactlyOnce() {
        // When: the same history under the default guarantee
        pipe(created(GROUP, ConversationKind.GROUP, ALICE, BOB));
        pipe(posted(GROUP, 2, ALICE));
        pipe(joined(GROUP, 3, ALICE, CAROL));
        pipe(left(GROUP, 4, BOB));

        // Then: the same gap-free inboxes, and no position written (no changelog record per recipient)
        Map<String, List<InboxEntry>> byUser = readInboxes();
        assertThat(convSeqs(byUser.get(ALICE))).containsExactly(1L, 2L, 3L, 4L);
        assertThat(convSeqs(byUser.get(BOB))).containsExactly(1L, 2L, 3L, 4L);
        assertThat(convSeqs(byUser.get(CAROL))).containsExactly(3L, 4L);
        byUser.values().forEach(FanoutTopologyTest::assertGapFree);
        assertThat(keys(positions())).isEmpty();
        assertNoMoreRecords();
    }

    @Test
    void shouldGiveAReplayedEntryNoSecondInboxSeqUnderAtLeastOnce() {
        // Given: at-least-once; the per-user stage has delivered alice's message
        start("at_least_once");
        pipe(created(GROUP, ConversationKind.GROUP, ALICE, BOB));
        pipe(posted(GROUP, 2, ALICE));
        List<InboxEntry> first = readInboxes().get(BOB);

        // When: the repartition topic carries bob's entry for seq 2 again (a crash before the offset commit)
        repartition.pipeInput(BOB, InboxEntry.newBuilder(first.get(1)).setInboxSeq(0).build());
        pipe(posted(GROUP, 3, BOB));

        // Then: the replay got no inbox seq; the next entry follows without a gap
        List<InboxEntry> bob = readInboxes().get(BOB);
        assertThat(bob).extracting(InboxEntry::getConvSeq).containsExactly(3L);
        assertThat(bob.get(0).getInboxSeq()).isEqualTo(3);
        assertThat(positions().get(BOB + "|" + GROUP)).isEqualTo(3L);
    }

    @Test
    void shouldSkipReplayedLogEvents() {
        // When: the log carries seq 2 twice (e.g. written under at-least-once)
        pipe(created(GROUP, ConversationKind.GROUP, ALICE, BOB));
        pipe(posted(GROUP, 2, ALICE));
        pipe(posted(GROUP, 2, ALICE));
        pipe(posted(GROUP, 3, BOB));

        // Then
        Map<String, List<InboxEntry>> byUser = readInboxes();
        assertThat(convSeqs(byUser.get(ALICE))).containsExactly(1L, 2L, 3L);
        assertThat(convSeqs(byUser.get(BOB))).containsExactly(1L, 2L, 3L);
        byUser.values().forEach(FanoutTopologyTest::assertGapFree);
        assertThat(rosters().get(GROUP).getLastSeq()).isEqualTo(3);
        assertNoMoreRecords();
    }

    @Test
    void shouldSendPoisonRecordsToTheErrorTopicAndContinue() {
        // Given
        pipe(created(GROUP, ConversationKind.GROUP, ALICE, BOB));
        readInboxes();
        byte[] garbage = "garbage".getBytes(StandardCharsets.UTF_8);

        // When: undecodable bytes, an event of a conversation never created, then a good event
        rawLog.pipeInput(GROUP, garbage, Events.T0);
        pipe(posted("g-unknown", 2, ALICE));
        pipe(posted(GROUP, 2, ALICE));

        // Then
        List<ProcessingError> failed = errors.readValuesToList();
        assertThat(failed).hasSize(2);
        assertThat(failed.get(0).getAppId()).isEqualTo(FanoutApp.APP_NAME);
        assertThat(failed.get(0).getSourceTopic()).isEqualTo(Topics.CONVERSATION_LOG);
        assertThat(failed.get(0).getValue().array()).isEqualTo(garbage);
        assertThat(failed.get(0).getErrorMessage()).contains("magic byte");
        assertThat(failed.get(1).getErrorClass()).isEqualTo(IllegalStateException.class.getName());
        assertThat(failed.get(1).getErrorMessage()).contains("g-unknown");
        assertThat(convSeqs(readInboxes().get(ALICE))).containsExactly(2L);
        assertThat(rosters().get("g-unknown")).isNull();
        assertNoMoreRecords();
    }

    // ---------------------------------------------------------------- helpers

    private void pipe(ConversationEvent event) {
        log.pipeInput(event.getConversationId(), event, event.getOccurredAt());
    }

    private void pipeResult(CommandResult result) {
        results.pipeInput(result.getConversationId(), result, result.getDecidedAt());
    }

    private void pipeReceipt(Receipt receipt) {
        receipts.pipeInput(receipt.getConversationId(), receipt, receipt.getAt());
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
        long first = entries.get(0).getInboxSeq();
        for (int i = 0; i < entries.size(); i++) {
            assertThat(entries.get(i).getInboxSeq()).as("inbox_seq #%d of %s", i, entries.get(0).getUserId()).isEqualTo(first + i);
        }
    }

    private static List<Long> convSeqs(List<InboxEntry> entries) {
        List<Long> seqs = new ArrayList<>();
        entries.forEach(e -> seqs.add(e.getConvSeq()));
        return seqs;
    }

    private static <T> T single(List<T> items) {
        assertThat(items).hasSize(1);
        return items.get(0);
    }

    /** An outcome entry: the acceptance of the command that made the event at {@code seq}. */
    private static void assertAcceptance(InboxEntry entry, long seq, String commandType) {
        assertThat(entry.getConvSeq()).as("outcome entries carry no conversation seq").isNull();
        CommandResult result = (CommandResult) entry.getItem();
        assertThat(result.getCommandType()).isEqualTo(commandType);
        assertThat(result.getCommandId()).isEqualTo("cmd-" + entry.getConversationId() + "-" + seq);
        assertThat(((CommandAccepted) result.getOutcome()).getSeq()).isEqualTo(seq);
        assertThat(result.getSenderDeviceId()).isEqualTo("phone");
    }

    private static ConversationEvent event(InboxEntry entry) {
        return (ConversationEvent) entry.getItem();
    }

    private void assertNoMoreRecords() {
        assertThat(inbox.isEmpty()).as("no more inbox entries").isTrue();
        assertThat(broadcast.isEmpty()).as("no more broadcasts").isTrue();
        assertThat(errors.isEmpty()).as("no more errors").isTrue();
    }

    private KeyValueStore<String, Roster> rosters() {
        return driver.getKeyValueStore(FanoutApp.CONVERSATIONS_STORE);
    }

    private KeyValueStore<String, String> members() {
        return driver.getKeyValueStore(FanoutApp.MEMBERS_STORE);
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
