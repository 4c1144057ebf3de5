package dev.kchat.routing;

import dev.kchat.events.chat.BanMember;
import dev.kchat.events.chat.CreateInvite;
import dev.kchat.events.chat.InviteCreated;
import dev.kchat.events.chat.InviteRevoked;
import dev.kchat.events.chat.JoinServer;
import dev.kchat.events.chat.KickMember;
import dev.kchat.events.chat.MemberBanned;
import dev.kchat.events.chat.MemberUnbanned;
import dev.kchat.events.chat.RevokeInvite;
import dev.kchat.events.chat.RoleAssigned;
import dev.kchat.events.chat.RoleUnassigned;
import dev.kchat.events.chat.ServerMemberJoined;
import dev.kchat.events.chat.ServerMemberLeft;
import dev.kchat.events.chat.UnbanMember;
import dev.kchat.events.common.ServerLeaveKind;
import dev.kchat.routing.ServerDecision.Write;
import dev.kchat.routing.state.BanState;
import dev.kchat.routing.state.InviteState;
import dev.kchat.routing.state.ServerMemberState;
import dev.kchat.routing.state.ServerMeta;
import dev.kchat.schemas.Ids;
import dev.kchat.servers.permissions.Member;
import dev.kchat.servers.permissions.Permission;
import dev.kchat.servers.permissions.RoleHierarchy;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Who is in a server and with which roles: invites (CREATE_INSTANT_INVITE; revoked by their creator
 * or MANAGE_SERVER), joins by invite (refused when banned, or the invite is unknown, expired or used
 * up), leaves, kicks (KICK_MEMBERS), bans (BAN_MEMBERS; a banned user cannot join again until
 * unbanned) and role assignments (MANAGE_ROLES). Kicks, bans and assignments also follow the role
 * hierarchy: only members and roles below the sender's highest role, never the owner.
 */
final class ServerMembershipRules {

    /** Invite codes: URL-safe, chosen by the door. */
    static final Pattern INVITE_CODE = Pattern.compile("[A-Za-z0-9_-]{1,32}");
    /** Longest kick or ban reason. */
    static final int MAX_REASON_LENGTH = 512;

    ServerDecision assign(ServerContext c, ServerMemberState senderState, String userId, String roleId, boolean add) {
        if (roleId.equals(c.serverId())) {
            return c.reject(CommandRules.INVALID_COMMAND, "@everyone is every member's role; it is neither assigned nor taken");
        }
        Map<String, ?> roles = c.roles();
        if (!roles.containsKey(roleId)) {
            return c.reject(CommandRules.TARGET_NOT_FOUND, "no role " + roleId + " in " + c.serverId());
        }
        ServerMemberState target = c.state().serverMember(c.serverId(), userId);
        if (target == null) {
            return c.reject(CommandRules.TARGET_NOT_FOUND, userId + " is not a member of " + c.serverId());
        }
        Member sender = ServerContext.member(c.senderId(), senderState);
        ServerDecision refused = ServerStructureRules.manageable(c, sender, c.base(sender), roleId, add ? "assigning" : "taking");
        if (refused != null) {
            return refused;
        }
        boolean holds = target.getRoleIds().contains(roleId);
        if (holds == add) {
            return c.reject(CommandRules.INVALID_COMMAND, userId + (add ? " already holds " : " does not hold ") + roleId);
        }
        List<String> after = new ArrayList<>();
        // Ids of deleted roles are dropped on the way.
        target.getRoleIds().stream().filter(roles::containsKey).filter(id -> !id.equals(roleId)).forEach(after::add);
        if (add) {
            after.add(roleId);
        }
        Write write = Write.put(RoutingApp.SERVER_MEMBERS_STORE, StoreKeys.member(c.serverId(), userId),
                ServerMemberState.newBuilder(target).setRoleIds(after).build());
        return c.acceptOnServer(List.of(write), add
                ? RoleAssigned.newBuilder().setUserId(userId).setRoleId(roleId).build()
                : RoleUnassigned.newBuilder().setUserId(userId).setRoleId(roleId).build());
    }

