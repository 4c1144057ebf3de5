package dev.kchat.ingress.servers;

import dev.kchat.api.ApiException;
import dev.kchat.api.ApiJson;
import dev.kchat.api.CommandFactory;
import dev.kchat.api.RequestIds;
import dev.kchat.api.ServerCommandFactory;
import dev.kchat.api.ServerRequests;
import dev.kchat.api.http.Parameters;
import dev.kchat.ingress.Doors;
import dev.kchat.ingress.outcome.CommandAnswers;
import dev.kchat.store.servers.ServerRepository;
import dev.kchat.store.servers.ServerRows;
import io.undertow.server.HttpServerExchange;
import io.undertow.server.RoutingHandler;
import java.time.Clock;
import java.time.Instant;

/**
 * The commands of the servers API: create a server; channels, roles, role assignments, channel overwrites,
 * invites, joins, leaves, kicks and bans. Each request is checked for its shape
 * ({@link ServerCommandFactory}: 400/404 with a code, nothing produced) and becomes one command on
 * {@code chat.commands} keyed by the server id, answered {@code 202} (or routing's decision with
 * {@code Prefer: wait=N}) like every command; permissions are routing's to decide. Joining by invite
 * code looks the code up in the store first, to find the server and to refuse at once an invite that is
 * known to be unusable. Reads are {@link ServerReadRoutes}'.
 */
public final class ServerRoutes implements Doors.RouteGroup {

    private final ServerCommandFactory factory = new ServerCommandFactory();
    private final CommandAnswers answers;
    private final ServerRepository servers;
    private final Clock clock;

    public ServerRoutes(CommandAnswers answers, ServerRepository servers, Clock clock) {
        this.answers = answers;
        this.servers = servers;
        this.clock = clock;
    }

    @Override
    public void register(RoutingHandler routes, Doors doors) {
        routes.post("/v1/servers", doors.withBody("server_create", (ex, caller, body) ->
                        accept(ex, doors, factory.createServer(caller, ApiJson.read(body, ServerRequests.CreateServer.class), now()))))
                .post("/v1/servers/{server}/channels", doors.withBody("server_channel_create", (ex, caller, body) ->
                        accept(ex, doors, factory.createChannel(caller, server(ex), ApiJson.read(body, ServerRequests.CreateChannel.class),
                                now()))))
                .add("PATCH", "/v1/servers/{server}/channels/{channel}", doors.withBody("server_channel_update", (ex, caller, body) ->
                        accept(ex, doors, factory.updateChannel(caller, server(ex), Parameters.pathParam(ex, "channel"),
                                ApiJson.read(body, ServerRequests.UpdateChannel.class), now()))))
                .delete("/v1/servers/{server}/channels/{channel}", doors.withoutBody("server_channel_delete", (ex, caller) ->
                        accept(ex, doors, factory.deleteChannel(caller, server(ex), Parameters.pathParam(ex, "channel"), now()))))
                .post("/v1/servers/{server}/roles", doors.withBody("server_role_create", (ex, caller, body) ->
                        accept(ex, doors, factory.createRole(caller, server(ex), ApiJson.read(body, ServerRequests.CreateRole.class), now()))))
                .add("PATCH", "/v1/servers/{server}/roles/{role}", doors.withBody("server_role_update", (ex, caller, body) ->
                        accept(ex, doors, factory.updateRole(caller, server(ex), Parameters.pathParam(ex, "role"),
                                ApiJson.read(body, ServerRequests.UpdateRole.class), now()))))
                .delete("/v1/servers/{server}/roles/{role}", doors.withoutBody("server_role_delete", (ex, caller) ->
                        accept(ex, doors, factory.deleteRole(caller, server(ex), Parameters.pathParam(ex, "role"), now()))))
                .put("/v1/servers/{server}/members/{user}/roles/{role}", doors.withoutBody("server_role_assign", (ex, caller) ->
                        accept(ex, doors, factory.assignRole(caller, server(ex), Parameters.pathParam(ex, "user"),
                                Parameters.pathParam(ex, "role"), true, now()))))
                .delete("/v1/servers/{server}/members/{user}/roles/{role}", doors.withoutBody("server_role_unassign", (ex, caller) ->
                        accept(ex, doors, factory.assignRole(caller, server(ex), Parameters.pathParam(ex, "user"),
                                Parameters.pathParam(ex, "role"), false, now()))))
                .put("/v1/servers/{server}/channels/{channel}/overwrites/{kind}/{target}", doors.withBody("server_overwrite_set",
                        (ex, caller, body) -> accept(ex, doors, factory.overwrite(caller, server(ex), Parameters.pathParam(ex, "channel"),
                                Parameters.pathParam(ex, "kind"), Parameters.pathParam(ex, "target"),
                                ApiJson.read(body, ServerRequests.Overwrite.class), now()))))
                .delete("/v1/servers/{server}/channels/{channel}/overwrites/{kind}/{target}", doors.withoutBody("server_overwrite_clear",
                        (ex, caller) -> accept(ex, doors, factory.overwrite(caller, server(ex), Parameters.pathParam(ex, "channel"),
                                Parameters.pathParam(ex, "kind"), Parameters.pathParam(ex, "target"), null, now()))))
                .post("/v1/servers/{server}/invites", doors.withBody("server_invite_create", (ex, caller, body) ->
                        accept(ex, doors, factory.createInvite(caller, server(ex), body.length == 0
                                ? new ServerRequests.CreateInvite(null, null) : ApiJson.read(body, ServerRequests.CreateInvite.class), now()))))
                .delete("/v1/servers/{server}/invites/{code}", doors.withoutBody("server_invite_revoke", (ex, caller) ->
                        accept(ex, doors, factory.revokeInvite(caller, server(ex), Parameters.pathParam(ex, "code"), now()))))
                .post("/v1/invites/{code}/join", doors.withoutBody("server_join", (ex, caller) ->
                        accept(ex, doors, join(caller, Parameters.pathParam(ex, "code")))))
                // Leaving is removing oneself; removing another member is a kick.
                .delete("/v1/servers/{server}/members/{user}", doors.withoutBody("server_kick", (ex, caller) -> {
                    String user = Parameters.pathParam(ex, "user");
                    accept(ex, doors, user.equals(caller.userId()) ? factory.leave(caller, server(ex), now())
                            : factory.kick(caller, server(ex), user, new ServerRequests.Reason(reason(ex)), now()));
                }))
                .put("/v1/servers/{server}/bans/{user}", doors.withBody("server_ban", (ex, caller, body) ->
                        accept(ex, doors, factory.ban(caller, server(ex), Parameters.pathParam(ex, "user"),
                                body.length == 0 ? null : ApiJson.read(body, ServerRequests.Reason.class), true, now()))))
                .delete("/v1/servers/{server}/bans/{user}", doors.withoutBody("server_unban", (ex, caller) ->
                        accept(ex, doors, factory.ban(caller, server(ex), Parameters.pathParam(ex, "user"), null, false, now()))));
    }

