package dev.kchat.routing;

import static dev.kchat.routing.Commands.GROUP;
import static dev.kchat.routing.FanoutStageFixture.convSeqs;
import static dev.kchat.routing.FanoutStageFixture.describe;
import static dev.kchat.routing.FanoutStageFixture.keys;
import static org.assertj.core.api.Assertions.assertThat;

import dev.kchat.events.chat.BroadcastEntry;
import dev.kchat.events.chat.ChatCommand;
import dev.kchat.events.chat.CommandAccepted;
import dev.kchat.events.chat.CommandRejected;
import dev.kchat.events.chat.CommandResult;
import dev.kchat.events.chat.ConversationEvent;
import dev.kchat.events.chat.InboxEntry;
import dev.kchat.events.chat.MemberJoined;
import dev.kchat.events.chat.MemberLeft;
import dev.kchat.events.chat.SendMessage;
import dev.kchat.events.common.ConversationKind;
import dev.kchat.events.platform.ProcessingError;
import dev.kchat.routing.state.ConversationMeta;
import dev.kchat.schemas.Ids;
import dev.kchat.schemas.topic.Topics;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.streams.KeyValue;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Routing's fan-out stage under {@link org.apache.kafka.streams.TopologyTestDriver},
 * driven by commands (threshold 3 so the switch to broadcast is visible): the port of fanout's
 * {@code FanoutTopologyTest}, with the same recipients, broadcasts, counts and refusals, asserted on
 * {@code chat.inbox.unsequenced} (numbering is fanout's sequencer's, tested there) and
 * {@code chat.broadcast}; routing's {@code ConversationMeta} stands for fanout's {@code Roster}.
 * Seqs match fanout's: routing gives the creation 1 and each later event the next.
 */
class RoutingFanoutTopologyTest {

    private static final String ALICE = "alice";
    private static final String BOB = "bob";
    private static final String CAROL = "carol";
    private static final String DAVE = "dave";
    private static final int THRESHOLD = 3;

    @TempDir
    Path stateDir;

    private FanoutStageFixture routing;

    @BeforeEach
    void start() {
        routing = new FanoutStageFixture(stateDir, Map.of(RoutingFanoutConfig.BROADCAST_THRESHOLD, String.valueOf(THRESHOLD)));
    }

    @AfterEach
    void stop() {
        routing.close();
    }

    @Test
    void shouldDeliverEachEventToTheMembersAsOfItsSeq() {
        // When: alice and bob; alice posts; carol joins; alice posts; bob leaves; alice posts
        routing.pipe(Commands.createGroup(GROUP, ALICE, BOB));
        routing.pipe(Commands.send(GROUP, ALICE, "m2"));
        routing.pipe(Commands.add(GROUP, ALICE, CAROL));
        Instant joinedAt = routing.commandTime();
        routing.pipe(Commands.send(GROUP, ALICE, "m4"));
        routing.pipe(Commands.leave(GROUP, BOB));
        routing.pipe(Commands.send(GROUP, ALICE, "m6"));

        // Then: each user got exactly the events of their membership, in order
        Map<String, List<InboxEntry>> byUser = routing.readEntriesByUser();
        assertThat(convSeqs(byUser.get(ALICE))).containsExactly(1L, 2L, 3L, 4L, 5L, 6L);
        assertThat(convSeqs(byUser.get(BOB))).containsExactly(1L, 2L, 3L, 4L, 5L);
        assertThat(convSeqs(byUser.get(CAROL))).containsExactly(3L, 4L, 5L, 6L);
        InboxEntry carolJoined = byUser.get(CAROL).get(0);
        assertThat(event(carolJoined).getPayload()).isInstanceOf(MemberJoined.class);
        assertThat(carolJoined.getUserId()).isEqualTo(CAROL);
        assertThat(carolJoined.getConversationId()).isEqualTo(GROUP);
        assertThat(carolJoined.getCreatedAt()).isEqualTo(joinedAt);
        assertThat(event(byUser.get(BOB).get(4)).getPayload()).isEqualTo(MemberLeft.newBuilder().setUserId(BOB).setRemoved(false).build());
        assertThat(keys(routing.members())).containsExactly(GROUP + "|" + ALICE, GROUP + "|" + CAROL);
        assertThat(routing.members().get(GROUP + "|" + ALICE).getRole()).isEqualTo("OWNER");
        ConversationMeta meta = routing.conversations().get(GROUP);
        assertThat(meta.getKind()).isEqualTo("GROUP");
        assertThat(meta.getMemberCount()).isEqualTo(2);
        assertThat(meta.getLastSeq()).isEqualTo(6);
        routing.assertNoMoreRecords();
    }

