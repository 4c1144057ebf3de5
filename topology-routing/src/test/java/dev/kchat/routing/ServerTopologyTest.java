package dev.kchat.routing;

import static dev.kchat.servers.permissions.Permission.ADD_REACTIONS;
import static dev.kchat.servers.permissions.Permission.KICK_MEMBERS;
import static dev.kchat.servers.permissions.Permission.MANAGE_CHANNELS;
import static dev.kchat.servers.permissions.Permission.MANAGE_MESSAGES;
import static dev.kchat.servers.permissions.Permission.MANAGE_ROLES;
import static dev.kchat.servers.permissions.Permission.MENTION_EVERYONE;
import static dev.kchat.servers.permissions.Permission.SEND_MESSAGES;
import static dev.kchat.servers.permissions.Permission.VIEW_CHANNEL;
import static dev.kchat.servers.permissions.Permission.mask;
import static org.assertj.core.api.Assertions.assertThat;

import dev.kchat.events.chat.ChannelCreated;
import dev.kchat.events.chat.ChannelDeleted;
import dev.kchat.events.chat.ChannelUpdated;
import dev.kchat.events.chat.ChatCommand;
import dev.kchat.events.chat.CommandAccepted;
import dev.kchat.events.chat.CommandRejected;
import dev.kchat.events.chat.CommandResult;
import dev.kchat.events.chat.ConversationEvent;
import dev.kchat.events.chat.MessageDeleted;
import dev.kchat.events.chat.MessagePosted;
import dev.kchat.events.chat.MessageRedacted;
import dev.kchat.events.chat.RoleAssigned;
import dev.kchat.events.chat.RoleDeleted;
import dev.kchat.events.chat.RoleUpdated;
import dev.kchat.events.chat.ServerCreated;
import dev.kchat.events.chat.AddMembers;
import dev.kchat.events.common.ChannelType;
import dev.kchat.events.common.OverwriteTarget;
import dev.kchat.events.moderation.ModerationAction;
import dev.kchat.routing.state.OverwriteState;
import dev.kchat.routing.state.ServerChannelState;
import dev.kchat.routing.state.ServerMemberState;
import dev.kchat.routing.state.ServerMeta;
import dev.kchat.routing.state.ServerRoleState;
import dev.kchat.schemas.Ids;
import dev.kchat.schemas.Snowflake;
import dev.kchat.schemas.topic.Topics;
import dev.kchat.servers.permissions.Permission;
import java.util.List;
import org.apache.kafka.streams.TestInputTopic;
import org.junit.jupiter.api.Test;

/**
 * Servers, channels, roles, overwrites and messages in channels through the routing topology: every
 * command against the permission it needs, the role hierarchy, and the keys (the server id) and
 * sequences (the server's log, each channel's own) of what comes out.
 */
class ServerTopologyTest extends ServerTopologyFixture {

    // ---------------------------------------------------------------- creation and keys