    ServerDecision createInvite(ServerContext c, ServerMemberState senderState, CreateInvite create) {
        Member sender = ServerContext.member(c.senderId(), senderState);
        ServerDecision refused = c.requireOr(c.base(sender), Permission.CREATE_INSTANT_INVITE, "creating an invite");
        if (refused != null) {
            return refused;
        }
        String code = create.getCode();
        if (!INVITE_CODE.matcher(code).matches()) {
            return c.reject(CommandRules.INVALID_COMMAND, "an invite code has 1 to 32 characters of A-Z a-z 0-9 _ -");
        }
        if (c.state().invite(c.serverId(), code) != null) {
            return c.reject(CommandRules.INVALID_COMMAND, "invite code " + code + " is already in use");
        }
        if (create.getMaxUses() != null && create.getMaxUses() < 1) {
            return c.reject(CommandRules.INVALID_COMMAND, "max_uses is 1 or more, or absent for no limit");
        }
        if (create.getExpiresAt() != null && !create.getExpiresAt().isAfter(c.command().getIssuedAt())) {
            return c.reject(CommandRules.INVALID_COMMAND, "expires_at " + create.getExpiresAt() + " is not after the request");
        }
        InviteState invite = InviteState.newBuilder().setCreatorId(c.senderId()).setMaxUses(create.getMaxUses())
                .setExpiresAt(create.getExpiresAt()).setUses(0).build();
        return c.acceptOnServer(List.of(Write.put(RoutingApp.SERVER_INVITES_STORE, StoreKeys.invite(c.serverId(), code), invite)),
                InviteCreated.newBuilder().setCode(code).setMaxUses(create.getMaxUses()).setExpiresAt(create.getExpiresAt()).build());
    }

    ServerDecision revokeInvite(ServerContext c, ServerMemberState senderState, RevokeInvite revoke) {
        InviteState invite = c.state().invite(c.serverId(), revoke.getCode());
        if (invite == null) {
            return c.reject(ServerRules.INVITE_NOT_FOUND, "no invite " + revoke.getCode() + " in " + c.serverId());
        }
        Member sender = ServerContext.member(c.senderId(), senderState);
        if (!invite.getCreatorId().equals(c.senderId()) && !Permission.MANAGE_SERVER.in(c.base(sender))) {
            return c.reject(CommandRules.FORBIDDEN, "only its creator, or a member with MANAGE_SERVER, revokes an invite");
        }
        return c.acceptOnServer(List.of(Write.delete(RoutingApp.SERVER_INVITES_STORE, StoreKeys.invite(c.serverId(), revoke.getCode()))),
                InviteRevoked.newBuilder().setCode(revoke.getCode()).build());
    }

    /** A join by invite; expiry is judged against the command's issued_at (the door's clock). */
    ServerDecision join(ServerContext c, JoinServer join) {
        String userId = c.senderId();
        if (!Ids.isUserId(userId)) {
            return c.reject(CommandRules.INVALID_COMMAND, "'" + userId + "' is not a valid user id");
        }
        if (c.state().serverMember(c.serverId(), userId) != null) {
            return c.reject(CommandRules.INVALID_COMMAND, userId + " already is a member of " + c.serverId());
        }
        if (c.state().ban(c.serverId(), userId) != null) {
            return c.reject(ServerRules.BANNED, userId + " is banned from " + c.serverId());
        }
        String code = join.getInviteCode();
        InviteState invite = c.state().invite(c.serverId(), code);
        if (invite == null) {
            return c.reject(ServerRules.INVITE_NOT_FOUND, "no invite " + code + " in " + c.serverId());
        }
        if (invite.getExpiresAt() != null && !c.command().getIssuedAt().isBefore(invite.getExpiresAt())) {
            return c.reject(ServerRules.INVITE_EXPIRED, "invite " + code + " expired at " + invite.getExpiresAt());
        }
        if (invite.getMaxUses() != null && invite.getUses() >= invite.getMaxUses()) {
            return c.reject(ServerRules.INVITE_EXHAUSTED, "invite " + code + " was used " + invite.getUses() + " times, its limit");
        }
        ServerMeta meta = c.meta();
        long seq = meta.getLastSeq() + 1;
        List<Write> writes = List.of(
                Write.put(RoutingApp.SERVER_INVITES_STORE, StoreKeys.invite(c.serverId(), code),
                        InviteState.newBuilder(invite).setUses(invite.getUses() + 1).build()),
                Write.put(RoutingApp.SERVER_MEMBERS_STORE, StoreKeys.member(c.serverId(), userId),
                        ServerMemberState.newBuilder().setRoleIds(List.of()).setJoinedSeq(seq).build()));
        return c.acceptOnServer(ServerMeta.newBuilder(meta).setMemberCount(meta.getMemberCount() + 1), writes,
                ServerMemberJoined.newBuilder().setUserId(userId).setInviteCode(code)
                        .setInviteUses(invite.getUses() + 1).build());
    }

    ServerDecision leave(ServerContext c) {
        if (c.senderIsOwner()) {
            return c.reject(CommandRules.FORBIDDEN, "the owner cannot leave their server");
        }
        return removed(c, c.senderId(), ServerLeaveKind.LEFT, null, List.of());
    }