    @Test
    void shouldGiveTheRecipientsInFanoutsOrderMembersByIdThenJoiners() {
        // When: a group of dave (its owner) and alice; bob joins; bob leaves
        routing.pipe(Commands.createGroup(GROUP, DAVE, ALICE));
        routing.pipe(Commands.add(GROUP, DAVE, BOB));
        routing.pipe(Commands.leave(GROUP, BOB));

        // Then: the creation in the event's order; the join to the members by id, then the joiner;
        // the leave to everyone by id, the leaver among them
        assertThat(routing.readEntries()).extracting(kv -> kv.key + ":" + describe(kv.value.getItem())).containsExactly(
                "dave:event 1", "alice:event 1",
                "alice:event 2", "dave:event 2", "bob:event 2",
                "alice:event 3", "bob:event 3", "dave:event 3");
        routing.assertNoMoreRecords();
    }

    @Test
    void shouldEchoASendersMessageToTheirOwnInboxForTheirOtherDevices() {
        // When
        String dm = Ids.directConversation(ALICE, BOB);
        routing.pipe(Commands.create(dm, ConversationKind.DIRECT, ALICE, BOB));
        routing.pipe(Commands.send(dm, ALICE, "m2"));

        // Then
        Map<String, List<InboxEntry>> byUser = routing.readEntriesByUser();
        assertThat(byUser.keySet()).containsExactlyInAnyOrder(ALICE, BOB);
        InboxEntry echo = byUser.get(ALICE).get(1);
        assertThat(event(echo).getActorId()).isEqualTo(ALICE);
        assertThat(echo.getConvSeq()).isEqualTo(2);
        routing.assertNoMoreRecords();
    }

    @Test
    void shouldPassEachUsersEntriesOnInTheOrderOfTheirConversationsEvents() {
        // When: alice is in two conversations whose events interleave
        routing.pipe(Commands.createGroup("g-one", ALICE, BOB));
        routing.pipe(Commands.createGroup("g-two", CAROL, ALICE));
        routing.pipe(Commands.send("g-one", BOB, "m2"));
        routing.pipe(Commands.send("g-two", CAROL, "m2"));
        routing.pipe(Commands.send("g-one", ALICE, "m3"));
        routing.pipe(Commands.send("g-two", ALICE, "m3"));

        // Then: in that order, for fanout's sequencer to number gap-free
        Map<String, List<InboxEntry>> byUser = routing.readEntriesByUser();
        assertThat(byUser.get(ALICE)).extracting(e -> e.getConversationId() + "#" + e.getConvSeq())
                .containsExactly("g-one#1", "g-two#1", "g-one#2", "g-two#2", "g-one#3", "g-two#3");
        assertThat(byUser.get(BOB)).hasSize(3);
        assertThat(byUser.get(CAROL)).hasSize(3);
        routing.assertNoMoreRecords();
    }

