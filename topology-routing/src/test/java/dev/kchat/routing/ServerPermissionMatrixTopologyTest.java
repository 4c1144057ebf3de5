package dev.kchat.routing;

import static dev.kchat.servers.permissions.Permission.ADD_REACTIONS;
import static dev.kchat.servers.permissions.Permission.BAN_MEMBERS;
import static dev.kchat.servers.permissions.Permission.CREATE_INSTANT_INVITE;
import static dev.kchat.servers.permissions.Permission.KICK_MEMBERS;
import static dev.kchat.servers.permissions.Permission.MANAGE_CHANNELS;
import static dev.kchat.servers.permissions.Permission.MANAGE_ROLES;
import static dev.kchat.servers.permissions.Permission.MANAGE_SERVER;
import static dev.kchat.servers.permissions.Permission.VIEW_CHANNEL;
import static dev.kchat.servers.permissions.Permission.mask;

import dev.kchat.events.chat.ChatCommand;
import dev.kchat.events.chat.ChannelCreated;
import dev.kchat.events.chat.RemoveReaction;
import dev.kchat.events.common.ChannelType;
import dev.kchat.events.common.OverwriteTarget;
import dev.kchat.servers.permissions.Permission;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * Every server command that needs a permission, in one matrix: refused {@code forbidden} to a plain
 * member, accepted from a member whose role grants it (and ranks above what it acts on); and the
 * channel commands not covered elsewhere (recall, unreact) against authorship and VIEW_CHANNEL.
 */
class ServerPermissionMatrixTopologyTest extends ServerTopologyFixture {

    private static final String DEE = "dee";

    @Test
    void shouldRefuseEveryManagingCommandToAPlainMemberAndAcceptItFromOneWhoseRoleGrantsIt() {
        // Given: a role to act on, a spare channel with an overwrite, the owner's invite, a third member, a banned user,
        // and @everyone without CREATE_INSTANT_INVITE
        serverWithAnnAndBob();
        accepted(ServerCommands.join(SERVER, DEE, "welcome"));
        String target = role("target", 0, 1);
        String spare = ((ChannelCreated) acceptedEvent(ServerCommands.createChannel(SERVER, OWNER, "spare", ChannelType.TEXT, null))
                .getPayload()).getChannel().getChannelId();
        overwrite(spare, OverwriteTarget.ROLE, target, 0, mask(ADD_REACTIONS));
        accepted(ServerCommands.invite(SERVER, OWNER, "owners", null, null));
        accepted(ServerCommands.ban(SERVER, OWNER, CY));
        accepted(ServerCommands.updateRolePermissions(SERVER, OWNER, SERVER, Permission.DEFAULT_EVERYONE & ~CREATE_INSTANT_INVITE.bit()));
        List<Function<String, ChatCommand>> managing = List.of(
                s -> ServerCommands.createChannel(SERVER, s, "new", ChannelType.TEXT, null),
                s -> ServerCommands.updateChannel(SERVER, s, spare, "renamed", null),
                s -> ServerCommands.overwrite(SERVER, s, GENERAL, OverwriteTarget.ROLE, target, 0, mask(ADD_REACTIONS)),
                s -> ServerCommands.clearOverwrite(SERVER, s, spare, OverwriteTarget.ROLE, target),
                s -> ServerCommands.createRole(SERVER, s, "new", 0, 1, false),
                s -> ServerCommands.updateRolePermissions(SERVER, s, target, mask(KICK_MEMBERS)),
                s -> ServerCommands.assign(SERVER, s, BOB, target),
                s -> ServerCommands.unassign(SERVER, s, BOB, target),
                s -> ServerCommands.deleteRole(SERVER, s, target),
                s -> ServerCommands.revoke(SERVER, s, "owners"),
                s -> ServerCommands.invite(SERVER, s, "mine", null, null),
                s -> ServerCommands.kick(SERVER, s, DEE),
                s -> ServerCommands.ban(SERVER, s, DEE),
                s -> ServerCommands.unban(SERVER, s, CY),
                s -> ServerCommands.deleteChannel(SERVER, s, spare));

        // When / Then: a plain member is refused each one, changing nothing
        managing.forEach(command -> rejected(command.apply(BOB), CommandRules.FORBIDDEN));

        // ... and a member whose role grants them has each one accepted, in order
        grant(ANN, "admins", mask(MANAGE_CHANNELS, MANAGE_ROLES, MANAGE_SERVER, KICK_MEMBERS, BAN_MEMBERS, CREATE_INSTANT_INVITE), 5);
        managing.forEach(command -> accepted(command.apply(ANN)));
        assertNoMoreRecords();
    }

    @Test
    void shouldLetOnlyTheAuthorRecallAndNobodyUnreactWhereTheyCannotSee() {
        // Given
        serverWithAnnAndBob();
        accepted(ServerCommands.post(GENERAL, ANN, "k1"));
        accepted(Commands.react(GENERAL, BOB, 1));

        // When / Then
        rejected(Commands.recall(GENERAL, BOB, 1), CommandRules.FORBIDDEN);
        overwrite(GENERAL, OverwriteTarget.MEMBER, BOB, 0, mask(VIEW_CHANNEL));
        rejected(Commands.command(GENERAL, BOB, RemoveReaction.newBuilder().setTargetSeq(1).setEmoji("+1").build()), CommandRules.FORBIDDEN);
        accepted(ServerCommands.clearOverwrite(SERVER, OWNER, GENERAL, OverwriteTarget.MEMBER, BOB));
        accepted(Commands.command(GENERAL, BOB, RemoveReaction.newBuilder().setTargetSeq(1).setEmoji("+1").build()));
        accepted(Commands.recall(GENERAL, ANN, 1));
        rejected(Commands.react(GENERAL, BOB, 1), CommandRules.TARGET_NOT_FOUND);
        assertNoMoreRecords();
    }
}
