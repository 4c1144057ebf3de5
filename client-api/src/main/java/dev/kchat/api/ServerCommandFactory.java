package dev.kchat.api;

import dev.kchat.api.auth.JwtAuthenticator.Caller;
import dev.kchat.events.chat.AssignRole;
import dev.kchat.events.chat.BanMember;
import dev.kchat.events.chat.ClearChannelOverwrite;
import dev.kchat.events.chat.CreateChannel;
import dev.kchat.events.chat.CreateInvite;
import dev.kchat.events.chat.CreateRole;
import dev.kchat.events.chat.CreateServer;
import dev.kchat.events.chat.DeleteChannel;
import dev.kchat.events.chat.DeleteRole;
import dev.kchat.events.chat.JoinServer;
import dev.kchat.events.chat.KickMember;
import dev.kchat.events.chat.LeaveServer;
import dev.kchat.events.chat.RevokeInvite;
import dev.kchat.events.chat.SetChannelOverwrite;
import dev.kchat.events.chat.UnassignRole;
import dev.kchat.events.chat.UnbanMember;
import dev.kchat.events.chat.UpdateChannel;
import dev.kchat.events.chat.UpdateRole;
import dev.kchat.events.common.ChannelType;
import dev.kchat.events.common.OverwriteTarget;
import dev.kchat.schemas.Ids;
import dev.kchat.servers.permissions.Permission;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * Turns validated requests of the servers API into commands keyed by the server: pure functions apart
 * from the random invite codes, no I/O. Every refusal is a 400 (or 404 for an id that cannot exist)
 * {@link ApiException} with a machine code, and then nothing is produced. Permissions are routing's to
 * decide: these checks are about the shape of a request only.
 */
public final class ServerCommandFactory {

    /** Longest server, channel or role name, in characters. */
    public static final int MAX_NAME_CHARS = 100;
    /** Longest channel topic, in characters. */
    public static final int MAX_TOPIC_CHARS = 1024;
    /** Longest kick or ban reason, in characters. */
    public static final int MAX_REASON_CHARS = 512;
    /** Largest channel or role position. */
    public static final int MAX_POSITION = 1_000_000;
    /** Most joins one invite may admit. */
    public static final int MAX_INVITE_USES = 1_000_000;
    /** Longest and shortest invite lifetime. */
    public static final Duration MAX_INVITE_AGE = Duration.ofDays(30);
    public static final Duration MIN_INVITE_AGE = Duration.ofMinutes(1);
    /** An invite code: letters and digits. */
    public static final Pattern INVITE_CODE = Pattern.compile("[A-Za-z0-9]{6,32}");
    private static final int INVITE_CODE_LENGTH = 10;
    private static final String CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";

    private final SecureRandom random = new SecureRandom();

    public CommandFactory.Accepted createServer(Caller caller, ServerRequests.CreateServer request, Instant now) {
        String name = name("name", request.name());
        // RequestIds derives the id from (creator, Idempotency-Key) when the client gives one.
        return command(caller, Ids.newServer(), "server", now, CreateServer.newBuilder().setName(name).build());
    }

    public CommandFactory.Accepted createChannel(Caller caller, String serverId, ServerRequests.CreateChannel request, Instant now) {
        requireServer(serverId);
        ChannelType type = channelType(request.type());
        if (type == ChannelType.CATEGORY && request.categoryId() != null) {
            throw ApiException.badRequest("invalid_field", "a category cannot be in a category");
        }
        return command(caller, serverId, "channel", now, CreateChannel.newBuilder().setName(name("name", request.name()))
                .setType(type).setCategoryId(request.categoryId() == null ? null : channelOf(serverId, request.categoryId(), "category_id"))
                .setPosition(position("position", request.position() == null ? 0 : request.position(), 0)).setTopic(topic(request.topic())).build());
    }

    public CommandFactory.Accepted updateChannel(Caller caller, String serverId, String channelId, ServerRequests.UpdateChannel request,
            Instant now) {
        requireServer(serverId);
        channelOf(serverId, channelId, null);
        if (request.name() == null && request.categoryId() == null && request.position() == null && request.topic() == null) {
            throw ApiException.badRequest("missing_field", "give at least one of name, category_id, position, topic");
        }
        String category = request.categoryId() == null || request.categoryId().isEmpty() ? request.categoryId()
                : channelOf(serverId, request.categoryId(), "category_id");
        return command(caller, serverId, "channel", now, UpdateChannel.newBuilder().setChannelId(channelId)
                .setName(request.name() == null ? null : name("name", request.name())).setCategoryId(category)
                .setPosition(request.position() == null ? null : position("position", request.position(), 0))
                .setTopic(request.topic() == null ? null : request.topic().isEmpty() ? "" : topic(request.topic())).build());
    }