    @Test
    void shouldSwitchToBroadcastAboveTheThresholdAndStillTellAffectedUsers() {
        // Given: three members, at the threshold
        routing.pipe(Commands.createGroup(GROUP, ALICE, BOB, CAROL));
        routing.pipe(Commands.send(GROUP, ALICE, "m2"));
        assertThat(routing.readEntriesByUser().keySet()).containsExactlyInAnyOrder(ALICE, BOB, CAROL);

        // When: dave joins (4 > 3), alice posts, bob leaves, (3 again) alice posts
        ChatCommand addDave = Commands.add(GROUP, ALICE, DAVE);
        routing.pipe(addDave);
        ChatCommand post = Commands.send(GROUP, ALICE, "m4");
        routing.pipe(post);
        routing.pipe(Commands.leave(GROUP, BOB));
        routing.pipe(Commands.send(GROUP, ALICE, "m6"));

        // Then: the join, the post and the leave were broadcast; only dave and bob got inbox entries
        List<KeyValue<String, BroadcastEntry>> broadcasts = routing.broadcast.readKeyValuesToList();
        assertThat(broadcasts).extracting(kv -> kv.key).containsOnly(GROUP);
        assertThat(broadcasts).extracting(kv -> kv.value.getSeq()).containsExactly(3L, 4L, 5L);
        assertThat(broadcasts).extracting(kv -> kv.value.getMemberCount()).containsExactly(4, 4, 3);
        Map<String, List<InboxEntry>> byUser = routing.readEntriesByUser();
        assertThat(convSeqs(byUser.get(DAVE))).containsExactly(3L, 6L);
        assertThat(convSeqs(byUser.get(BOB))).containsExactly(5L);
        // alice's join and post were broadcast, so her inbox gets their acceptances instead
        List<InboxEntry> alices = byUser.get(ALICE);
        assertThat(alices).hasSize(3);
        assertAcceptance(alices.get(0), addDave, 3, "AddMembers");
        assertAcceptance(alices.get(1), post, 4, "SendMessage");
        assertThat(alices.get(2).getConvSeq()).isEqualTo(6L);
        assertThat(convSeqs(byUser.get(CAROL))).containsExactly(6L);
        assertThat(routing.conversations().get(GROUP).getMemberCount()).isEqualTo(3);
        routing.assertNoMoreRecords();
    }

    @Test
    void shouldPutAMentionInALargeGroupIntoTheMentionedMembersInbox() {
        // Given: a group above the threshold (4 > 3)
        routing.pipe(Commands.createGroup(GROUP, ALICE, BOB, CAROL, DAVE));
        routing.readEntries();
        routing.broadcast.readValuesToList();

        // When: alice mentions carol and a non-member
        ChatCommand send = Commands.send(GROUP, ALICE, "m2");
        ((SendMessage) send.getPayload()).setMentions(List.of(CAROL, "stranger"));
        routing.pipe(send);

        // Then: the message is broadcast, and carol alone also gets it in her inbox (alice, its acceptance)
        assertThat(routing.broadcast.readValuesToList()).extracting(BroadcastEntry::getSeq).containsExactly(2L);
        Map<String, List<InboxEntry>> byUser = routing.readEntriesByUser();
        assertThat(byUser.keySet()).containsExactlyInAnyOrder(CAROL, ALICE);
        assertAcceptance(single(byUser.get(ALICE)), send, 2, "SendMessage");
        assertThat(convSeqs(byUser.get(CAROL))).containsExactly(2L);
        routing.assertNoMoreRecords();
    }

    @Test
    void shouldAlwaysBroadcastChannelsButTellMembersTheyJoined() {
        // When
        routing.pipe(Commands.create("ch-news", ConversationKind.CHANNEL, ALICE, BOB));
        ChatCommand post = Commands.send("ch-news", ALICE, "m2");
        routing.pipe(post);

        // Then
        assertThat(routing.broadcast.readValuesToList()).extracting(BroadcastEntry::getSeq).containsExactly(1L, 2L);
        Map<String, List<InboxEntry>> byUser = routing.readEntriesByUser();
        assertThat(convSeqs(byUser.get(ALICE))).containsExactly(1L, null);
        assertAcceptance(byUser.get(ALICE).get(1), post, 2, "SendMessage");
        assertThat(convSeqs(byUser.get(BOB))).containsExactly(1L);
        assertThat(keys(routing.members())).containsExactly("ch-news|" + ALICE, "ch-news|" + BOB);
        routing.assertNoMoreRecords();
    }

