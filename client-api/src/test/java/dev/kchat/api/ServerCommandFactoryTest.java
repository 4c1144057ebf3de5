package dev.kchat.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kchat.api.auth.JwtAuthenticator.Caller;
import dev.kchat.events.chat.CreateChannel;
import dev.kchat.events.chat.CreateServer;
import dev.kchat.events.chat.KickMember;
import dev.kchat.events.chat.LeaveServer;
import dev.kchat.events.chat.SetChannelOverwrite;
import dev.kchat.events.chat.UpdateChannel;
import dev.kchat.events.common.ChannelType;
import dev.kchat.events.common.OverwriteTarget;
import dev.kchat.schemas.Ids;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** The shape checks of the servers API, and the commands they make: all keyed (conversation) by the server. */
class ServerCommandFactoryTest {

    private static final Instant NOW = Instant.parse("2026-11-26T10:00:00Z");
    private static final String SV = "sv:00000000-0000-4000-8000-000000000001";
    private final ServerCommandFactory factory = new ServerCommandFactory();
    private final Caller ana = new Caller("ana", "phone");

    private static ApiException refusal(Runnable r) {
        try {
            r.run();
        } catch (ApiException e) {
            return e;
        }
        throw new AssertionError("expected a refusal");
    }

    @Test
    void shouldDeriveTheServerIdFromTheCreatorsRequestIdSoARetryMeetsTheSameServer() {
        CommandFactory.Accepted first = RequestIds.apply(factory.createServer(ana, new ServerRequests.CreateServer(" Climbers "), NOW), "r-1");
        CommandFactory.Accepted retry = RequestIds.apply(factory.createServer(ana, new ServerRequests.CreateServer("Climbers"), NOW), "r-1");

        assertThat(first.conversationId()).isEqualTo(Ids.serverFor("ana", "r-1")).isEqualTo(retry.conversationId());
        assertThat(first.command().getCommandId()).isEqualTo(retry.command().getCommandId());
        assertThat(((CreateServer) first.command().getPayload()).getName()).isEqualTo("Climbers");
        assertThat(Ids.isServer(factory.createServer(ana, new ServerRequests.CreateServer("x"), NOW).conversationId())).isTrue();
    }

    @Test
    void shouldMakeChannelCommandsOfTheServerWithDefaultsAndRefuseChannelsOfAnotherServer() {
        CommandFactory.Accepted created = factory.createChannel(ana, SV, new ServerRequests.CreateChannel("news", "announcement",
                SV + ":c3", 2, null), NOW);
        assertThat(created.command().getConversationId()).isEqualTo(SV);
        CreateChannel channel = (CreateChannel) created.command().getPayload();
        assertThat(channel.getType()).isEqualTo(ChannelType.ANNOUNCEMENT);
        assertThat(channel.getCategoryId()).isEqualTo(SV + ":c3");
        assertThat(((CreateChannel) factory.createChannel(ana, SV, new ServerRequests.CreateChannel("x", null, null, null, null), NOW)
                .command().getPayload()).getType()).isEqualTo(ChannelType.TEXT);
        UpdateChannel moved = (UpdateChannel) factory.updateChannel(ana, SV, SV + ":c2",
                new ServerRequests.UpdateChannel(null, "", null, null), NOW).command().getPayload();
        assertThat(moved.getCategoryId()).as("\"\" moves it to the top level").isEmpty();

        String other = "sv:00000000-0000-4000-8000-000000000002";
        assertThat(refusal(() -> factory.deleteChannel(ana, SV, other + ":c1", NOW)).code()).isEqualTo("channel_not_found");
        assertThat(refusal(() -> factory.createChannel(ana, SV, new ServerRequests.CreateChannel("x", null, other + ":c1", null, null),
                NOW)).code()).isEqualTo("invalid_field");
        assertThat(refusal(() -> factory.createChannel(ana, SV, new ServerRequests.CreateChannel("c", "category", SV + ":c1", null, null),
                NOW)).code()).isEqualTo("invalid_field");
        assertThat(refusal(() -> factory.updateChannel(ana, SV, SV + ":c1", new ServerRequests.UpdateChannel(null, null, null, null), NOW))
                .code()).isEqualTo("missing_field");
        assertThat(refusal(() -> factory.createChannel(ana, "g:1", new ServerRequests.CreateChannel("x", null, null, null, null), NOW))
                .code()).isEqualTo("server_not_found");
    }