    ServerDecision kick(ServerContext c, ServerMemberState senderState, KickMember kick) {
        ServerMemberState target = c.state().serverMember(c.serverId(), kick.getUserId());
        if (target == null) {
            return c.reject(CommandRules.TARGET_NOT_FOUND, kick.getUserId() + " is not a member of " + c.serverId());
        }
        Member sender = ServerContext.member(c.senderId(), senderState);
        ServerDecision refused = moderation(c, sender, Permission.KICK_MEMBERS, kick.getUserId(), target, kick.getReason(), "kicking");
        if (refused != null) {
            return refused;
        }
        return removed(c, kick.getUserId(), ServerLeaveKind.KICKED, kick.getReason(), List.of());
    }

    /** Bans a user: a member is removed first (ServerMemberLeft of kind BANNED), then the ban is recorded (MemberBanned). */
    ServerDecision ban(ServerContext c, ServerMemberState senderState, BanMember ban) {
        String userId = ban.getUserId();
        if (!Ids.isUserId(userId)) {
            return c.reject(CommandRules.INVALID_COMMAND, "'" + userId + "' is not a valid user id");
        }
        ServerMemberState target = c.state().serverMember(c.serverId(), userId);
        Member sender = ServerContext.member(c.senderId(), senderState);
        ServerDecision refused = moderation(c, sender, Permission.BAN_MEMBERS, userId, target, ban.getReason(), "banning");
        if (refused != null) {
            return refused;
        }
        if (c.state().ban(c.serverId(), userId) != null) {
            return c.reject(CommandRules.INVALID_COMMAND, userId + " already is banned from " + c.serverId());
        }
        Write record = Write.put(RoutingApp.SERVER_BANS_STORE, StoreKeys.member(c.serverId(), userId),
                BanState.newBuilder().setBy(c.senderId()).setReason(ban.getReason()).setBannedAt(c.at()).build());
        MemberBanned banned = MemberBanned.newBuilder().setUserId(userId).setReason(ban.getReason()).build();
        if (target == null) {
            return c.acceptOnServer(List.of(record), banned);
        }
        return removed(c, userId, ServerLeaveKind.BANNED, ban.getReason(), List.of(record), banned);
    }

    ServerDecision unban(ServerContext c, ServerMemberState senderState, UnbanMember unban) {
        Member sender = ServerContext.member(c.senderId(), senderState);
        ServerDecision refused = c.requireOr(c.base(sender), Permission.BAN_MEMBERS, "unbanning");
        if (refused != null) {
            return refused;
        }
        if (c.state().ban(c.serverId(), unban.getUserId()) == null) {
            return c.reject(CommandRules.TARGET_NOT_FOUND, unban.getUserId() + " is not banned from " + c.serverId());
        }
        return c.acceptOnServer(List.of(Write.delete(RoutingApp.SERVER_BANS_STORE, StoreKeys.member(c.serverId(), unban.getUserId()))),
                MemberUnbanned.newBuilder().setUserId(unban.getUserId()).build());
    }

    /**
     * The checks of a kick or a ban: the permission, a reason of bounded length, and, for a member,
     * the hierarchy (never the owner, never oneself, only below the sender's highest role).
     */
    private static ServerDecision moderation(ServerContext c, Member sender, Permission needed, String userId, ServerMemberState target,
            String reason, String what) {
        ServerDecision refused = c.requireOr(c.base(sender), needed, what);
        if (refused != null) {
            return refused;
        }
        if (reason != null && reason.length() > MAX_REASON_LENGTH) {
            return c.reject(CommandRules.INVALID_COMMAND, "a reason has at most " + MAX_REASON_LENGTH + " characters");
        }
        if (userId.equals(c.senderId())) {
            return c.reject(CommandRules.INVALID_COMMAND, what + " oneself: leave instead");
        }
        if (c.meta().getOwnerId().equals(userId)) {
            return c.reject(CommandRules.FORBIDDEN, "nobody acts on the owner");
        }
        if (target != null && !RoleHierarchy.canModerate(c.server(), sender, ServerContext.member(userId, target))) {
            return c.reject(CommandRules.FORBIDDEN, userId + "'s highest role is not below yours");
        }
        return null;
    }

    private static ServerDecision removed(ServerContext c, String userId, ServerLeaveKind kind, String reason, List<Write> writes,
            Object... after) {
        ServerMeta meta = c.meta();
        List<Write> all = new ArrayList<>(writes);
        all.add(Write.delete(RoutingApp.SERVER_MEMBERS_STORE, StoreKeys.member(c.serverId(), userId)));
        Object[] payloads = new Object[after.length + 1];
        payloads[0] = ServerMemberLeft.newBuilder().setUserId(userId).setKind(kind)
                .setBy(kind == ServerLeaveKind.LEFT ? null : c.senderId()).setReason(reason).build();
        System.arraycopy(after, 0, payloads, 1, after.length);
        return c.acceptOnServer(ServerMeta.newBuilder(meta).setMemberCount(meta.getMemberCount() - 1), all, payloads);
    }
}