    @Test
    void shouldPutRejectionsAndRepeatsIntoTheSendersInboxAndLetAcceptancesPass() {
        // Given: a small group, so an accepted command's event reaches its sender's inbox itself
        routing.pipe(Commands.createGroup(GROUP, ALICE, BOB));
        routing.readEntries();
        routing.drainDecisions();

        // When: bob's send is accepted, his removal of the owner (awaited on reply partition 2) refused,
        // his retried send repeated; the moderation job's redaction of a seq that does not exist refused
        routing.pipe(Commands.send(GROUP, BOB, "k-1"));
        ChatCommand refused = ChatCommand.newBuilder(Commands.remove(GROUP, BOB, ALICE)).setReplyPartition(2).build();
        routing.pipe(refused);
        routing.pipe(Commands.send(GROUP, BOB, "k-1"));
        routing.actions.pipeInput(BOB, Commands.redact(BOB, GROUP, 99), routing.commandTime());

        // Then: the accepted send reached both inboxes as its event; bob's also has the refusal and the repeat
        List<KeyValue<String, InboxEntry>> out = routing.readEntries();
        assertThat(out).extracting(kv -> kv.key + ":" + describe(kv.value.getItem())).containsExactly(
                "alice:event 2", "bob:event 2", "bob:refused forbidden", "bob:repeat 2");
        List<InboxEntry> outcomes = FanoutStageFixture.entriesOf(BOB, out).subList(1, 3);
        assertThat(outcomes).extracting(InboxEntry::getConvSeq).containsOnlyNulls();
        CommandResult rejected = (CommandResult) outcomes.get(0).getItem();
        assertThat(rejected.getCommandId()).isEqualTo(refused.getCommandId());
        assertThat(((CommandRejected) rejected.getOutcome()).getCode()).isEqualTo("forbidden");
        assertThat(rejected.getReplyPartition()).as("the door's business only").isNull();
        assertThat(((CommandAccepted) ((CommandResult) outcomes.get(1).getItem()).getOutcome()).getDuplicate()).isTrue();
        assertThat(routing.results.readValuesToList()).extracting(r -> r.getSenderId() + ":" + describe(r))
                .as("the results pass on unchanged").containsExactly(
                        "bob:accepted 2", "bob:refused forbidden", "bob:repeat 2", "system:flink-moderation:refused target_not_found");
        routing.assertNoMoreRecords();
    }

    @Test
    void shouldAnswerAReadByANonMemberOrInAnUnknownConversationWithARefusalButDropTheirDeliveries() {
        // Given
        routing.pipe(Commands.createGroup(GROUP, ALICE, BOB));
        routing.readEntries();

        // When: carol, no member, reads and acknowledges; dave reads a conversation nobody made
        routing.pipe(FanoutStageFixture.read(GROUP, CAROL, "laptop", 1));
        routing.pipe(FanoutStageFixture.delivered(GROUP, CAROL, "laptop", 4, 1));
        routing.pipe(FanoutStageFixture.read("g-none", DAVE, "phone", 3));

        // Then
        Map<String, List<InboxEntry>> byUser = routing.readEntriesByUser();
        CommandResult carols = (CommandResult) single(byUser.get(CAROL)).getItem();
        assertThat(carols.getCommandType()).isEqualTo("ReadUpTo");
        assertThat(carols.getSenderDeviceId()).isEqualTo("laptop");
        assertThat(((CommandRejected) carols.getOutcome()).getCode()).isEqualTo("not_a_member");
        CommandResult daves = (CommandResult) single(byUser.get(DAVE)).getItem();
        assertThat(((CommandRejected) daves.getOutcome()).getCode()).isEqualTo("conversation_not_found");
        assertThat(byUser).containsOnlyKeys(CAROL, DAVE);
        routing.assertNoMoreRecords();
    }

    @Test
    void shouldFanOutARetriedSendOnceAndAnswerTheRetryToItsSender() {
        // When: bob's send arrives twice (a client retry), then he sends another
        routing.pipe(Commands.createGroup(GROUP, ALICE, BOB));
        routing.pipe(Commands.send(GROUP, BOB, "k-1"));
        routing.pipe(Commands.send(GROUP, BOB, "k-1"));
        routing.pipe(Commands.send(GROUP, BOB, "k-2"));

        // Then: each event once per member (routing's dedupe is the replay guard), the retry answered to bob
        Map<String, List<InboxEntry>> byUser = routing.readEntriesByUser();
        assertThat(convSeqs(byUser.get(ALICE))).containsExactly(1L, 2L, 3L);
        assertThat(byUser.get(BOB)).extracting(e -> describe(e.getItem())).containsExactly("event 1", "event 2", "repeat 2", "event 3");
        assertThat(routing.conversations().get(GROUP).getLastSeq()).isEqualTo(3);
        routing.assertNoMoreRecords();
    }