    @Test
    void shouldRefuseUnknownPermissionBitsAndOverlappingOverwritesButTakeDiscordsBits() {
        assertThat(refusal(() -> factory.createRole(ana, SV, new ServerRequests.CreateRole("r", 1L << 40, null, null), NOW)).code())
                .isEqualTo("invalid_permissions");
        assertThat(refusal(() -> factory.createRole(ana, SV, new ServerRequests.CreateRole("r", -1L, null, null), NOW)).code())
                .isEqualTo("invalid_permissions");
        assertThat(refusal(() -> factory.overwrite(ana, SV, SV + ":c1", "roles", SV, new ServerRequests.Overwrite(1024L, 1024L), NOW))
                .code()).isEqualTo("invalid_permissions");
        assertThat(refusal(() -> factory.overwrite(ana, SV, SV + ":c1", "roles", SV + ":x", new ServerRequests.Overwrite(0L, 0L), NOW))
                .code()).isEqualTo("role_not_found");
        assertThat(refusal(() -> factory.deleteRole(ana, SV, SV, NOW)).code()).isEqualTo("invalid_field");

        SetChannelOverwrite set = (SetChannelOverwrite) factory.overwrite(ana, SV, SV + ":c1", "members", "ben",
                new ServerRequests.Overwrite(1024L | 2048L, null), NOW).command().getPayload();
        assertThat(set.getTargetKind()).isEqualTo(OverwriteTarget.MEMBER);
        assertThat(set.getAllow()).isEqualTo(3072L);
        assertThat(set.getDeny()).isZero();
    }

    @Test
    void shouldCheckInvitesAndTellALeaveFromAKick() {
        assertThat(refusal(() -> factory.createInvite(ana, SV, new ServerRequests.CreateInvite(0, null), NOW)).code())
                .isEqualTo("invalid_field");
        assertThat(refusal(() -> factory.createInvite(ana, SV, new ServerRequests.CreateInvite(null, 10L), NOW)).code())
                .isEqualTo("invalid_field");
        CommandFactory.Accepted invite = factory.createInvite(ana, SV, new ServerRequests.CreateInvite(null, null), NOW);
        assertThat(invite.answerFields().get("code")).matches("[A-Za-z0-9]{10}");
        assertThat(refusal(() -> factory.join(ana, SV, "x", NOW)).code()).isEqualTo("invite_not_found");

        assertThat(factory.leave(ana, SV, NOW).command().getPayload()).isInstanceOf(LeaveServer.class);
        assertThat(((KickMember) factory.kick(ana, SV, "ben", new ServerRequests.Reason("spam"), NOW).command().getPayload()).getReason())
                .isEqualTo("spam");
        assertThat(refusal(() -> factory.kick(ana, SV, "not a user", null, NOW)).code()).isEqualTo("invalid_user_id");
    }

    @Test
    void shouldTakeRoleMentionsInServerChannelsOnly() {
        CommandFactory sends = new CommandFactory(Limits.defaults());
        var send = sends.sendMessage(ana, SV + ":c1", new Requests.SendMessage("k1", "hey", null, null, null,
                java.util.List.of(SV + ":r2", SV + ":r2", SV), true), NOW);
        dev.kchat.events.chat.SendMessage payload = (dev.kchat.events.chat.SendMessage) send.command().getPayload();
        assertThat(payload.getMentionRoles()).containsExactly(SV + ":r2", SV);
        assertThat(payload.getMentionEveryone()).isTrue();
        assertThat(refusal(() -> sends.sendMessage(ana, "g:1", new Requests.SendMessage("k2", "hey", null, null, null,
                java.util.List.of(SV + ":r2"), null), NOW)).code()).isEqualTo("invalid_field");
        assertThat(refusal(() -> sends.sendMessage(ana, SV + ":c1", new Requests.SendMessage("k3", "hey", null, null, null,
                java.util.List.of("sv:00000000-0000-4000-8000-000000000002:r1"), null), NOW)).code()).isEqualTo("invalid_field");
    }
}