    @Test
    void shouldCreateAServerWithItsOwnerTheEveryoneRoleAndADefaultChannelAtSeqOne() {
        // When
        List<ConversationEvent> events = pipe(ServerCommands.createServer(SERVER, OWNER, " Hikers "));

        // Then
        assertThat(events).singleElement().satisfies(e -> {
            assertThat(e.getConversationId()).isEqualTo(SERVER);
            assertThat(e.getSeq()).isEqualTo(1);
            ServerCreated created = (ServerCreated) e.getPayload();
            assertThat(created.getName()).isEqualTo("Hikers");
            assertThat(created.getOwnerId()).isEqualTo(OWNER);
            assertThat(created.getEveryoneRole().getRoleId()).isEqualTo(SERVER);
            assertThat(created.getEveryoneRole().getPosition()).isZero();
            assertThat(created.getEveryoneRole().getPermissions()).isEqualTo(Permission.DEFAULT_EVERYONE);
            assertThat(created.getDefaultChannel().getChannelId()).isEqualTo(GENERAL);
            assertThat(created.getDefaultChannel().getType()).isEqualTo(ChannelType.TEXT);
        });
        assertThat(((CommandAccepted) results.readValue().getOutcome()).getSeq()).isEqualTo(1);
        ServerMeta meta = this.<ServerMeta>store(RoutingApp.SERVERS_STORE).get(SERVER);
        assertThat(meta.getLastSeq()).isEqualTo(1);
        assertThat(meta.getMemberCount()).isEqualTo(1);
        assertThat(meta.getNextChannel()).isEqualTo(2);
        assertThat(this.<ServerMemberState>store(RoutingApp.SERVER_MEMBERS_STORE).get(SERVER + "|" + OWNER).getRoleIds()).isEmpty();
        assertThat(this.<ServerRoleState>store(RoutingApp.SERVER_ROLES_STORE).get(SERVER + "|" + SERVER).getName()).isEqualTo("@everyone");
        assertThat(this.<ServerChannelState>store(RoutingApp.SERVER_CHANNELS_STORE).get(GENERAL).getLastSeq()).isZero();
        assertNoMoreRecords();
    }

    @Test
    void shouldAnswerARetriedCreateAsADuplicateAndRefuseAnotherCreateOfTheSameServer() {
        // Given
        ChatCommand create = ServerCommands.createServer(SERVER, OWNER, "Hikers");
        accepted(create);

        // When / Then
        assertThat(pipe(create)).isEmpty();
        CommandResult retry = results.readValue();
        assertThat(((CommandAccepted) retry.getOutcome()).getDuplicate()).isTrue();
        rejected(ServerCommands.createServer(SERVER, ANN, "Mine"), CommandRules.CONVERSATION_EXISTS);
        rejected(ServerCommands.createServer(GENERAL, OWNER, "On a channel"), CommandRules.INVALID_COMMAND);
        rejected(ServerCommands.createServer(SERVER + "x", OWNER, " "), CommandRules.INVALID_COMMAND);
        assertNoMoreRecords();
    }

    @Test
    void shouldPutAServerCommandsRefusalAndRepeatIntoItsSendersInbox() {
        // Given a server, whose creation (an acceptance its event reports) puts nothing into an inbox here
        ChatCommand create = ServerCommands.createServer(SERVER, OWNER, "Hikers");
        accepted(create);

        // When the owner repeats the creation and Ann tries to create it too
        pipe(create);
        results.readValue();
        rejected(ServerCommands.createServer(SERVER, ANN, "Mine"), CommandRules.CONVERSATION_EXISTS);

        // Then the repeat is the first unsequenced entry (the acceptance made none), for the owner, and the refusal Ann's
        var repeat = unsequenced.readKeyValue();
        assertThat(repeat.key).isEqualTo(OWNER);
        assertThat(repeat.value.getInboxSeq()).isZero();
        assertThat(((CommandAccepted) ((CommandResult) repeat.value.getItem()).getOutcome()).getDuplicate()).isTrue();
        var refusal = unsequenced.readKeyValue();
        assertThat(refusal.key).isEqualTo(ANN);
        assertThat(((CommandRejected) ((CommandResult) refusal.value.getItem()).getOutcome()).getCode())
                .isEqualTo(CommandRules.CONVERSATION_EXISTS);
        assertThat(unsequenced.isEmpty()).isTrue();
    }

    @Test
    void shouldRefuseACommandKeyedByAnotherServerOrNotMeantForServers() {
        // Given
        serverWithAnnAndBob();

        // When: a door that keyed a channel's send by the channel instead of the server
        ChatCommand send = ServerCommands.post(GENERAL, ANN, "k1");
        commands.pipeInput(GENERAL, send, now);

        // Then: the conversation rules refuse it (another task may own the server)
        assertThat(log.isEmpty()).isTrue();
        assertThat(((dev.kchat.events.chat.CommandRejected) results.readValue().getOutcome()).getCode()).isEqualTo(CommandRules.INVALID_COMMAND);
        rejected(Commands.command(SERVER, OWNER, AddMembers.newBuilder().setUserIds(List.of(CY)).build()), CommandRules.INVALID_COMMAND);
        rejected(ServerCommands.kick(GENERAL, OWNER, ANN), CommandRules.INVALID_COMMAND);
        rejected(ServerCommands.post(Ids.serverRole(SERVER, 1), ANN, "k2"), CommandRules.INVALID_COMMAND);
        assertNoMoreRecords();
    }

