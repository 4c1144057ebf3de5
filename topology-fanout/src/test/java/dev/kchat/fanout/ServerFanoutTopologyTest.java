package dev.kchat.fanout;

import static dev.kchat.fanout.Events.event;
import static org.assertj.core.api.Assertions.assertThat;

import dev.kchat.events.chat.ChannelCreated;
import dev.kchat.events.chat.ChannelOverwriteSet;
import dev.kchat.events.chat.CommandAccepted;
import dev.kchat.events.chat.CommandRejected;
import dev.kchat.events.chat.CommandResult;
import dev.kchat.events.chat.ConversationEvent;
import dev.kchat.events.chat.InboxEntry;
import dev.kchat.events.chat.MessagePosted;
import dev.kchat.events.chat.ReadPositionChanged;
import dev.kchat.events.chat.ReadUpTo;
import dev.kchat.events.chat.Receipt;
import dev.kchat.events.chat.RoleAssigned;
import dev.kchat.events.chat.RoleCreated;
import dev.kchat.events.chat.ServerBroadcast;
import dev.kchat.events.chat.ServerCreated;
import dev.kchat.events.chat.ServerMemberJoined;
import dev.kchat.events.chat.ServerMemberLeft;
import dev.kchat.events.common.ChannelType;
import dev.kchat.events.common.OverwriteTarget;
import dev.kchat.events.common.ServerChannel;
import dev.kchat.events.common.ServerLeaveKind;
import dev.kchat.events.common.ServerRole;
import dev.kchat.events.platform.ProcessingError;
import dev.kchat.fanout.state.ServerState;
import dev.kchat.schemas.registry.InMemorySchemaRegistry;
import dev.kchat.schemas.topic.Topics;
import dev.kchat.service.Settings;
import dev.kchat.servers.permissions.Permission;
import dev.kchat.streams.ErrorTopicHandler;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.state.KeyValueStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The server path of the fan-out topology under {@link TopologyTestDriver}, built by the same
 * {@link FanoutApp#buildTopology}: one broadcast per event, mention entries only for mentioned members who
 * may view the channel, read state with mention counts, replays skipped.
 */
class ServerFanoutTopologyTest {

    private static final String SV = "sv:00000000-0000-4000-8000-00000000000a";
    private static final String GENERAL = SV + ":c1";
    private static final String STAFF = SV + ":c2";
    private static final String MODS = SV + ":r1";
    private static final long EVERYONE_BITS = Permission.DEFAULT_EVERYONE;

    @TempDir
    Path stateDir;

    private TopologyTestDriver driver;
    private TestInputTopic<String, ConversationEvent> log;
    private TestInputTopic<String, Receipt> receipts;
    private TestOutputTopic<String, InboxEntry> inbox;
    private TestOutputTopic<String, ServerBroadcast> serverBroadcast;
    private TestOutputTopic<String, ProcessingError> errors;
    private long serverSeq;

    @BeforeEach
    void start() {
        Topics topics = Topics.create(new InMemorySchemaRegistry());
        FanoutConfig config = FanoutConfig.from(Settings.of(Map.of(
                FanoutConfig.KEYS.applicationId(), "fanout-test",
                FanoutConfig.KEYS.stateDir(), stateDir.toString())));
        Properties props = ErrorTopicHandler.bind(FanoutApp.streamsConfig(config), topics);
        driver = new TopologyTestDriver(FanoutApp.buildTopology(config, topics), props, Events.T0);
        log = driver.createInputTopic(Topics.CONVERSATION_LOG, topics.conversationLog().keySerde().serializer(),
                topics.conversationLog().valueSerde().serializer());
        receipts = driver.createInputTopic(Topics.RECEIPTS, topics.receipts().keySerde().serializer(), topics.receipts().valueSerde().serializer());
        inbox = driver.createOutputTopic(Topics.INBOX, topics.inbox().keySerde().deserializer(), topics.inbox().valueSerde().deserializer());
        serverBroadcast = driver.createOutputTopic(Topics.SERVER_BROADCAST, topics.serverBroadcast().keySerde().deserializer(),
                topics.serverBroadcast().valueSerde().deserializer());
        errors = driver.createOutputTopic(Topics.ERRORS, topics.errors().keySerde().deserializer(), topics.errors().valueSerde().deserializer());
    }

    @AfterEach
    void stop() {
        driver.close();
    }

    @Test
    void shouldBroadcastEveryEventOnceKeyedByTheServerAndCopyNoChannelMessageToInboxes() {
        // Given: alice's server with bob and carol
        givenServer("bob", "carol");
        serverBroadcast.readKeyValuesToList();
        inbox.readKeyValuesToList();

        // When: bob posts twice in #general
        pipe(posted(GENERAL, 1, "bob", List.of(), List.of(), false));
        pipe(posted(GENERAL, 2, "bob", List.of(), List.of(), false));

        // Then: two broadcasts under the server id; bob's inbox gets his acceptances, nobody gets the messages
        List<ServerBroadcast> out = serverBroadcast.readValuesToList();
        assertThat(out).extracting(ServerBroadcast::getConversationId).containsExactly(GENERAL, GENERAL);
        assertThat(out).extracting(ServerBroadcast::getSeq).containsExactly(1L, 2L);
        assertThat(out).allSatisfy(b -> assertThat(b.getServerId()).isEqualTo(SV));
        List<InboxEntry> entries = inbox.readValuesToList();
        assertThat(entries).extracting(InboxEntry::getUserId).containsExactly("bob", "bob");
        assertThat(entries).allSatisfy(e -> assertThat(((CommandResult) e.getItem()).getOutcome()).isInstanceOf(CommandAccepted.class));
        assertThat(errors.isEmpty()).isTrue();
    }

    @Test
    void shouldPutMentionsOnlyInTheInboxesOfMentionedMembersWhoMayViewTheChannel() {
        // Given: #staff is hidden from @everyone and shown to the mods role, which carol holds
        givenServer("bob", "carol", "dave");
        pipe(event(SV, ++serverSeq, "alice", RoleCreated.newBuilder().setRole(role(MODS, "mods", 0, 1)).build()));
        pipe(event(SV, ++serverSeq, "alice", RoleAssigned.newBuilder().setUserId("carol").setRoleId(MODS).build()));
        pipe(event(SV, ++serverSeq, "alice", ChannelCreated.newBuilder().setChannel(channel(STAFF, "staff")).build()));
        pipe(event(SV, ++serverSeq, "alice", ChannelOverwriteSet.newBuilder().setChannelId(STAFF).setTargetKind(OverwriteTarget.ROLE)
                .setTargetId(SV).setAllow(0).setDeny(Permission.VIEW_CHANNEL.bit()).build()));
        pipe(event(SV, ++serverSeq, "alice", ChannelOverwriteSet.newBuilder().setChannelId(STAFF).setTargetKind(OverwriteTarget.ROLE)
                .setTargetId(MODS).setAllow(Permission.VIEW_CHANNEL.bit()).setDeny(0).build()));
        inbox.readKeyValuesToList();

        // When: in #staff alice mentions bob (cannot view it) and carol; then the mods role; then @everyone in #general
        pipe(posted(STAFF, 1, "alice", List.of("bob", "carol", "nobody"), List.of(), false));
        pipe(posted(STAFF, 2, "alice", List.of(), List.of(MODS), false));
        pipe(posted(GENERAL, 1, "bob", List.of(), List.of(), true));

        // Then: carol gets both #staff mentions, bob none there; @everyone reaches everyone but its author
        List<InboxEntry> mentions = inbox.readValuesToList().stream().filter(e -> e.getItem() instanceof ConversationEvent).toList();
        assertThat(mentions).extracting(e -> e.getUserId() + "@" + e.getConversationId() + "#" + e.getConvSeq()).containsExactly(
                "carol@" + STAFF + "#1", "carol@" + STAFF + "#2", "alice@" + GENERAL + "#1", "carol@" + GENERAL + "#1",
                "dave@" + GENERAL + "#1");
        assertThat(reads().get(STAFF + "|carol").getMentionSeqs()).containsExactly(1L, 2L);
        assertThat(reads().get(STAFF + "|bob")).isNull();
        assertThat(errors.isEmpty()).isTrue();
    }

    @Test
    void shouldClearMentionsWhenTheMemberReadsAndTellTheirDevicesTheReadState() {
        // Given: two mentions of carol in #general, then a message without one
        givenServer("bob", "carol");
        pipe(posted(GENERAL, 1, "bob", List.of("carol"), List.of(), false));
        pipe(posted(GENERAL, 2, "bob", List.of("carol"), List.of(), false));
        pipe(posted(GENERAL, 3, "bob", List.of(), List.of(), false));
        inbox.readKeyValuesToList();

        // When: carol reads up to 1, then up to 9 (past the channel's end)
        receipts.pipeInput(SV, read(GENERAL, "carol", 1), Events.T0.plusSeconds(60));
        receipts.pipeInput(SV, read(GENERAL, "carol", 9), Events.T0.plusSeconds(61));
        receipts.pipeInput(SV, read(GENERAL, "carol", 2), Events.T0.plusSeconds(62)); // behind: changes nothing

        // Then
        List<ReadPositionChanged> positions = inbox.readValuesToList().stream().map(e -> (ReadPositionChanged) e.getItem()).toList();
        assertThat(positions).extracting(ReadPositionChanged::getReadSeq).containsExactly(1L, 3L);
        assertThat(positions).extracting(ReadPositionChanged::getUnread).containsExactly(2L, 0L);
        assertThat(positions).extracting(ReadPositionChanged::getMentionCount).containsExactly(1, 0);
        assertThat(reads().get(GENERAL + "|carol").getMentionSeqs()).as("the mentions up to the read position are read").isEmpty();
        assertThat(reads().get(GENERAL + "|bob").getReadSeq()).as("an author has read what they posted").isEqualTo(3L);
    }

    @Test
    void shouldRefuseAReadBySomeoneWhoIsNoLongerAMember() {
        // Given: bob was kicked
        givenServer("bob");
        pipe(posted(GENERAL, 1, "alice", List.of(), List.of(), false));
        pipe(event(SV, ++serverSeq, "alice", ServerMemberLeft.newBuilder().setUserId("bob").setKind(ServerLeaveKind.KICKED).setBy("alice").build()));
        inbox.readKeyValuesToList();

        // When
        receipts.pipeInput(SV, read(GENERAL, "bob", 1), Events.T0.plusSeconds(60));

        // Then: the refusal reaches bob; a later mention of bob reaches nobody
        InboxEntry refusal = inbox.readValue();
        assertThat(((CommandRejected) ((CommandResult) refusal.getItem()).getOutcome()).getCode()).isEqualTo("not_a_member");
        pipe(posted(GENERAL, 2, "alice", List.of("bob"), List.of(), false));
        assertThat(inbox.readValuesToList()).extracting(InboxEntry::getUserId).containsExactly("alice");
        assertThat(servers().get(SV).getMemberCount()).isEqualTo(1);
    }

    @Test
    void shouldSkipReplayedEventsAndTellAffectedMembersOfTheirOwnMembership() {
        // Given
        givenServer("bob");
        List<InboxEntry> setup = inbox.readValuesToList();
        assertThat(setup).filteredOn(e -> e.getUserId().equals("bob")).extracting(e -> ((ConversationEvent) e.getItem()).getPayload())
                .hasOnlyElementsOfType(ServerMemberJoined.class);
        int broadcasts = serverBroadcast.readValuesToList().size();
        assertThat(broadcasts).isEqualTo((int) serverSeq);

        // When: the whole server log again, and a channel message twice
        long last = serverSeq;
        serverSeq = 0;
        givenServer("bob");
        pipe(posted(GENERAL, 1, "bob", List.of(), List.of(), false));
        pipe(posted(GENERAL, 1, "bob", List.of(), List.of(), false));

        // Then
        assertThat(serverBroadcast.readValuesToList()).extracting(ServerBroadcast::getConversationId).containsExactly(GENERAL);
        assertThat(servers().get(SV).getLastSeq()).isEqualTo(last);
        assertThat(errors.isEmpty()).isTrue();
    }

    @Test
    void shouldSendAChannelEventOfAnUnknownServerToTheErrorTopic() {
        // When
        pipe(posted(GENERAL, 1, "bob", List.of(), List.of(), false));

        // Then
        ProcessingError error = errors.readValue();
        assertThat(error.getErrorMessage()).contains("before its server's ServerCreated");
        assertThat(serverBroadcast.isEmpty()).isTrue();
    }

    /** alice creates the server; the others join with an invite. */
    private void givenServer(String... joiners) {
        pipe(event(SV, ++serverSeq, "alice", ServerCreated.newBuilder().setName("Guild").setOwnerId("alice")
                .setEveryoneRole(role(SV, "@everyone", EVERYONE_BITS, 0)).setDefaultChannel(channel(GENERAL, "general")).build()));
        for (String user : joiners) {
            pipe(event(SV, ++serverSeq, user, ServerMemberJoined.newBuilder().setUserId(user).setInviteCode("inv").build()));
        }
    }

    private static ConversationEvent posted(String channel, long seq, String sender, List<String> users, List<String> roles, boolean everyone) {
        return event(channel, seq, sender, MessagePosted.newBuilder().setMessageId("m-" + channel + "-" + seq).setClientMsgId("c" + seq)
                .setBody("hello").setMentions(new ArrayList<>(users)).setMentionRoles(new ArrayList<>(roles)).setMentionEveryone(everyone)
                .build());
    }

    private static Receipt read(String channel, String user, long seq) {
        return Receipt.newBuilder().setConversationId(channel).setUserId(user).setDeviceId("phone").setAt(Events.T0)
                .setReceipt(ReadUpTo.newBuilder().setSeq(seq).build()).build();
    }

    private static ServerRole role(String id, String name, long bits, int position) {
        return ServerRole.newBuilder().setRoleId(id).setName(name).setPermissions(bits).setPosition(position).setMentionable(true).build();
    }

    private static ServerChannel channel(String id, String name) {
        return ServerChannel.newBuilder().setChannelId(id).setName(name).setType(ChannelType.TEXT).build();
    }

    private void pipe(ConversationEvent event) {
        log.pipeInput(SV, event, event.getOccurredAt());
    }

    private KeyValueStore<String, ServerState> servers() {
        return driver.getKeyValueStore(FanoutApp.SERVERS_STORE);
    }

    private KeyValueStore<String, dev.kchat.fanout.state.ChannelReadPosition> reads() {
        return driver.getKeyValueStore(FanoutApp.SERVER_READS_STORE);
    }
}
