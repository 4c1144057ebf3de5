package dev.kchat.routing;

import dev.kchat.streams.ErrorTopicHandler;

import static dev.kchat.routing.Commands.GROUP;
import static dev.kchat.routing.Commands.T0;
import static org.assertj.core.api.Assertions.assertThat;

import dev.kchat.events.chat.ChatCommand;
import dev.kchat.events.chat.CommandAccepted;
import dev.kchat.events.chat.CommandRejected;
import dev.kchat.events.chat.CommandResult;
import dev.kchat.events.chat.ConversationCreated;
import dev.kchat.events.chat.ConversationEvent;
import dev.kchat.events.chat.MemberJoined;
import dev.kchat.events.chat.MemberLeft;
import dev.kchat.events.chat.MessageDeleted;
import dev.kchat.events.chat.MessageRedacted;
import dev.kchat.events.chat.MessagePosted;
import dev.kchat.events.chat.OwnershipTransferred;
import dev.kchat.events.common.ConversationKind;
import dev.kchat.events.common.Member;
import dev.kchat.events.common.MemberRole;
import dev.kchat.events.platform.ProcessingError;
import dev.kchat.routing.state.ConversationMeta;
import dev.kchat.routing.state.MemberState;
import dev.kchat.routing.state.MessageRef;
import dev.kchat.routing.state.SentMessage;
import dev.kchat.schemas.Ids;
import dev.kchat.schemas.registry.InMemorySchemaRegistry;
import dev.kchat.schemas.topic.Topics;
import dev.kchat.service.Settings;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
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
 * The routing topology under {@link TopologyTestDriver}, built by the same
 * {@link RoutingApp#buildTopology}: every test asserts the log, the results, the error topic and
 * the stores, and ends with nothing left unread.
 */
class RoutingTopologyTest {

    private static final String ALICE = "alice";
    private static final String BOB = "bob";
    private static final String CAROL = "carol";
    private static final String DAVE = "dave";

    @TempDir
    Path stateDir;

    private Topics topics;
    private TopologyTestDriver driver;
    private TestInputTopic<String, ChatCommand> commands;
    private TestInputTopic<String, byte[]> rawCommands;
    private TestOutputTopic<String, ConversationEvent> log;
    private TestOutputTopic<String, CommandResult> results;
    private TestOutputTopic<String, ProcessingError> errors;
    private TestInputTopic<String, dev.kchat.events.moderation.ModerationAction> actions;
    private TestOutputTopic<String, dev.kchat.events.moderation.UserMute> mutes;
    private Instant now = T0;

    @BeforeEach
    void start() {
        topics = Topics.create(new InMemorySchemaRegistry());
        driver = driver(topics, stateDir);
        commands = driver.createInputTopic(Topics.COMMANDS, topics.commands().keySerde().serializer(), topics.commands().valueSerde().serializer());
        rawCommands = driver.createInputTopic(Topics.COMMANDS, new StringSerializer(), new ByteArraySerializer());
        log = driver.createOutputTopic(Topics.CONVERSATION_LOG, topics.conversationLog().keySerde().deserializer(),
                topics.conversationLog().valueSerde().deserializer());
        results = driver.createOutputTopic(Topics.COMMAND_RESULTS, topics.commandResults().keySerde().deserializer(),
                topics.commandResults().valueSerde().deserializer());
        actions = driver.createInputTopic(Topics.MODERATION_ACTIONS, topics.moderationActions().keySerde().serializer(),
                topics.moderationActions().valueSerde().serializer());
        mutes = driver.createOutputTopic(Topics.MODERATION_MUTES, topics.moderationMutes().keySerde().deserializer(),
                topics.moderationMutes().valueSerde().deserializer());
        errors = driver.createOutputTopic(Topics.ERRORS, topics.errors().keySerde().deserializer(), topics.errors().valueSerde().deserializer());
    }

    @AfterEach
    void stop() {
        driver.close();
    }

    static RoutingConfig config(Path stateDir) {
        return RoutingConfig.from(Settings.of(Map.of(
                RoutingConfig.KEYS.applicationId(), "routing-test",
                RoutingConfig.KEYS.stateDir(), stateDir.toString())));
    }

    static TopologyTestDriver driver(Topics topics, Path stateDir) {
        RoutingConfig config = config(stateDir);
        Properties props = ErrorTopicHandler.bind(RoutingApp.streamsConfig(config), topics);
        return new TopologyTestDriver(RoutingApp.buildTopology(config, topics), props, T0);
    }

    // ---------------------------------------------------------------- creation

    @Test
    void shouldCreateGroupWithSenderAsOwnerAtSeqOne() {
        // When
        pipe(Commands.createGroup(GROUP, ALICE, BOB, CAROL, BOB));

        // Then
        ConversationEvent created = single(log.readValuesToList());
        assertThat(created.getSeq()).isEqualTo(1);
        assertThat(created.getOccurredAt()).isEqualTo(T0);
        assertThat(((ConversationCreated) created.getPayload()).getMembers()).containsExactly(
                member(ALICE, MemberRole.OWNER), member(BOB, MemberRole.MEMBER), member(CAROL, MemberRole.MEMBER));
        assertAccepted(results.readValue(), 1, false);
        ConversationMeta meta = conversations().get(GROUP);
        assertThat(meta.getLastSeq()).isEqualTo(1);
        assertThat(meta.getMemberCount()).isEqualTo(3);
        assertThat(meta.getOwnerId()).isEqualTo(ALICE);
        assertThat(members().get(GROUP + "|" + ALICE).getRole()).isEqualTo("OWNER");
        assertThat(members().get(GROUP + "|" + BOB)).isEqualTo(MemberState.newBuilder().setRole("MEMBER").setJoinedSeq(1).build());
        assertNoMoreRecords();
    }

    @Test
    void shouldRejectCreatingAConversationThatExists() {
        // Given
        pipe(Commands.createGroup(GROUP, ALICE, BOB));
        drain();

        // When
        pipe(Commands.createGroup(GROUP, CAROL, DAVE));

        // Then
        assertRejected(results.readValue(), CommandRules.CONVERSATION_EXISTS);
        assertThat(members().get(GROUP + "|" + CAROL)).isNull();
        assertNoMoreRecords();
    }

    @Test
    void shouldAnswerARetriedCreateAsADuplicateAndCreateNothingMore() {
        // Given: the create carries a request id, so a retry carries the same command id
        ChatCommand create = ChatCommand.newBuilder(Commands.createGroup(GROUP, ALICE, BOB))
                .setCommandId(Ids.requestCommandId("create", GROUP, ALICE, "r-1")).setRequestId("r-1").build();
        pipe(create);
        assertAccepted(results.readValue(), 1, false);
        assertThat(single(log.readValuesToList()).getRequestId()).isEqualTo("r-1");

        // When: the client timed out and sends it again
        pipe(create);

        // Then: the same answer, marked duplicate, and no second ConversationCreated
        CommandResult again = results.readValue();
        assertAccepted(again, 1, true);
        assertThat(again.getRequestId()).isEqualTo("r-1");
        assertThat(again.getCommandType()).isEqualTo("CreateConversation");
        assertThat(conversations().get(GROUP).getLastSeq()).isEqualTo(1);
        assertNoMoreRecords();
    }

    @Test
    void shouldCopyAnAwaitedResultToTheReplyPartitionTheCommandNames() {
        // Given
        TestOutputTopic<String, CommandResult> replies = driver.createOutputTopic(Topics.COMMAND_REPLIES,
                topics.commandReplies().keySerde().deserializer(), topics.commandReplies().valueSerde().deserializer());
        pipe(Commands.createGroup(GROUP, ALICE, BOB));
        drain();

        // When: one caller waits (the test driver's topics have one partition), another does not wait
        pipe(ChatCommand.newBuilder(Commands.rename(GROUP, BOB, "x")).setReplyPartition(0).build());
        pipe(Commands.rename(GROUP, ALICE, "y"));

        // Then: both results on chat.command.results, only the awaited one on the replies topic
        assertRejected(results.readValue(), CommandRules.FORBIDDEN);
        assertAccepted(results.readValue(), 2, false);
        var reply = replies.readRecord();
        assertThat(reply.value().getSenderId()).isEqualTo(BOB);
        assertThat(reply.value().getReplyPartition()).isZero();
        assertThat(((CommandRejected) reply.value().getOutcome()).getCode()).isEqualTo(CommandRules.FORBIDDEN);
        assertThat(replies.isEmpty()).isTrue();
        log.readValuesToList();
        assertNoMoreRecords();
    }

    @Test
    void shouldPlaceAReplyOnTheNamedPartitionAndDropOneNamingAPartitionTheTopicLacks() {
        CommandResult named = CommandResult.newBuilder(Commands.rejectedFor(GROUP, BOB)).setReplyPartition(4).build();
        CommandResult beyond = CommandResult.newBuilder(named).setReplyPartition(6).build();

        assertThat(RoutingApp.replyPartition(Topics.COMMAND_REPLIES, GROUP, named, 6)).contains(java.util.Set.of(4));
        assertThat(RoutingApp.replyPartition(Topics.COMMAND_REPLIES, GROUP, beyond, 6)).contains(java.util.Set.of());
    }

    // ---------------------------------------------------------------- moderation

    @Test
    void shouldRefuseAMutedUsersPostsWithTheMutesEndButLetThemLeaveAndPostAgainOnceItIsOver() {
        // Given a group, and bob muted for ten minutes by the moderation job
        pipe(Commands.createGroup(GROUP, ALICE, BOB, CAROL));
        pipe(Commands.send(GROUP, BOB, "before"));
        drain();
        Instant until = now.plus(Duration.ofMinutes(10));
        pipeAction(Commands.mute(BOB, until));
        assertThat(mutes.readKeyValue()).satisfies(kv -> {
            assertThat(kv.key).isEqualTo(BOB);
            assertThat(kv.value.getUntil()).isEqualTo(until);
        });

        // When bob posts, retries his earlier send, and reacts; and carol posts
        pipe(Commands.send(GROUP, BOB, "during"));
        pipe(Commands.send(GROUP, BOB, "before"));
        pipe(Commands.react(GROUP, BOB, 2));
        pipe(Commands.send(GROUP, CAROL, "c-1"));

        // Then bob is refused with the mute's end, his retry is still the first send's, carol posts
        CommandResult refused = results.readValue();
        assertRejected(refused, CommandRules.MUTED);
        assertThat(((CommandRejected) refused.getOutcome()).getUntil()).isEqualTo(until);
        assertAccepted(results.readValue(), 2, true);
        assertRejected(results.readValue(), CommandRules.MUTED);
        assertAccepted(results.readValue(), 3, false);
        assertThat(log.readValuesToList()).extracting(ConversationEvent::getActorId).containsExactly(CAROL);

        // When the mute is over
        now = until.plusSeconds(1);
        pipe(Commands.send(GROUP, BOB, "after"));

        // Then bob posts again
        assertAccepted(results.readValue(), 4, false);
        log.readValuesToList();
        assertNoMoreRecords();
    }

    @Test
    void shouldLiftAMuteOnUnmute() {
        // Given carol muted, then unmuted by an admin
        pipe(Commands.createGroup(GROUP, ALICE, CAROL));
        drain();
        pipeAction(Commands.mute(CAROL, now.plus(Duration.ofHours(1))));
        pipeAction(Commands.unmute(CAROL));
        assertThat(mutes.readKeyValuesToList()).extracting(kv -> kv.value == null ? "tombstone" : "mute")
                .containsExactly("mute", "tombstone");

        // When she posts
        pipe(Commands.send(GROUP, CAROL, "free"));

        // Then it is accepted
        assertAccepted(results.readValue(), 2, false);
        log.readValuesToList();
        assertNoMoreRecords();
    }

    @Test
    void shouldSequenceARedactionAskedForByAModerationActionAndForgetTheMessage() {
        // Given alice's message at seq 2
        pipe(Commands.createGroup(GROUP, ALICE, BOB));
        pipe(Commands.send(GROUP, ALICE, "spam"));
        drain();

        // When the moderation job asks to redact it
        pipeAction(Commands.redact(ALICE, GROUP, 2));

        // Then the log gets a MessageRedacted at seq 3 by the job, and the message can no longer be edited
        ConversationEvent redacted = single(log.readValuesToList());
        assertThat(redacted.getSeq()).isEqualTo(3);
        assertThat(redacted.getActorId()).isEqualTo("system:flink-moderation");
        assertThat(redacted.getPayload()).isEqualTo(MessageRedacted.newBuilder().setTargetSeq(2).setRule("sensitive_word")
                .setVerdictId("v-1").build());
        assertAccepted(results.readValue(), 3, false);
        pipe(Commands.edit(GROUP, ALICE, 2));
        assertRejected(results.readValue(), CommandRules.TARGET_NOT_FOUND);
        assertNoMoreRecords();
    }

    @Test
    void shouldRefuseARedactionFromAUserOrOfASeqTheConversationLacks() {
        // Given
        pipe(Commands.createGroup(GROUP, ALICE, BOB));
        drain();

        // When a user's command asks for a redaction, and the job asks for a seq that does not exist
        pipe(Commands.command(GROUP, ALICE, dev.kchat.events.chat.RedactMessage.newBuilder().setTargetSeq(1).setRule("x")
                .setActionId("a-1").build()));
        pipeAction(Commands.redact(BOB, GROUP, 99));

        // Then
        assertRejected(results.readValue(), CommandRules.FORBIDDEN);
        assertRejected(results.readValue(), CommandRules.TARGET_NOT_FOUND);
        assertNoMoreRecords();
    }

    @Test
    void shouldEchoTheClientMsgIdAsTheRequestIdOfASend() {
        // Given
        pipe(Commands.createGroup(GROUP, ALICE, BOB));
        drain();

        // When
        pipe(Commands.send(GROUP, BOB, "k-9"));

        // Then
        assertThat(single(log.readValuesToList()).getRequestId()).isEqualTo("k-9");
        CommandResult result = results.readValue();
        assertThat(result.getRequestId()).isEqualTo("k-9");
        assertThat(result.getCommandType()).isEqualTo("SendMessage");
        assertNoMoreRecords();
    }

    @Test
    void shouldCreateDirectConversationOnlyUnderTheIdDerivedFromThePair() {
        // Given
        String direct = Ids.directConversation(ALICE, BOB);

        // When
        pipe(Commands.create("dm:bob:zed", ConversationKind.DIRECT, ALICE, BOB));
        pipe(Commands.create(direct, ConversationKind.DIRECT, ALICE, BOB, CAROL));
        pipe(Commands.create(direct, ConversationKind.DIRECT, ALICE, BOB));
        pipe(Commands.add(direct, ALICE, CAROL));

        // Then
        assertRejected(results.readValue(), CommandRules.INVALID_COMMAND);
        assertRejected(results.readValue(), CommandRules.INVALID_COMMAND);
        assertAccepted(results.readValue(), 1, false);
        assertRejected(results.readValue(), CommandRules.FORBIDDEN);
        ConversationEvent created = single(log.readValuesToList());
        assertThat(((ConversationCreated) created.getPayload()).getMembers())
                .containsExactly(member(ALICE, MemberRole.MEMBER), member(BOB, MemberRole.MEMBER));
        assertThat(conversations().get(direct).getMemberCount()).isEqualTo(2);
        assertNoMoreRecords();
    }

    // ---------------------------------------------------------------- sending

    @Test
    void shouldAssignGapFreeSequenceWhenDuplicatesArrive() {
        // Given
        pipe(Commands.createGroup(GROUP, ALICE, BOB));
        drain();

        // When
        pipe(Commands.send(GROUP, ALICE, "m1"));
        pipe(Commands.send(GROUP, BOB, "m1"));
        pipe(Commands.send(GROUP, ALICE, "m1"));
        pipe(Commands.send(GROUP, ALICE, "m2"));
        pipe(Commands.send(GROUP, BOB, "m1"));

        // Then
        List<ConversationEvent> events = log.readValuesToList();
        assertThat(events).extracting(ConversationEvent::getSeq).containsExactly(2L, 3L, 4L);
        assertThat(events).extracting(e -> ((MessagePosted) e.getPayload()).getClientMsgId()).containsExactly("m1", "m1", "m2");
        List<CommandResult> decided = results.readValuesToList();
        assertAccepted(decided.get(0), 2, false);
        assertAccepted(decided.get(1), 3, false);
        assertAccepted(decided.get(2), 2, true);
        assertAccepted(decided.get(3), 4, false);
        assertAccepted(decided.get(4), 3, true);
        assertThat(((CommandAccepted) decided.get(2).getOutcome()).getMessageId()).isEqualTo(Ids.messageId(GROUP, ALICE, "m1"));
        assertThat(decided.get(2).getClientMsgId()).isEqualTo("m1");
        assertThat(conversations().get(GROUP).getLastSeq()).isEqualTo(4);
        SentMessage sent = dedupe().get(GROUP + "|" + ALICE + "|m1");
        assertThat(sent.getSeq()).isEqualTo(2);
        assertThat(sent.getRecordedAt()).isEqualTo(T0);
        assertThat(keys(dedupe())).hasSize(3);
        assertThat(messages().get(GROUP + "|" + StoreKeys.padded(4)).getAuthorId()).isEqualTo(ALICE);
        assertNoMoreRecords();
    }

    @Test
    void shouldRejectNonMemberWithReasonAndAppendNothing() {
        // Given
        pipe(Commands.createGroup(GROUP, ALICE, BOB));
        drain();

        // When
        pipe(Commands.send(GROUP, DAVE, "m1"));

        // Then
        CommandResult result = results.readValue();
        assertRejected(result, CommandRules.NOT_A_MEMBER);
        assertThat(((CommandRejected) result.getOutcome()).getReason()).contains(DAVE).contains(GROUP);
        assertThat(result.getClientMsgId()).isEqualTo("m1");
        assertThat(conversations().get(GROUP).getLastSeq()).isEqualTo(1);
        assertThat(dedupe().get(GROUP + "|" + DAVE + "|m1")).isNull();
        assertNoMoreRecords();
    }

    @Test
    void shouldRejectCommandsOnAnUnknownConversation() {
        // When
        pipe(Commands.send("g-nowhere", ALICE, "m1"));
        pipe(Commands.leave("g-nowhere", ALICE));

        // Then
        assertRejected(results.readValue(), CommandRules.CONVERSATION_NOT_FOUND);
        assertRejected(results.readValue(), CommandRules.CONVERSATION_NOT_FOUND);
        assertThat(conversations().get("g-nowhere")).isNull();
        assertNoMoreRecords();
    }

    @Test
    void shouldLetOnlyManagersPostInAChannel() {
        // Given
        pipe(Commands.create("ch-news", ConversationKind.CHANNEL, ALICE, BOB));
        drain();

        // When
        pipe(Commands.send("ch-news", BOB, "m1"));
        pipe(Commands.send("ch-news", ALICE, "m1"));

        // Then
        assertRejected(results.readValue(), CommandRules.FORBIDDEN);
        assertAccepted(results.readValue(), 2, false);
        assertThat(single(log.readValuesToList()).getActorId()).isEqualTo(ALICE);
        assertNoMoreRecords();
    }

    // ---------------------------------------------------------------- membership

    @Test
    void shouldSequenceMembershipChangesAndEnforceWhoManagesMembers() {
        // Given: alice owns, bob is a member, carol an admin
        pipe(Commands.createGroup(GROUP, ALICE, BOB, CAROL));
        pipe(Commands.changeRole(GROUP, ALICE, CAROL, MemberRole.ADMIN));
        drain();

        // When
        pipe(Commands.add(GROUP, BOB, DAVE));                           // member adds: forbidden
        pipe(Commands.add(GROUP, CAROL, DAVE, BOB));                    // admin adds: dave joins (bob already in)
        pipe(Commands.add(GROUP, CAROL, DAVE));                         // nobody new
        pipe(Commands.remove(GROUP, BOB, DAVE));                        // member removes: forbidden
        pipe(Commands.remove(GROUP, CAROL, ALICE));                     // the owner cannot be removed
        pipe(Commands.changeRole(GROUP, CAROL, BOB, MemberRole.ADMIN)); // only the owner changes roles
        pipe(Commands.remove(GROUP, CAROL, DAVE));                      // admin removes a member
        pipe(Commands.remove(GROUP, CAROL, DAVE));                      // no longer a member
        pipe(Commands.leave(GROUP, ALICE));                             // owner must transfer first
        pipe(Commands.leave(GROUP, BOB));                               // bob leaves

        // Then
        List<CommandResult> decided = results.readValuesToList();
        assertRejected(decided.get(0), CommandRules.FORBIDDEN);
        assertAccepted(decided.get(1), 3, false);
        assertRejected(decided.get(2), CommandRules.INVALID_COMMAND);
        assertRejected(decided.get(3), CommandRules.FORBIDDEN);
        assertRejected(decided.get(4), CommandRules.FORBIDDEN);
        assertRejected(decided.get(5), CommandRules.FORBIDDEN);
        assertAccepted(decided.get(6), 4, false);
        assertRejected(decided.get(7), CommandRules.TARGET_NOT_FOUND);
        assertRejected(decided.get(8), CommandRules.FORBIDDEN);
        assertAccepted(decided.get(9), 5, false);
        List<ConversationEvent> events = log.readValuesToList();
        assertThat(events).extracting(ConversationEvent::getSeq).containsExactly(3L, 4L, 5L);
        assertThat(((MemberJoined) events.get(0).getPayload()).getMembers()).containsExactly(member(DAVE, MemberRole.MEMBER));
        assertThat(events.get(1).getPayload()).isEqualTo(MemberLeft.newBuilder().setUserId(DAVE).setRemoved(true).build());
        assertThat(events.get(1).getActorId()).isEqualTo(CAROL);
        assertThat(events.get(2).getPayload()).isEqualTo(MemberLeft.newBuilder().setUserId(BOB).setRemoved(false).build());
        assertThat(keys(members())).containsExactlyInAnyOrder(GROUP + "|" + ALICE, GROUP + "|" + CAROL);
        assertThat(conversations().get(GROUP).getMemberCount()).isEqualTo(2);
        assertNoMoreRecords();
    }

    @Test
    void shouldLetOnlyTheOwnerRemoveAnAdminAndTransferOwnership() {
        // Given
        pipe(Commands.createGroup(GROUP, ALICE, BOB, CAROL));
        pipe(Commands.changeRole(GROUP, ALICE, BOB, MemberRole.ADMIN));
        pipe(Commands.changeRole(GROUP, ALICE, CAROL, MemberRole.ADMIN));
        drain();

        // When
        pipe(Commands.remove(GROUP, BOB, CAROL));             // admin removes admin: forbidden
        pipe(Commands.transfer(GROUP, BOB, CAROL));           // admin transfers: forbidden
        pipe(Commands.transfer(GROUP, ALICE, DAVE));          // not a member
        pipe(Commands.transfer(GROUP, ALICE, CAROL));         // carol owns, alice becomes admin
        pipe(Commands.leave(GROUP, ALICE));                   // alice may leave now
        pipe(Commands.rename(GROUP, BOB, "Renamed"));         // admin renames

        // Then
        List<CommandResult> decided = results.readValuesToList();
        assertRejected(decided.get(0), CommandRules.FORBIDDEN);
        assertRejected(decided.get(1), CommandRules.FORBIDDEN);
        assertRejected(decided.get(2), CommandRules.TARGET_NOT_FOUND);
        assertAccepted(decided.get(3), 4, false);
        assertAccepted(decided.get(4), 5, false);
        assertAccepted(decided.get(5), 6, false);
        List<ConversationEvent> events = log.readValuesToList();
        assertThat(events.get(0).getPayload()).isEqualTo(OwnershipTransferred.newBuilder().setPreviousOwnerId(ALICE).setNewOwnerId(CAROL).build());
        assertThat(members().get(GROUP + "|" + CAROL).getRole()).isEqualTo("OWNER");
        assertThat(members().get(GROUP + "|" + ALICE)).isNull();
        assertThat(conversations().get(GROUP).getOwnerId()).isEqualTo(CAROL);
        assertThat(conversations().get(GROUP).getName()).isEqualTo("Renamed");
        assertNoMoreRecords();
    }

    // ---------------------------------------------------------------- edit / recall / delete / react

    @Test
    void shouldLetOnlyTheAuthorEditWithinTheEditWindow() {
        // Given
        pipe(Commands.createGroup(GROUP, ALICE, BOB));
        pipe(Commands.send(GROUP, ALICE, "m1"));
        drain();

        // When
        pipe(Commands.edit(GROUP, BOB, 2));
        pipe(Commands.edit(GROUP, ALICE, 9));
        pipe(Commands.edit(GROUP, ALICE, 2), T0.plus(RoutingConfig.DEFAULT_EDIT_WINDOW));
        pipe(Commands.edit(GROUP, ALICE, 2), T0.plus(RoutingConfig.DEFAULT_EDIT_WINDOW).plusMillis(1));

        // Then
        List<CommandResult> decided = results.readValuesToList();
        assertRejected(decided.get(0), CommandRules.FORBIDDEN);
        assertRejected(decided.get(1), CommandRules.TARGET_NOT_FOUND);
        assertAccepted(decided.get(2), 3, false);
        assertRejected(decided.get(3), CommandRules.EDIT_WINDOW_EXPIRED);
        ConversationEvent edited = single(log.readValuesToList());
        assertThat(edited.getOccurredAt()).isEqualTo(T0.plus(RoutingConfig.DEFAULT_EDIT_WINDOW));
        assertNoMoreRecords();
    }

    @Test
    void shouldRecallOnlyWithinTheRecallWindowAndForgetTheRecalledMessage() {
        // Given
        pipe(Commands.createGroup(GROUP, ALICE, BOB));
        pipe(Commands.send(GROUP, ALICE, "m1"));
        pipe(Commands.send(GROUP, ALICE, "m2"));
        drain();

        // When
        pipe(Commands.recall(GROUP, ALICE, 2), T0.plus(RoutingConfig.DEFAULT_RECALL_WINDOW).plusSeconds(1));
        pipe(Commands.recall(GROUP, BOB, 3), T0.plusSeconds(10));
        pipe(Commands.recall(GROUP, ALICE, 3), T0.plusSeconds(10));
        pipe(Commands.edit(GROUP, ALICE, 3), T0.plusSeconds(11));

        // Then
        List<CommandResult> decided = results.readValuesToList();
        assertRejected(decided.get(0), CommandRules.EDIT_WINDOW_EXPIRED);
        assertRejected(decided.get(1), CommandRules.FORBIDDEN);
        assertAccepted(decided.get(2), 4, false);
        assertRejected(decided.get(3), CommandRules.TARGET_NOT_FOUND);
        assertThat(single(log.readValuesToList()).getSeq()).isEqualTo(4);
        assertThat(messages().get(GROUP + "|" + StoreKeys.padded(3))).isNull();
        assertThat(messages().get(GROUP + "|" + StoreKeys.padded(2))).isNotNull();
        assertNoMoreRecords();
    }

    @Test
    void shouldLetTheAuthorOrAGroupManagerDeleteAndMembersReact() {
        // Given
        pipe(Commands.createGroup(GROUP, ALICE, BOB, CAROL));
        pipe(Commands.send(GROUP, BOB, "m1"));   // seq 2
        pipe(Commands.send(GROUP, BOB, "m2"));   // seq 3
        drain();

        // When
        pipe(Commands.delete(GROUP, CAROL, 2));  // another member: forbidden
        pipe(Commands.delete(GROUP, ALICE, 2));  // the owner: allowed
        pipe(Commands.delete(GROUP, BOB, 3));    // the author: allowed
        pipe(Commands.react(GROUP, CAROL, 2));   // deleted: gone
        pipe(Commands.react(GROUP, DAVE, 3));    // not a member
        pipe(Commands.send(GROUP, CAROL, "m3")); // seq 6
        pipe(Commands.react(GROUP, BOB, 6));

        // Then
        List<CommandResult> decided = results.readValuesToList();
        assertRejected(decided.get(0), CommandRules.FORBIDDEN);
        assertAccepted(decided.get(1), 4, false);
        assertAccepted(decided.get(2), 5, false);
        assertRejected(decided.get(3), CommandRules.TARGET_NOT_FOUND);
        assertRejected(decided.get(4), CommandRules.NOT_A_MEMBER);
        assertAccepted(decided.get(5), 6, false);
        assertAccepted(decided.get(6), 7, false);
        List<ConversationEvent> events = log.readValuesToList();
        assertThat(events).extracting(ConversationEvent::getSeq).containsExactly(4L, 5L, 6L, 7L);
        assertThat(events.get(0).getPayload()).isEqualTo(MessageDeleted.newBuilder().setTargetSeq(2).build());
        assertNoMoreRecords();
    }

    // ---------------------------------------------------------------- bounded state

    @Test
    void shouldForgetDedupeIdsAndMessageRefsOnceTheirWindowsPassOnTheWallClock() {
        // Given
        pipe(Commands.createGroup(GROUP, ALICE, BOB));
        pipe(Commands.send(GROUP, ALICE, "m1"));
        pipe(Commands.send(GROUP, ALICE, "m1"), T0.plusSeconds(60));
        drain();
        assertThat(keys(dedupe())).hasSize(1);

        // When: a day and a cleanup interval later on the wall clock
        driver.advanceWallClockTime(RoutingConfig.DEFAULT_DEDUPE_WINDOW.plus(RoutingConfig.DEFAULT_CLEANUP_INTERVAL));

        // Then: the dedupe entry is gone, the message reference (30 days) is not
        assertThat(keys(dedupe())).isEmpty();
        assertThat(keys(messages())).hasSize(1);

        // When: the same client_msg_id comes again, after the window
        pipe(Commands.send(GROUP, ALICE, "m1"), T0.plus(Duration.ofDays(2)));

        // Then: it is a new message
        assertAccepted(results.readValue(), 3, false);
        assertThat(single(log.readValuesToList()).getSeq()).isEqualTo(3);

        // When: the message retention passes too
        driver.advanceWallClockTime(RoutingConfig.DEFAULT_MESSAGE_RETENTION.plusDays(2));
        pipe(Commands.delete(GROUP, ALICE, 3), T0.plus(Duration.ofDays(33)));

        // Then
        assertThat(keys(messages())).isEmpty();
        assertRejected(results.readValue(), CommandRules.TARGET_NOT_FOUND);
        assertNoMoreRecords();
    }

    // ---------------------------------------------------------------- errors and determinism

    @Test
    void shouldSendPoisonRecordsToTheErrorTopicAndContinue() {
        // Given
        pipe(Commands.createGroup(GROUP, ALICE, BOB));
        drain();
        byte[] garbage = "not avro".getBytes(StandardCharsets.UTF_8);

        // When
        rawCommands.pipeInput(GROUP, garbage, T0);
        rawCommands.pipeInput(GROUP, (byte[]) null, T0);
        pipe(Commands.send(GROUP, ALICE, "m1"));

        // Then
        List<KeyValue<String, ProcessingError>> failed = errors.readKeyValuesToList();
        assertThat(failed).hasSize(2);
        assertThat(failed).extracting(kv -> kv.key).containsOnly(RoutingApp.APP_NAME);
        ProcessingError undecodable = failed.get(0).value;
        assertThat(undecodable.getSourceTopic()).isEqualTo(Topics.COMMANDS);
        assertThat(undecodable.getSourceOffset()).isEqualTo(1);
        assertThat(undecodable.getValue().array()).isEqualTo(garbage);
        assertThat(new String(undecodable.getKey().array(), StandardCharsets.UTF_8)).isEqualTo(GROUP);
        assertThat(undecodable.getErrorClass()).isEqualTo(org.apache.kafka.common.errors.SerializationException.class.getName());
        assertThat(undecodable.getErrorMessage()).contains("magic byte");
        ProcessingError empty = failed.get(1).value;
        assertThat(empty.getSourceOffset()).isEqualTo(2);
        assertThat(empty.getErrorClass()).isEqualTo(IllegalArgumentException.class.getName());
        assertThat(empty.getErrorMessage()).contains("has no value");
        assertAccepted(results.readValue(), 2, false);
        assertThat(single(log.readValuesToList()).getSeq()).isEqualTo(2);
        assertNoMoreRecords();
    }

    @Test
    void shouldProduceIdenticalEventsWhenTheSameCommandsAreReplayed(@TempDir Path otherStateDir) {
        // Given
        List<ChatCommand> script = List.of(
                Commands.createGroup(GROUP, ALICE, BOB),
                Commands.send(GROUP, ALICE, "m1"),
                Commands.send(GROUP, DAVE, "m1"),
                Commands.add(GROUP, ALICE, CAROL),
                Commands.send(GROUP, ALICE, "m1"),
                Commands.edit(GROUP, ALICE, 2),
                Commands.leave(GROUP, BOB));

        // When: once here, once on a fresh driver with its own registry
        for (int i = 0; i < script.size(); i++) {
            pipe(script.get(i), T0.plusSeconds(i));
        }
        List<ConversationEvent> first = log.readValuesToList();
        List<CommandResult> firstResults = results.readValuesToList();
        Topics otherTopics = Topics.create(new InMemorySchemaRegistry());
        List<ConversationEvent> second = new ArrayList<>();
        List<CommandResult> secondResults = new ArrayList<>();
        try (TopologyTestDriver replay = driver(otherTopics, otherStateDir)) {
            TestInputTopic<String, ChatCommand> in = replay.createInputTopic(Topics.COMMANDS,
                    otherTopics.commands().keySerde().serializer(), otherTopics.commands().valueSerde().serializer());
            replay.advanceWallClockTime(Duration.ofHours(1));
            for (int i = 0; i < script.size(); i++) {
                in.pipeInput(GROUP, script.get(i), T0.plusSeconds(i));
            }
            second.addAll(replay.createOutputTopic(Topics.CONVERSATION_LOG, otherTopics.conversationLog().keySerde().deserializer(),
                    otherTopics.conversationLog().valueSerde().deserializer()).readValuesToList());
            secondResults.addAll(replay.createOutputTopic(Topics.COMMAND_RESULTS, otherTopics.commandResults().keySerde().deserializer(),
                    otherTopics.commandResults().valueSerde().deserializer()).readValuesToList());
        }

        // Then
        assertThat(first).hasSize(5).isEqualTo(second);
        assertThat(firstResults).hasSize(7).isEqualTo(secondResults);
        assertNoMoreRecords();
    }

    // ---------------------------------------------------------------- helpers

    private void pipe(ChatCommand command) {
        pipe(command, now);
    }

    private void pipe(ChatCommand command, Instant timestamp) {
        commands.pipeInput(command.getConversationId(), command, timestamp);
    }

    private void pipeAction(dev.kchat.events.moderation.ModerationAction action) {
        actions.pipeInput(action.getUserId(), action, now);
    }

    private void drain() {
        log.readRecordsToList();
        results.readRecordsToList();
    }

    private void assertNoMoreRecords() {
        assertThat(log.isEmpty()).as("no more log records").isTrue();
        assertThat(results.isEmpty()).as("no more results").isTrue();
        assertThat(errors.isEmpty()).as("no more errors").isTrue();
        assertThat(mutes.isEmpty()).as("no more mutes").isTrue();
    }

    private static void assertAccepted(CommandResult result, long seq, boolean duplicate) {
        assertThat(result.getOutcome()).as("outcome of %s", result.getCommandId()).isInstanceOf(CommandAccepted.class);
        CommandAccepted accepted = (CommandAccepted) result.getOutcome();
        assertThat(accepted.getSeq()).as("seq").isEqualTo(seq);
        assertThat(accepted.getDuplicate()).as("duplicate").isEqualTo(duplicate);
    }

    private static void assertRejected(CommandResult result, String code) {
        assertThat(result.getOutcome()).as("outcome of %s", result.getCommandId()).isInstanceOf(CommandRejected.class);
        CommandRejected rejected = (CommandRejected) result.getOutcome();
        assertThat(rejected.getCode()).as("code, reason: %s", rejected.getReason()).isEqualTo(code);
        assertThat(rejected.getReason()).isNotBlank();
    }

    private static <T> T single(List<T> values) {
        assertThat(values).hasSize(1);
        return values.get(0);
    }

    private static Member member(String userId, MemberRole role) {
        return Member.newBuilder().setUserId(userId).setRole(role).build();
    }

    private KeyValueStore<String, ConversationMeta> conversations() {
        return driver.getKeyValueStore(RoutingApp.CONVERSATIONS_STORE);
    }

    private KeyValueStore<String, MemberState> members() {
        return driver.getKeyValueStore(RoutingApp.MEMBERS_STORE);
    }

    private KeyValueStore<String, SentMessage> dedupe() {
        return driver.getKeyValueStore(RoutingApp.DEDUPE_STORE);
    }

    private KeyValueStore<String, MessageRef> messages() {
        return driver.getKeyValueStore(RoutingApp.MESSAGES_STORE);
    }

    private static <V> List<String> keys(KeyValueStore<String, V> store) {
        List<String> keys = new ArrayList<>();
        try (KeyValueIterator<String, V> it = store.all()) {
            it.forEachRemaining(kv -> keys.add(kv.key));
        }
        return keys;
    }
}