    @Test
    void shouldSendPoisonRecordsToTheErrorTopicAndContinue() {
        // Given
        routing.pipe(Commands.createGroup(GROUP, ALICE, BOB));
        routing.readEntries();
        byte[] garbage = "garbage".getBytes(StandardCharsets.UTF_8);

        // When: undecodable bytes, a send to a conversation never created, then a good send
        routing.rawCommands.pipeInput(GROUP, garbage, routing.commandTime());
        routing.pipe(Commands.send("g-unknown", ALICE, "m1"));
        routing.pipe(Commands.send(GROUP, ALICE, "m2"));

        // Then: the bytes to the error topic; the unknown conversation refused to alice; the good send fanned out
        List<ProcessingError> failed = routing.errors.readValuesToList();
        assertThat(failed).hasSize(1);
        assertThat(failed.get(0).getAppId()).isEqualTo(RoutingApp.APP_NAME);
        assertThat(failed.get(0).getSourceTopic()).isEqualTo(Topics.COMMANDS);
        assertThat(failed.get(0).getValue().array()).isEqualTo(garbage);
        assertThat(routing.readEntries()).extracting(kv -> kv.key + ":" + describe(kv.value.getItem())).containsExactly(
                "alice:refused conversation_not_found", "alice:event 2", "bob:event 2");
        assertThat(routing.conversations().get("g-unknown")).isNull();
        routing.assertNoMoreRecords();
    }

    @Test
    void shouldFanOutIdenticallyWhenTheSameCommandsAreReplayed(@TempDir Path otherStateDir) {
        // Given: one history, with a broadcast, a refusal and receipts
        List<ChatCommand> history = List.of(Commands.createGroup(GROUP, ALICE, BOB, CAROL), Commands.send(GROUP, ALICE, "m2"),
                Commands.add(GROUP, ALICE, DAVE), Commands.send(GROUP, BOB, "m4"), Commands.remove(GROUP, BOB, ALICE),
                Commands.leave(GROUP, CAROL), Commands.send(GROUP, ALICE, "m6"));

        // When: two instances with empty state each decide it
        List<String> first = fanOut(routing, history);
        try (FanoutStageFixture other = new FanoutStageFixture(otherStateDir,
                Map.of(RoutingFanoutConfig.BROADCAST_THRESHOLD, String.valueOf(THRESHOLD)))) {
            List<String> second = fanOut(other, history);

            // Then: the same entries and broadcasts, byte for byte
            assertThat(second).isEqualTo(first).hasSizeGreaterThan(10);
        }
    }

    private static List<String> fanOut(FanoutStageFixture instance, List<ChatCommand> history) {
        history.forEach(instance::pipe);
        instance.pipe(FanoutStageFixture.read(GROUP, BOB, "phone", 2));
        List<String> out = new ArrayList<>();
        instance.readEntries().forEach(kv -> out.add(kv.key + "=" + kv.value));
        instance.broadcast.readKeyValuesToList().forEach(kv -> out.add(kv.key + "=" + kv.value));
        return out;
    }

    // ---------------------------------------------------------------- helpers

    private static <T> T single(List<T> items) {
        assertThat(items).hasSize(1);
        return items.get(0);
    }

    /** An outcome entry: the acceptance of {@code command}, which made the event at {@code seq}. */
    private static void assertAcceptance(InboxEntry entry, ChatCommand command, long seq, String commandType) {
        assertThat(entry.getConvSeq()).as("outcome entries carry no conversation seq").isNull();
        CommandResult result = (CommandResult) entry.getItem();
        assertThat(result.getCommandType()).isEqualTo(commandType);
        assertThat(result.getCommandId()).isEqualTo(command.getCommandId());
        assertThat(((CommandAccepted) result.getOutcome()).getSeq()).isEqualTo(seq);
        assertThat(result.getSenderDeviceId()).isEqualTo("phone");
    }

    private static ConversationEvent event(InboxEntry entry) {
        return (ConversationEvent) entry.getItem();
    }
}
