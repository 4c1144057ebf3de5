package dev.kchat.routing;

import static dev.kchat.servers.permissions.Permission.BAN_MEMBERS;
import static dev.kchat.servers.permissions.Permission.CREATE_INSTANT_INVITE;
import static dev.kchat.servers.permissions.Permission.KICK_MEMBERS;
import static dev.kchat.servers.permissions.Permission.MANAGE_SERVER;
import static dev.kchat.servers.permissions.Permission.mask;
import static org.assertj.core.api.Assertions.assertThat;

import dev.kchat.events.chat.ChatCommand;
import dev.kchat.events.chat.CommandAccepted;
import dev.kchat.events.chat.ConversationEvent;
import dev.kchat.events.chat.InviteCreated;
import dev.kchat.events.chat.MemberBanned;
import dev.kchat.events.chat.MemberUnbanned;
import dev.kchat.events.chat.ServerMemberJoined;
import dev.kchat.events.chat.ServerMemberLeft;
import dev.kchat.events.common.ServerLeaveKind;
import dev.kchat.routing.state.BanState;
import dev.kchat.routing.state.InviteState;
import dev.kchat.routing.state.ServerMemberState;
import dev.kchat.routing.state.ServerMeta;
import dev.kchat.servers.permissions.Permission;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Invites, joins, leaves, kicks and bans through the routing topology, against permissions and the role hierarchy. */
class ServerMembershipTopologyTest extends ServerTopologyFixture {

    @Test
    void shouldJoinWithAnInviteAndRefuseItOnceItsUsesAreSpent() {
        // Given
        accepted(ServerCommands.createServer(SERVER, OWNER, "Hikers"));
        ConversationEvent invited = acceptedEvent(ServerCommands.invite(SERVER, OWNER, "two-only", 2, null));
        assertThat(((InviteCreated) invited.getPayload()).getMaxUses()).isEqualTo(2);

        // When
        ConversationEvent joined = acceptedEvent(ServerCommands.join(SERVER, ANN, "two-only"));
        ConversationEvent second = acceptedEvent(ServerCommands.join(SERVER, BOB, "two-only"));

        // Then
        assertThat(joined.getConversationId()).isEqualTo(SERVER);
        assertThat(joined.getSeq()).isEqualTo(3);
        assertThat(((ServerMemberJoined) joined.getPayload()).getUserId()).isEqualTo(ANN);
        assertThat(((ServerMemberJoined) joined.getPayload()).getInviteCode()).isEqualTo("two-only");
        assertThat(((ServerMemberJoined) joined.getPayload()).getInviteUses()).isEqualTo(1);
        assertThat(((ServerMemberJoined) second.getPayload()).getInviteUses()).isEqualTo(2);
        rejected(ServerCommands.join(SERVER, CY, "two-only"), ServerRules.INVITE_EXHAUSTED);
        rejected(ServerCommands.join(SERVER, ANN, "two-only"), CommandRules.INVALID_COMMAND);
        assertThat(this.<InviteState>store(RoutingApp.SERVER_INVITES_STORE).get(SERVER + "|two-only").getUses()).isEqualTo(2);
        assertThat(this.<ServerMeta>store(RoutingApp.SERVERS_STORE).get(SERVER).getMemberCount()).isEqualTo(3);
        assertThat(this.<ServerMemberState>store(RoutingApp.SERVER_MEMBERS_STORE).get(SERVER + "|" + ANN).getJoinedSeq()).isEqualTo(3);
        assertNoMoreRecords();
    }

    @Test
    void shouldRefuseAnInviteFromTheMomentItExpires() {
        // Given
        accepted(ServerCommands.createServer(SERVER, OWNER, "Hikers"));
        Instant expiry = Commands.T0.plus(Duration.ofHours(1));
        accepted(ServerCommands.invite(SERVER, OWNER, "hour", null, expiry));

        // When / Then: judged by the join's issued_at
        accepted(issuedAt(ServerCommands.join(SERVER, ANN, "hour"), expiry.minusMillis(1)));
        rejected(issuedAt(ServerCommands.join(SERVER, BOB, "hour"), expiry), ServerRules.INVITE_EXPIRED);
        rejected(issuedAt(ServerCommands.invite(SERVER, OWNER, "past", null, Commands.T0.minusSeconds(1)), Commands.T0),
                CommandRules.INVALID_COMMAND);
        rejected(ServerCommands.invite(SERVER, OWNER, "none", 0, null), CommandRules.INVALID_COMMAND);
        assertNoMoreRecords();
    }