    @Test
    void shouldRefuseNonMembersAndUnknownServersAndChannels() {
        // Given
        serverWithAnnAndBob();

        // When / Then
        rejected(ServerCommands.createChannel(SERVER, CY, "mine", ChannelType.TEXT, null), CommandRules.NOT_A_MEMBER);
        rejected(ServerCommands.post(GENERAL, CY, "k1"), CommandRules.NOT_A_MEMBER);
        rejected(ServerCommands.post(Ids.serverChannel(SERVER, 9), ANN, "k1"), CommandRules.CONVERSATION_NOT_FOUND);
        String other = Ids.serverFor(OWNER, "never-created");
        rejected(ServerCommands.leave(other, ANN), CommandRules.CONVERSATION_NOT_FOUND);
        assertNoMoreRecords();
    }

    @Test
    void shouldSequenceEachChannelApartFromTheServerAndKeyEverythingByTheServer() {
        // Given
        serverWithAnnAndBob();
        ConversationEvent created = acceptedEvent(ServerCommands.createChannel(SERVER, OWNER, "trips", ChannelType.TEXT, null));
        String trips = ((ChannelCreated) created.getPayload()).getChannel().getChannelId();

        // When
        ConversationEvent first = acceptedEvent(ServerCommands.post(GENERAL, ANN, "k1"));
        ConversationEvent inTrips = acceptedEvent(ServerCommands.post(trips, BOB, "k1"));
        ConversationEvent second = acceptedEvent(ServerCommands.post(GENERAL, BOB, "k2"));

        // Then (pipe checked every record's key: the server id)
        assertThat(trips).isEqualTo(Ids.serverChannel(SERVER, 2));
        assertThat(created.getConversationId()).isEqualTo(SERVER);
        assertThat(created.getSeq()).isEqualTo(5);
        assertThat(List.of(first.getConversationId(), inTrips.getConversationId(), second.getConversationId()))
                .containsExactly(GENERAL, trips, GENERAL);
        assertThat(List.of(first.getSeq(), inTrips.getSeq(), second.getSeq())).containsExactly(1L, 1L, 2L);
        assertThat(this.<ServerChannelState>store(RoutingApp.SERVER_CHANNELS_STORE).get(GENERAL).getLastSeq()).isEqualTo(2);
        assertThat(this.<ServerMeta>store(RoutingApp.SERVERS_STORE).get(SERVER).getLastSeq()).isEqualTo(5);
        assertNoMoreRecords();
    }

    // ---------------------------------------------------------------- channels