    public CommandFactory.Accepted deleteChannel(Caller caller, String serverId, String channelId, Instant now) {
        requireServer(serverId);
        channelOf(serverId, channelId, null);
        return command(caller, serverId, "channel", now, DeleteChannel.newBuilder().setChannelId(channelId).build());
    }

    public CommandFactory.Accepted createRole(Caller caller, String serverId, ServerRequests.CreateRole request, Instant now) {
        requireServer(serverId);
        return command(caller, serverId, "role", now, CreateRole.newBuilder().setName(name("name", request.name()))
                .setPermissions(permissions("permissions", request.permissions() == null ? 0 : request.permissions()))
                .setPosition(position("position", request.position() == null ? 1 : request.position(), 1))
                .setMentionable(Boolean.TRUE.equals(request.mentionable())).build());
    }

    public CommandFactory.Accepted updateRole(Caller caller, String serverId, String roleId, ServerRequests.UpdateRole request, Instant now) {
        requireServer(serverId);
        requireRole(serverId, roleId);
        if (request.name() == null && request.permissions() == null && request.position() == null && request.mentionable() == null) {
            throw ApiException.badRequest("missing_field", "give at least one of name, permissions, position, mentionable");
        }
        if (roleId.equals(serverId) && (request.position() != null || request.name() != null)) {
            throw ApiException.badRequest("invalid_field", "the @everyone role keeps its name and position 0");
        }
        return command(caller, serverId, "role", now, UpdateRole.newBuilder().setRoleId(roleId)
                .setName(request.name() == null ? null : name("name", request.name()))
                .setPermissions(request.permissions() == null ? null : permissions("permissions", request.permissions()))
                .setPosition(request.position() == null ? null : position("position", request.position(), 1))
                .setMentionable(request.mentionable()).build());
    }

    public CommandFactory.Accepted deleteRole(Caller caller, String serverId, String roleId, Instant now) {
        requireServer(serverId);
        requireRole(serverId, roleId);
        if (roleId.equals(serverId)) {
            throw ApiException.badRequest("invalid_field", "the @everyone role cannot be deleted");
        }
        return command(caller, serverId, "role", now, DeleteRole.newBuilder().setRoleId(roleId).build());
    }

    /** Give ({@code assign} true) or take a role from a member. */
    public CommandFactory.Accepted assignRole(Caller caller, String serverId, String userId, String roleId, boolean assign, Instant now) {
        requireServer(serverId);
        requireUser(userId);
        requireRole(serverId, roleId);
        if (roleId.equals(serverId)) {
            throw ApiException.badRequest("invalid_field", "every member holds @everyone; it is not assigned");
        }
        Object payload = assign ? AssignRole.newBuilder().setUserId(userId).setRoleId(roleId).build()
                : UnassignRole.newBuilder().setUserId(userId).setRoleId(roleId).build();
        return command(caller, serverId, "role", now, payload);
    }

    /** Set ({@code request} non-null) or clear a channel's overwrite; {@code kind} is {@code roles} or {@code members}. */
    public CommandFactory.Accepted overwrite(Caller caller, String serverId, String channelId, String kind, String targetId,
            ServerRequests.Overwrite request, Instant now) {
        requireServer(serverId);
        channelOf(serverId, channelId, null);
        OverwriteTarget target = switch (kind) {
            case "roles" -> OverwriteTarget.ROLE;
            case "members" -> OverwriteTarget.MEMBER;
            default -> throw ApiException.notFound("not_found", "overwrites are under roles/ or members/, not " + kind + "/");
        };
        if (target == OverwriteTarget.ROLE) {
            requireRole(serverId, targetId);
        } else {
            requireUser(targetId);
        }
        if (request == null) {
            return command(caller, serverId, "overwrite", now, ClearChannelOverwrite.newBuilder().setChannelId(channelId)
                    .setTargetKind(target).setTargetId(targetId).build());
        }
        long allow = permissions("allow", request.allow() == null ? 0 : request.allow());
        long deny = permissions("deny", request.deny() == null ? 0 : request.deny());
        if ((allow & deny) != 0) {
            throw ApiException.badRequest("invalid_permissions", "allow and deny share bits " + (allow & deny));
        }
        return command(caller, serverId, "overwrite", now, SetChannelOverwrite.newBuilder().setChannelId(channelId).setTargetKind(target)
                .setTargetId(targetId).setAllow(allow).setDeny(deny).build());
    }