    @Test
    void shouldRefuseUnknownAndRevokedInvitesAndLetOnlyTheCreatorOrAServerManagerRevoke() {
        // Given
        accepted(ServerCommands.createServer(SERVER, OWNER, "Hikers"));
        accepted(ServerCommands.invite(SERVER, OWNER, "first", null, null));
        accepted(ServerCommands.join(SERVER, ANN, "first"));
        accepted(ServerCommands.join(SERVER, BOB, "first"));
        accepted(ServerCommands.invite(SERVER, ANN, "anns", null, null));

        // When / Then
        rejected(ServerCommands.join(SERVER, CY, "nope"), ServerRules.INVITE_NOT_FOUND);
        rejected(ServerCommands.revoke(SERVER, BOB, "anns"), CommandRules.FORBIDDEN);
        accepted(ServerCommands.revoke(SERVER, ANN, "anns"));
        rejected(ServerCommands.join(SERVER, CY, "anns"), ServerRules.INVITE_NOT_FOUND);
        rejected(ServerCommands.revoke(SERVER, ANN, "anns"), ServerRules.INVITE_NOT_FOUND);
        grant(BOB, "managers", mask(MANAGE_SERVER), 2);
        accepted(ServerCommands.revoke(SERVER, BOB, "first"));
        assertThat(this.<InviteState>store(RoutingApp.SERVER_INVITES_STORE).get(SERVER + "|first")).isNull();
        assertNoMoreRecords();
    }

    @Test
    void shouldCreateInvitesOnlyWithCreateInstantInvite() {
        // Given: @everyone without CREATE_INSTANT_INVITE
        serverWithAnnAndBob();
        accepted(ServerCommands.updateRolePermissions(SERVER, OWNER, SERVER, Permission.DEFAULT_EVERYONE & ~CREATE_INSTANT_INVITE.bit()));

        // When / Then
        rejected(ServerCommands.invite(SERVER, ANN, "mine", null, null), CommandRules.FORBIDDEN);
        grant(ANN, "inviters", mask(CREATE_INSTANT_INVITE), 2);
        accepted(ServerCommands.invite(SERVER, ANN, "mine", null, null));
        rejected(ServerCommands.invite(SERVER, OWNER, "mine", null, null), CommandRules.INVALID_COMMAND);
        rejected(ServerCommands.invite(SERVER, OWNER, "has space", null, null), CommandRules.INVALID_COMMAND);
        rejected(ServerCommands.invite(SERVER, CY, "outsider", null, null), CommandRules.NOT_A_MEMBER);
        assertNoMoreRecords();
    }

    @Test
    void shouldLetMembersLeaveButNotTheOwner() {
        // Given
        serverWithAnnAndBob();

        // When
        ConversationEvent left = acceptedEvent(ServerCommands.leave(SERVER, ANN));

        // Then
        ServerMemberLeft payload = (ServerMemberLeft) left.getPayload();
        assertThat(payload.getUserId()).isEqualTo(ANN);
        assertThat(payload.getKind()).isEqualTo(ServerLeaveKind.LEFT);
        assertThat(payload.getBy()).isNull();
        rejected(ServerCommands.leave(SERVER, OWNER), CommandRules.FORBIDDEN);
        rejected(ServerCommands.leave(SERVER, ANN), CommandRules.NOT_A_MEMBER);
        rejected(ServerCommands.post(GENERAL, ANN, "k1"), CommandRules.NOT_A_MEMBER);
        assertThat(this.<ServerMeta>store(RoutingApp.SERVERS_STORE).get(SERVER).getMemberCount()).isEqualTo(2);
        assertNoMoreRecords();
    }

    @Test
    void shouldKickOnlyWithKickMembersAndOnlyMembersBelowTheSendersHighestRole() {
        // Given
        serverWithAnnAndBob();
        accepted(ServerCommands.join(SERVER, CY, "welcome"));
        rejected(ServerCommands.kick(SERVER, ANN, BOB), CommandRules.FORBIDDEN);
        String mods = grant(ANN, "mods", mask(KICK_MEMBERS), 5);
        accepted(ServerCommands.assign(SERVER, OWNER, CY, mods));

        // When
        ConversationEvent kicked = acceptedEvent(ServerCommands.kick(SERVER, ANN, BOB));

        // Then
        ServerMemberLeft payload = (ServerMemberLeft) kicked.getPayload();
        assertThat(payload.getKind()).isEqualTo(ServerLeaveKind.KICKED);
        assertThat(payload.getBy()).isEqualTo(ANN);
        assertThat(payload.getReason()).isEqualTo("spam");
        assertThat(this.<ServerMemberState>store(RoutingApp.SERVER_MEMBERS_STORE).get(SERVER + "|" + BOB)).isNull();
        rejected(ServerCommands.post(GENERAL, BOB, "k1"), CommandRules.NOT_A_MEMBER);
        rejected(ServerCommands.kick(SERVER, ANN, CY), CommandRules.FORBIDDEN);
        rejected(ServerCommands.kick(SERVER, ANN, OWNER), CommandRules.FORBIDDEN);
        rejected(ServerCommands.kick(SERVER, ANN, BOB), CommandRules.TARGET_NOT_FOUND);
        rejected(ServerCommands.kick(SERVER, ANN, ANN), CommandRules.INVALID_COMMAND);
        accepted(ServerCommands.kick(SERVER, OWNER, CY));
        // A kicked user may come back with an invite.
        accepted(ServerCommands.join(SERVER, BOB, "welcome"));
        accepted(ServerCommands.post(GENERAL, BOB, "k1"));
        assertNoMoreRecords();
    }