    @Test
    void shouldCreateMoveAndDeleteChannelsOnlyWithManageChannels() {
        // Given
        serverWithAnnAndBob();
        rejected(ServerCommands.createChannel(SERVER, ANN, "trips", ChannelType.TEXT, null), CommandRules.FORBIDDEN);
        grant(ANN, "builders", mask(MANAGE_CHANNELS), 3);

        // When
        String category = channelId(acceptedEvent(ServerCommands.createChannel(SERVER, ANN, "Outdoors", ChannelType.CATEGORY, null)));
        String trips = channelId(acceptedEvent(ServerCommands.createChannel(SERVER, ANN, "trips", ChannelType.TEXT, category)));
        ConversationEvent renamed = acceptedEvent(ServerCommands.updateChannel(SERVER, ANN, trips, "hikes", null));

        // Then
        assertThat(((ChannelUpdated) renamed.getPayload()).getChannel().getName()).isEqualTo("hikes");
        assertThat(((ChannelUpdated) renamed.getPayload()).getChannel().getCategoryId()).isEqualTo(category);
        rejected(ServerCommands.createChannel(SERVER, ANN, "nested", ChannelType.CATEGORY, category), CommandRules.INVALID_COMMAND);
        rejected(ServerCommands.createChannel(SERVER, ANN, "lost", ChannelType.TEXT, GENERAL), CommandRules.INVALID_COMMAND);
        rejected(ServerCommands.updateChannel(SERVER, BOB, trips, "mine", null), CommandRules.FORBIDDEN);
        rejected(ServerCommands.post(category, ANN, "k1"), CommandRules.INVALID_COMMAND);

        // And: a member overwrite denying MANAGE_CHANNELS in one channel stops her there only
        overwrite(trips, OverwriteTarget.MEMBER, ANN, 0, mask(MANAGE_CHANNELS));
        rejected(ServerCommands.updateChannel(SERVER, ANN, trips, "again", null), CommandRules.FORBIDDEN);
        accepted(ServerCommands.updateChannel(SERVER, ANN, GENERAL, "lobby", null));

        // When: the category goes, its channel moves to the top level; the channel's overwrite goes with the channel
        ConversationEvent deleted = acceptedEvent(ServerCommands.deleteChannel(SERVER, ANN, category));
        assertThat(((ChannelDeleted) deleted.getPayload()).getChannelId()).isEqualTo(category);
        assertThat(this.<ServerChannelState>store(RoutingApp.SERVER_CHANNELS_STORE).get(trips).getCategoryId()).isNull();
        accepted(ServerCommands.deleteChannel(SERVER, OWNER, trips));
        assertThat(this.<ServerChannelState>store(RoutingApp.SERVER_CHANNELS_STORE).get(trips)).isNull();
        assertThat(this.<OverwriteState>store(RoutingApp.SERVER_OVERWRITES_STORE).get(trips + "|MEMBER|" + ANN)).isNull();
        rejected(ServerCommands.post(trips, ANN, "k2"), CommandRules.CONVERSATION_NOT_FOUND);
        rejected(ServerCommands.deleteChannel(SERVER, OWNER, trips), CommandRules.TARGET_NOT_FOUND);
        assertNoMoreRecords();
    }

    // ---------------------------------------------------------------- roles

    @Test
    void shouldCreateRolesOnlyBelowTheSendersHighestRoleGrantingOnlyWhatTheSenderHas() {
        // Given
        serverWithAnnAndBob();
        String mods = grant(ANN, "mods", mask(MANAGE_ROLES, KICK_MEMBERS), 5);

        // When / Then
        assertThat(mods).isEqualTo(Ids.serverRole(SERVER, 1));
        rejected(ServerCommands.createRole(SERVER, BOB, "mine", 0, 1, false), CommandRules.FORBIDDEN);
        rejected(ServerCommands.createRole(SERVER, ANN, "peers", mask(KICK_MEMBERS), 5, false), CommandRules.FORBIDDEN);
        rejected(ServerCommands.createRole(SERVER, ANN, "bigger", mask(Permission.BAN_MEMBERS), 2, false), CommandRules.FORBIDDEN);
        rejected(ServerCommands.createRole(SERVER, ANN, "admin", mask(Permission.ADMINISTRATOR), 2, false), CommandRules.FORBIDDEN);
        rejected(ServerCommands.createRole(SERVER, ANN, "odd", 1L << 50, 2, false), CommandRules.INVALID_COMMAND);
        rejected(ServerCommands.createRole(SERVER, ANN, "floor", 0, 0, false), CommandRules.INVALID_COMMAND);
        ConversationEvent helpers = acceptedEvent(ServerCommands.createRole(SERVER, ANN, "helpers", mask(KICK_MEMBERS), 4, true));
        assertThat(((dev.kchat.events.chat.RoleCreated) helpers.getPayload()).getRole().getRoleId()).isEqualTo(Ids.serverRole(SERVER, 2));
        assertThat(this.<ServerRoleState>store(RoutingApp.SERVER_ROLES_STORE).get(SERVER + "|" + Ids.serverRole(SERVER, 2)).getMentionable()).isTrue();
        assertNoMoreRecords();
    }