    /** A new invite with a random code (in the answer's {@code code}). */
    public CommandFactory.Accepted createInvite(Caller caller, String serverId, ServerRequests.CreateInvite request, Instant now) {
        requireServer(serverId);
        Integer maxUses = request.maxUses();
        if (maxUses != null && (maxUses < 1 || maxUses > MAX_INVITE_USES)) {
            throw ApiException.badRequest("invalid_field", "max_uses must be 1-" + MAX_INVITE_USES);
        }
        Instant expiresAt = null;
        if (request.maxAgeSeconds() != null) {
            long age = request.maxAgeSeconds();
            if (age < MIN_INVITE_AGE.toSeconds() || age > MAX_INVITE_AGE.toSeconds()) {
                throw ApiException.badRequest("invalid_field", "max_age_seconds must be " + MIN_INVITE_AGE.toSeconds() + "-"
                        + MAX_INVITE_AGE.toSeconds());
            }
            expiresAt = now.plusSeconds(age);
        }
        String code = newInviteCode();
        return new CommandFactory.Accepted(CommandFactory.envelope(caller, serverId, "invite:" + UUID.randomUUID(), now,
                CreateInvite.newBuilder().setCode(code).setMaxUses(maxUses).setExpiresAt(expiresAt).build()), serverId, null,
                java.util.Map.of("code", code));
    }

    public CommandFactory.Accepted revokeInvite(Caller caller, String serverId, String code, Instant now) {
        requireServer(serverId);
        requireInviteCode(code);
        return command(caller, serverId, "invite", now, RevokeInvite.newBuilder().setCode(code).build());
    }

    /** Join the server an invite is for (found by the caller in the store: routing checks the invite again). */
    public CommandFactory.Accepted join(Caller caller, String serverId, String code, Instant now) {
        requireServer(serverId);
        requireInviteCode(code);
        return command(caller, serverId, "join", now, JoinServer.newBuilder().setInviteCode(code).build());
    }

    public CommandFactory.Accepted leave(Caller caller, String serverId, Instant now) {
        requireServer(serverId);
        return command(caller, serverId, "leave", now, new LeaveServer());
    }

    public CommandFactory.Accepted kick(Caller caller, String serverId, String userId, ServerRequests.Reason request, Instant now) {
        requireServer(serverId);
        requireUser(userId);
        return command(caller, serverId, "kick", now, KickMember.newBuilder().setUserId(userId).setReason(reason(request)).build());
    }

    /** Ban ({@code ban} true) or lift a ban. */
    public CommandFactory.Accepted ban(Caller caller, String serverId, String userId, ServerRequests.Reason request, boolean ban,
            Instant now) {
        requireServer(serverId);
        requireUser(userId);
        Object payload = ban ? BanMember.newBuilder().setUserId(userId).setReason(reason(request)).build()
                : UnbanMember.newBuilder().setUserId(userId).build();
        return command(caller, serverId, ban ? "ban" : "unban", now, payload);
    }

    /**
     * The role mentions of a send: none outside server channels (400 if some are given there), else role ids
     * of the channel's server, at most {@code max}.
     */
    static List<String> mentionRoles(String conversationId, List<String> requested, int max) {
        if (requested == null || requested.isEmpty()) {
            return new ArrayList<>();
        }
        String serverId = Ids.isServerChannel(conversationId) ? Ids.serverOf(conversationId) : null;
        if (serverId == null) {
            throw ApiException.badRequest("invalid_field", "mention_roles is for server channels only");
        }
        if (requested.size() > max) {
            throw ApiException.badRequest("too_many_mentions", "at most " + max + " role mentions");
        }
        Set<String> unique = new LinkedHashSet<>();
        for (String roleId : requested) {
            if (!isRoleOf(serverId, roleId)) {
                throw ApiException.badRequest("invalid_field", "mention_roles contains '" + roleId + "', which is not a role of " + serverId);
            }
            unique.add(roleId);
        }
        return new ArrayList<>(unique);
    }