    @Test
    void shouldBanAMemberWhoThenCannotRejoinUntilUnbanned() {
        // Given
        serverWithAnnAndBob();
        rejected(ServerCommands.ban(SERVER, ANN, BOB), CommandRules.FORBIDDEN);
        grant(ANN, "wardens", mask(BAN_MEMBERS), 3);

        // When
        List<ConversationEvent> events = pipe(ServerCommands.ban(SERVER, ANN, BOB));

        // Then: removed, then banned, at consecutive seqs of the server's log; the result names the ban's
        assertThat(events).hasSize(2);
        ServerMemberLeft left = (ServerMemberLeft) events.get(0).getPayload();
        assertThat(left.getKind()).isEqualTo(ServerLeaveKind.BANNED);
        assertThat(left.getBy()).isEqualTo(ANN);
        assertThat(((MemberBanned) events.get(1).getPayload()).getUserId()).isEqualTo(BOB);
        assertThat(events.get(1).getSeq()).isEqualTo(events.get(0).getSeq() + 1);
        assertThat(((CommandAccepted) results.readValue().getOutcome()).getSeq()).isEqualTo(events.get(1).getSeq());
        assertThat(this.<BanState>store(RoutingApp.SERVER_BANS_STORE).get(SERVER + "|" + BOB).getBy()).isEqualTo(ANN);
        assertThat(this.<ServerMeta>store(RoutingApp.SERVERS_STORE).get(SERVER).getLastSeq()).isEqualTo(events.get(1).getSeq());
        rejected(ServerCommands.join(SERVER, BOB, "welcome"), ServerRules.BANNED);
        rejected(ServerCommands.post(GENERAL, BOB, "k1"), CommandRules.NOT_A_MEMBER);
        rejected(ServerCommands.ban(SERVER, ANN, BOB), CommandRules.INVALID_COMMAND);

        // When unbanned, the same invite lets them in again
        rejected(ServerCommands.unban(SERVER, CY, BOB), CommandRules.NOT_A_MEMBER);
        ConversationEvent unbanned = acceptedEvent(ServerCommands.unban(SERVER, ANN, BOB));
        assertThat(((MemberUnbanned) unbanned.getPayload()).getUserId()).isEqualTo(BOB);
        rejected(ServerCommands.unban(SERVER, ANN, BOB), CommandRules.TARGET_NOT_FOUND);
        accepted(ServerCommands.join(SERVER, BOB, "welcome"));
        assertNoMoreRecords();
    }

    @Test
    void shouldBanAUserBeforeTheyJoinAndNeverTheOwnerOrAnEqual() {
        // Given
        serverWithAnnAndBob();
        String wardens = grant(ANN, "wardens", mask(BAN_MEMBERS), 3);
        accepted(ServerCommands.assign(SERVER, OWNER, BOB, wardens));

        // When
        List<ConversationEvent> events = pipe(ServerCommands.ban(SERVER, ANN, CY));

        // Then
        assertThat(events).singleElement().satisfies(e -> assertThat(e.getPayload()).isInstanceOf(MemberBanned.class));
        assertThat(results.readValue().getOutcome()).isInstanceOf(CommandAccepted.class);
        rejected(ServerCommands.join(SERVER, CY, "welcome"), ServerRules.BANNED);
        rejected(ServerCommands.ban(SERVER, ANN, OWNER), CommandRules.FORBIDDEN);
        rejected(ServerCommands.ban(SERVER, ANN, BOB), CommandRules.FORBIDDEN);
        rejected(ServerCommands.ban(SERVER, ANN, "not a user"), CommandRules.INVALID_COMMAND);
        accepted(ServerCommands.unassign(SERVER, OWNER, BOB, wardens));
        rejected(ServerCommands.unban(SERVER, BOB, CY), CommandRules.FORBIDDEN);
        accepted(ServerCommands.ban(SERVER, OWNER, ANN));
        assertNoMoreRecords();
    }

    private static ChatCommand issuedAt(ChatCommand command, Instant at) {
        return ChatCommand.newBuilder(command).setIssuedAt(at).build();
    }
}