    @Test
    void shouldUpdateAndDeleteOnlyRolesBelowTheSendersHighestRole() {
        // Given
        serverWithAnnAndBob();
        grant(ANN, "mods", mask(MANAGE_ROLES, KICK_MEMBERS, SEND_MESSAGES), 5);
        String admins = role("admins", mask(MANAGE_ROLES), 6);
        String helpers = role("helpers", 0, 3);

        // When / Then
        rejected(ServerCommands.updateRolePermissions(SERVER, ANN, admins, 0), CommandRules.FORBIDDEN);
        ConversationEvent updated = acceptedEvent(ServerCommands.updateRolePermissions(SERVER, ANN, helpers, mask(KICK_MEMBERS)));
        assertThat(((RoleUpdated) updated.getPayload()).getRole().getPermissions()).isEqualTo(mask(KICK_MEMBERS));
        rejected(ServerCommands.updateRolePermissions(SERVER, ANN, helpers, mask(MANAGE_CHANNELS)), CommandRules.FORBIDDEN);
        rejected(ServerCommands.moveRole(SERVER, ANN, helpers, 6), CommandRules.FORBIDDEN);
        accepted(ServerCommands.moveRole(SERVER, ANN, helpers, 4));
        rejected(ServerCommands.moveRole(SERVER, OWNER, SERVER, 3), CommandRules.INVALID_COMMAND);
        // @everyone is below every role: ANN may take SEND_MESSAGES (which she has) from it
        accepted(ServerCommands.updateRolePermissions(SERVER, ANN, SERVER, Permission.DEFAULT_EVERYONE & ~SEND_MESSAGES.bit()));
        rejected(ServerCommands.updateRolePermissions(SERVER, BOB, helpers, 0), CommandRules.FORBIDDEN);
        rejected(ServerCommands.deleteRole(SERVER, ANN, admins), CommandRules.FORBIDDEN);
        rejected(ServerCommands.deleteRole(SERVER, OWNER, SERVER), CommandRules.INVALID_COMMAND);
        ConversationEvent deleted = acceptedEvent(ServerCommands.deleteRole(SERVER, ANN, helpers));
        assertThat(((RoleDeleted) deleted.getPayload()).getRoleId()).isEqualTo(helpers);
        assertThat(this.<ServerRoleState>store(RoutingApp.SERVER_ROLES_STORE).get(SERVER + "|" + helpers)).isNull();
        rejected(ServerCommands.deleteRole(SERVER, ANN, helpers), CommandRules.TARGET_NOT_FOUND);
        assertNoMoreRecords();
    }

    @Test
    void shouldAssignRolesOnlyBelowTheSendersHighestRole() {
        // Given
        serverWithAnnAndBob();
        grant(ANN, "mods", mask(MANAGE_ROLES), 5);
        String admins = role("admins", 0, 6);
        String helpers = role("helpers", 0, 3);

        // When / Then
        ConversationEvent assigned = acceptedEvent(ServerCommands.assign(SERVER, ANN, BOB, helpers));
        assertThat(((RoleAssigned) assigned.getPayload()).getRoleId()).isEqualTo(helpers);
        assertThat(this.<ServerMemberState>store(RoutingApp.SERVER_MEMBERS_STORE).get(SERVER + "|" + BOB).getRoleIds()).containsExactly(helpers);
        rejected(ServerCommands.assign(SERVER, ANN, BOB, helpers), CommandRules.INVALID_COMMAND);
        rejected(ServerCommands.assign(SERVER, ANN, BOB, admins), CommandRules.FORBIDDEN);
        rejected(ServerCommands.assign(SERVER, ANN, BOB, SERVER), CommandRules.INVALID_COMMAND);
        rejected(ServerCommands.assign(SERVER, ANN, CY, helpers), CommandRules.TARGET_NOT_FOUND);
        rejected(ServerCommands.assign(SERVER, BOB, ANN, helpers), CommandRules.FORBIDDEN);
        accepted(ServerCommands.unassign(SERVER, ANN, BOB, helpers));
        rejected(ServerCommands.unassign(SERVER, ANN, BOB, helpers), CommandRules.INVALID_COMMAND);
        assertThat(this.<ServerMemberState>store(RoutingApp.SERVER_MEMBERS_STORE).get(SERVER + "|" + BOB).getRoleIds()).isEmpty();
        assertNoMoreRecords();
    }