    /**
     * A join by invite code: the store says which server it is for. An invite the store knows to be revoked,
     * expired or used up, or a caller it knows to be banned, is refused here; routing decides again on its
     * own state (the store may lag: an invite revoked a moment ago is still refused there).
     */
    private CommandFactory.Accepted join(dev.kchat.api.auth.JwtAuthenticator.Caller caller, String code) {
        ServerCommandFactory.requireInviteCode(code);
        ServerRows.Invite invite = servers.invite(code)
                .orElseThrow(() -> ApiException.notFound("invite_not_found", "no invite '" + code + "'"));
        Instant now = now();
        if (invite.revoked()) {
            throw new ApiException(410, "invite_revoked", "the invite '" + code + "' was revoked");
        }
        if (invite.expiresAt() != null && !now.isBefore(invite.expiresAt())) {
            throw new ApiException(410, "invite_expired", "the invite '" + code + "' expired at " + invite.expiresAt());
        }
        if (invite.maxUses() != null && invite.uses() >= invite.maxUses()) {
            throw new ApiException(410, "invite_exhausted", "the invite '" + code + "' admitted its " + invite.maxUses() + " members");
        }
        if (servers.ban(invite.serverId(), caller.userId()).map(ServerRows.Ban::active).orElse(false)) {
            throw new ApiException(403, "banned", "you are banned from this server");
        }
        if (servers.member(invite.serverId(), caller.userId()).map(ServerRows.Membership::active).orElse(false)) {
            throw new ApiException(409, "already_member", "you are a member of " + invite.serverId() + " already");
        }
        return factory.join(caller, invite.serverId(), code, now);
    }

    private void accept(HttpServerExchange ex, Doors doors, CommandFactory.Accepted accepted) {
        CommandFactory.Accepted identified = RequestIds.apply(accepted, ex.getRequestHeaders().getFirst(RequestIds.HEADER));
        answers.answer(ex, identified, failure -> doors.fail(ex, "publish", failure));
    }

    private static String server(HttpServerExchange ex) {
        String serverId = Parameters.pathParam(ex, "server");
        ServerCommandFactory.requireServer(serverId);
        return serverId;
    }

    private static String reason(HttpServerExchange ex) {
        return Parameters.stringParam(ex, "reason", null);
    }

    private Instant now() {
        return clock.instant();
    }
}