    /** A server id from the path; malformed ids are 404, as they cannot exist. */
    public static void requireServer(String serverId) {
        if (!Ids.isServer(serverId)) {
            throw ApiException.notFound("server_not_found", "no server '" + serverId + "'");
        }
    }

    /** A channel id of the server from the path (404 if it cannot be one) or from a field (400). */
    public static String channelOf(String serverId, String channelId, String field) {
        if (!Ids.isServerChannel(channelId) || !serverId.equals(Ids.serverOf(channelId))) {
            if (field == null) {
                throw ApiException.notFound("channel_not_found", "no channel '" + channelId + "' in " + serverId);
            }
            throw ApiException.badRequest("invalid_field", field + " '" + channelId + "' is not a channel of " + serverId);
        }
        return channelId;
    }

    /** Whether the id is a role of the server: the server id (@everyone) or {@code <server id>:r<n>}. */
    public static boolean isRoleOf(String serverId, String roleId) {
        if (roleId == null) {
            return false;
        }
        if (roleId.equals(serverId)) {
            return true;
        }
        String prefix = serverId + ":r";
        return roleId.startsWith(prefix) && roleId.length() > prefix.length() && roleId.length() <= prefix.length() + 18
                && roleId.substring(prefix.length()).chars().allMatch(c -> c >= '0' && c <= '9');
    }

    private static void requireRole(String serverId, String roleId) {
        if (!isRoleOf(serverId, roleId)) {
            throw ApiException.notFound("role_not_found", "no role '" + roleId + "' in " + serverId);
        }
    }

    private static void requireUser(String userId) {
        if (!Ids.isUserId(userId)) {
            throw ApiException.badRequest("invalid_user_id", "'" + userId + "' is not a user id");
        }
    }

    public static void requireInviteCode(String code) {
        if (code == null || !INVITE_CODE.matcher(code).matches()) {
            throw ApiException.notFound("invite_not_found", "no invite '" + code + "'");
        }
    }

    private String newInviteCode() {
        StringBuilder code = new StringBuilder(INVITE_CODE_LENGTH);
        for (int i = 0; i < INVITE_CODE_LENGTH; i++) {
            code.append(CODE_ALPHABET.charAt(random.nextInt(CODE_ALPHABET.length())));
        }
        return code.toString();
    }

    private static String name(String field, String name) {
        if (name == null || name.isBlank() || name.codePointCount(0, name.length()) > MAX_NAME_CHARS) {
            throw ApiException.badRequest("invalid_name", field + " must be 1-" + MAX_NAME_CHARS + " characters");
        }
        return name.strip();
    }

    private static String topic(String topic) {
        if (topic != null && topic.codePointCount(0, topic.length()) > MAX_TOPIC_CHARS) {
            throw ApiException.badRequest("invalid_field", "topic is longer than " + MAX_TOPIC_CHARS + " characters");
        }
        return topic;
    }

    private static String reason(ServerRequests.Reason request) {
        String reason = request == null ? null : request.reason();
        if (reason != null && reason.codePointCount(0, reason.length()) > MAX_REASON_CHARS) {
            throw ApiException.badRequest("invalid_field", "reason is longer than " + MAX_REASON_CHARS + " characters");
        }
        return reason;
    }

    private static int position(String field, int position, int min) {
        if (position < min || position > MAX_POSITION) {
            throw ApiException.badRequest("invalid_field", field + " must be " + min + "-" + MAX_POSITION);
        }
        return position;
    }

    private static long permissions(String field, long bits) {
        if (bits < 0 || Permission.hasUnknownBits(bits)) {
            throw ApiException.badRequest("invalid_permissions", field + " has bits no permission defines: "
                    + Long.toBinaryString(bits & ~Permission.ALL));
        }
        return bits;
    }

    private static ChannelType channelType(String type) {
        if (type == null) {
            return ChannelType.TEXT;
        }
        return switch (type.toLowerCase(Locale.ROOT)) {
            case "text" -> ChannelType.TEXT;
            case "announcement" -> ChannelType.ANNOUNCEMENT;
            case "category" -> ChannelType.CATEGORY;
            default -> throw ApiException.badRequest("invalid_field", "type must be text, announcement or category");
        };
    }

    private static CommandFactory.Accepted command(Caller caller, String serverId, String kind, Instant now, Object payload) {
        return new CommandFactory.Accepted(CommandFactory.envelope(caller, serverId, kind + ":" + UUID.randomUUID(), now, payload),
                serverId, null);
    }
}