    // ---------------------------------------------------------------- overwrites and what members may do in a channel

    @Test
    void shouldHideAPrivateChannelFromMembersWithoutTheRoleItAllows() {
        // Given
        serverWithAnnAndBob();
        String staff = channelId(acceptedEvent(ServerCommands.createChannel(SERVER, OWNER, "staff", ChannelType.TEXT, null)));
        String staffRole = grant(ANN, "staff", 0, 2);
        overwrite(staff, OverwriteTarget.ROLE, SERVER, 0, mask(VIEW_CHANNEL));
        overwrite(staff, OverwriteTarget.ROLE, staffRole, mask(VIEW_CHANNEL), 0);

        // When / Then
        ConversationEvent posted = acceptedEvent(ServerCommands.post(staff, ANN, "k1"));
        assertThat(posted.getConversationId()).isEqualTo(staff);
        rejected(ServerCommands.post(staff, BOB, "k1"), CommandRules.FORBIDDEN);
        rejected(Commands.react(staff, BOB, 1), CommandRules.FORBIDDEN);
        accepted(ServerCommands.post(staff, OWNER, "k1"));
        accepted(ServerCommands.clearOverwrite(SERVER, OWNER, staff, OverwriteTarget.ROLE, SERVER));
        accepted(ServerCommands.post(staff, BOB, "k2"));
        assertNoMoreRecords();
    }

    @Test
    void shouldSetOverwritesOnlyWithManageRolesAndOnlyForWhatTheSenderHas() {
        // Given
        serverWithAnnAndBob();
        grant(ANN, "perms", mask(MANAGE_ROLES), 3);

        // When / Then
        rejected(ServerCommands.overwrite(SERVER, BOB, GENERAL, OverwriteTarget.MEMBER, CY, 0, mask(SEND_MESSAGES)), CommandRules.FORBIDDEN);
        rejected(ServerCommands.overwrite(SERVER, ANN, GENERAL, OverwriteTarget.MEMBER, BOB, mask(MANAGE_MESSAGES), 0), CommandRules.FORBIDDEN);
        rejected(ServerCommands.overwrite(SERVER, ANN, GENERAL, OverwriteTarget.MEMBER, BOB, mask(SEND_MESSAGES), mask(SEND_MESSAGES)),
                CommandRules.INVALID_COMMAND);
        rejected(ServerCommands.overwrite(SERVER, ANN, GENERAL, OverwriteTarget.ROLE, Ids.serverRole(SERVER, 7), 0, mask(SEND_MESSAGES)),
                CommandRules.TARGET_NOT_FOUND);
        rejected(ServerCommands.overwrite(SERVER, ANN, GENERAL, OverwriteTarget.MEMBER, CY, 0, mask(SEND_MESSAGES)), CommandRules.TARGET_NOT_FOUND);
        accepted(ServerCommands.overwrite(SERVER, ANN, GENERAL, OverwriteTarget.MEMBER, BOB, 0, mask(SEND_MESSAGES)));
        assertThat(this.<OverwriteState>store(RoutingApp.SERVER_OVERWRITES_STORE).get(GENERAL + "|MEMBER|" + BOB).getDeny())
                .isEqualTo(mask(SEND_MESSAGES));
        rejected(ServerCommands.post(GENERAL, BOB, "k1"), CommandRules.FORBIDDEN);
        rejected(ServerCommands.clearOverwrite(SERVER, BOB, GENERAL, OverwriteTarget.MEMBER, BOB), CommandRules.FORBIDDEN);
        accepted(ServerCommands.clearOverwrite(SERVER, ANN, GENERAL, OverwriteTarget.MEMBER, BOB));
        rejected(ServerCommands.clearOverwrite(SERVER, ANN, GENERAL, OverwriteTarget.MEMBER, BOB), CommandRules.TARGET_NOT_FOUND);
        accepted(ServerCommands.post(GENERAL, BOB, "k1"));
        assertNoMoreRecords();
    }

