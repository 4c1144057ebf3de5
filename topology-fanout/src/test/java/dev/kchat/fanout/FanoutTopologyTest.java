package dev.kchat.fanout;

import dev.kchat.streams.ErrorTopicHandler;

import static dev.kchat.fanout.Events.created;
import static dev.kchat.fanout.Events.joined;
import static dev.kchat.fanout.Events.left;
import static dev.kchat.fanout.Events.posted;
import static org.assertj.core.api.Assertions.assertThat;

import dev.kchat.events.chat.BroadcastEntry;
import dev.kchat.events.chat.MessagePosted;
import dev.kchat.events.chat.ConversationEvent;
import dev.kchat.events.chat.InboxEntry;
import dev.kchat.events.chat.MemberJoined;
import dev.kchat.events.chat.MemberLeft;
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
    private TestOutputTopic<String, InboxEntry> inbox;
    private TestOutputTopic<String, BroadcastEntry> broadcast;
    private TestOutputTopic<String, ProcessingError> errors;

    @BeforeEach
    void start() {
        Topics topics = Topics.create(new InMemorySchemaRegistry());
        FanoutConfig config = FanoutConfig.from(Settings.of(Map.of(
                FanoutConfig.KEYS.applicationId(), "fanout-test",
                FanoutConfig.KEYS.stateDir(), stateDir.toString(),
                FanoutConfig.BROADCAST_THRESHOLD, String.valueOf(THRESHOLD))));
        Properties props = ErrorTopicHandler.bind(FanoutApp.streamsConfig(config), topics);
        driver = new TopologyTestDriver(FanoutApp.buildTopology(config, topics), props, Events.T0);
        log = driver.createInputTopic(Topics.CONVERSATION_LOG, topics.conversationLog().keySerde().serializer(),
                topics.conversationLog().valueSerde().serializer());
        rawLog = driver.createInputTopic(Topics.CONVERSATION_LOG, new StringSerializer(), new ByteArraySerializer());
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
        assertThat(convSeqs(byUser.get(ALICE))).containsExactly(6L);
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

        // Then: the message is broadcast, and carol alone also gets it in her inbox
        assertThat(broadcast.readValuesToList()).extracting(BroadcastEntry::getSeq).containsExactly(2L);
        Map<String, List<InboxEntry>> byUser = readInboxes();
        assertThat(byUser.keySet()).containsExactly(CAROL);
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
        assertThat(convSeqs(byUser.get(ALICE))).containsExactly(1L);
        assertThat(convSeqs(byUser.get(BOB))).containsExactly(1L);
        assertThat(keys(members())).containsExactly("ch-news|" + ALICE, "ch-news|" + BOB);
        assertNoMoreRecords();
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
        return entries.stream().map(InboxEntry::getConvSeq).toList();
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