    @Test
    void shouldLetOnlyMessageManagersOrExplicitlyAllowedMembersPostInAnnouncementChannels() {
        // Given
        serverWithAnnAndBob();
        String news = channelId(acceptedEvent(ServerCommands.createChannel(SERVER, OWNER, "news", ChannelType.ANNOUNCEMENT, null)));
        grant(BOB, "editors", mask(MANAGE_MESSAGES), 2);

        // When / Then
        rejected(ServerCommands.post(news, ANN, "k1"), CommandRules.FORBIDDEN);
        accepted(ServerCommands.post(news, BOB, "k1"));
        accepted(ServerCommands.post(news, OWNER, "k1"));
        overwrite(news, OverwriteTarget.MEMBER, ANN, mask(SEND_MESSAGES), 0);
        assertThat(accepted(ServerCommands.post(news, ANN, "k1"))).isEqualTo(3);
        assertNoMoreRecords();
    }

    @Test
    void shouldRefuseSendingWithoutSendMessagesButNeverTheOwner() {
        // Given
        serverWithAnnAndBob();
        overwrite(GENERAL, OverwriteTarget.ROLE, SERVER, 0, mask(SEND_MESSAGES));

        // When / Then
        rejected(ServerCommands.post(GENERAL, ANN, "k1"), CommandRules.FORBIDDEN);
        accepted(ServerCommands.post(GENERAL, OWNER, "k1"));
        assertNoMoreRecords();
    }

    @Test
    void shouldDeleteOthersMessagesOnlyWithManageMessagesAndLetAuthorsEditTheirOwn() {
        // Given
        serverWithAnnAndBob();
        accepted(ServerCommands.post(GENERAL, ANN, "k1"));

        // When / Then
        rejected(Commands.edit(GENERAL, BOB, 1), CommandRules.FORBIDDEN);
        assertThat(accepted(Commands.edit(GENERAL, ANN, 1))).isEqualTo(2);
        rejected(Commands.delete(GENERAL, BOB, 1), CommandRules.FORBIDDEN);
        grant(BOB, "janitors", mask(MANAGE_MESSAGES), 2);
        ConversationEvent deleted = acceptedEvent(Commands.delete(GENERAL, BOB, 1));
        assertThat(deleted.getConversationId()).isEqualTo(GENERAL);
        assertThat(deleted.getSeq()).isEqualTo(3);
        assertThat(((MessageDeleted) deleted.getPayload()).getTargetSeq()).isEqualTo(1);
        rejected(Commands.react(GENERAL, ANN, 1), CommandRules.TARGET_NOT_FOUND);
        accepted(ServerCommands.post(GENERAL, ANN, "k2"));
        overwrite(GENERAL, OverwriteTarget.MEMBER, ANN, 0, mask(ADD_REACTIONS));
        rejected(Commands.react(GENERAL, ANN, 4), CommandRules.FORBIDDEN);
        accepted(Commands.react(GENERAL, BOB, 4));
        assertNoMoreRecords();
    }

    @Test
    void shouldKeepOnlyTheMentionsTheSenderMayMake() {
        // Given
        serverWithAnnAndBob();
        String hikers = acceptedRole("hikers", true);
        String staff = acceptedRole("staff", false);
        grant(BOB, "announcers", mask(MENTION_EVERYONE), 2);

        // When
        MessagePosted byAnn = (MessagePosted) acceptedEvent(ServerCommands.post(GENERAL, ANN, "k1",
                List.of(hikers, staff, SERVER, Ids.serverRole(SERVER, 99)), true)).getPayload();
        MessagePosted byBob = (MessagePosted) acceptedEvent(ServerCommands.post(GENERAL, BOB, "k1", List.of(hikers, staff), true)).getPayload();

        // Then
        assertThat(byAnn.getMentionRoles()).containsExactly(hikers);
        assertThat(byAnn.getMentionEveryone()).isFalse();
        assertThat(byBob.getMentionRoles()).containsExactly(hikers, staff);
        assertThat(byBob.getMentionEveryone()).isTrue();
        assertNoMoreRecords();
    }

    @Test
    void shouldGiveEveryMessageAnIncreasingSnowflakeAndAnswerARetryWithTheFirstSeq() {
        // Given
        serverWithAnnAndBob();
        ChatCommand first = ServerCommands.post(GENERAL, ANN, "k1");

        // When
        MessagePosted a = (MessagePosted) acceptedEvent(first).getPayload();
        MessagePosted b = (MessagePosted) acceptedEvent(ServerCommands.post(GENERAL, BOB, "k1")).getPayload();

        // Then
        assertThat(Snowflake.timestamp(a.getSnowflake())).isEqualTo(first.getIssuedAt());
        assertThat(Snowflake.worker(a.getSnowflake())).isZero();
        assertThat(b.getSnowflake()).isGreaterThan(a.getSnowflake());
        assertThat(Snowflake.sequence(b.getSnowflake())).isEqualTo(Snowflake.sequence(a.getSnowflake()) + 1);
        assertThat(pipe(first)).as("a retry appends nothing").isEmpty();
        CommandAccepted retry = (CommandAccepted) results.readValue().getOutcome();
        assertThat(retry.getDuplicate()).isTrue();
        assertThat(retry.getSeq()).isEqualTo(1);
        assertThat(retry.getMessageId()).isEqualTo(a.getMessageId());
        assertNoMoreRecords();
    }

    @Test
    void shouldRedactAChannelMessageThroughTheModerationRelayKeyedByTheServer() {
        // Given
        serverWithAnnAndBob();
        accepted(ServerCommands.post(GENERAL, ANN, "k1"));
        TestInputTopic<String, ModerationAction> actions = driver.createInputTopic(Topics.MODERATION_ACTIONS,
                topics.moderationActions().keySerde().serializer(), topics.moderationActions().valueSerde().serializer());

        // When
        actions.pipeInput(ANN, Commands.redact(ANN, GENERAL, 1), now);

        // Then
        var redacted = log.readKeyValue();
        assertThat(redacted.key).isEqualTo(SERVER);
        assertThat(redacted.value.getConversationId()).isEqualTo(GENERAL);
        assertThat(redacted.value.getSeq()).isEqualTo(2);
        assertThat(redacted.value.getPayload()).isInstanceOf(MessageRedacted.class);
        assertThat(results.readValue().getOutcome()).isInstanceOf(CommandAccepted.class);
        rejected(Commands.react(GENERAL, BOB, 1), CommandRules.TARGET_NOT_FOUND);
        assertNoMoreRecords();
    }

    private String acceptedRole(String name, boolean mentionable) {
        ConversationEvent created = acceptedEvent(ServerCommands.createRole(SERVER, OWNER, name, 0, 1, mentionable));
        return ((dev.kchat.events.chat.RoleCreated) created.getPayload()).getRole().getRoleId();
    }

    private static String channelId(ConversationEvent created) {
        return ((ChannelCreated) created.getPayload()).getChannel().getChannelId();
    }
}
