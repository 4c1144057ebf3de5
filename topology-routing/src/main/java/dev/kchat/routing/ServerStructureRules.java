package dev.kchat.routing;

import dev.kchat.events.chat.ChannelCreated;
import dev.kchat.events.chat.ChannelDeleted;
import dev.kchat.events.chat.ChannelOverwriteCleared;
import dev.kchat.events.chat.ChannelOverwriteSet;
import dev.kchat.events.chat.ChannelUpdated;
import dev.kchat.events.chat.ClearChannelOverwrite;
import dev.kchat.events.chat.CreateChannel;
import dev.kchat.events.chat.CreateRole;
import dev.kchat.events.chat.DeleteChannel;
import dev.kchat.events.chat.DeleteRole;
import dev.kchat.events.chat.RoleCreated;
import dev.kchat.events.chat.RoleDeleted;
import dev.kchat.events.chat.RoleUpdated;
import dev.kchat.events.chat.SetChannelOverwrite;
import dev.kchat.events.chat.UpdateChannel;
import dev.kchat.events.chat.UpdateRole;
import dev.kchat.events.common.ChannelType;
import dev.kchat.events.common.ServerChannel;
import dev.kchat.events.common.ServerRole;
import dev.kchat.routing.ServerDecision.Write;
import dev.kchat.routing.state.OverwriteState;
import dev.kchat.routing.state.ServerChannelState;
import dev.kchat.routing.state.ServerMemberState;
import dev.kchat.routing.state.ServerMeta;
import dev.kchat.routing.state.ServerRoleState;
import dev.kchat.schemas.Ids;
import dev.kchat.servers.permissions.Member;
import dev.kchat.servers.permissions.OverwriteTarget;
import dev.kchat.servers.permissions.Permission;
import dev.kchat.servers.permissions.Role;
import dev.kchat.servers.permissions.RoleHierarchy;
import java.util.ArrayList;
import java.util.List;

/**
 * How a server is shaped: channels (MANAGE_CHANNELS; in the channel for changes to it), roles
 * (MANAGE_ROLES, only below the sender's highest role, granting only what the sender has) and
 * channel overwrites (MANAGE_ROLES in the channel, allowing or denying only what the sender has
 * there). Every event goes to the server's own log.
 */
final class ServerStructureRules {

    /** Longest channel topic (Discord's limit). */
    static final int MAX_TOPIC_LENGTH = 1024;
    /**
     * Most channels (categories included) a server holds, Discord's limit. Decisions scan a server's
     * channels or roles and a channel's overwrites, and one task serves many servers, so every one of
     * them is bounded: no server can slow the others on its partition.
     */
    static final int MAX_CHANNELS = 500;
    /** Most roles a server holds, @everyone included (Discord's limit). */
    static final int MAX_ROLES = 250;
    /** Most overwrites one channel holds. */
    static final int MAX_OVERWRITES = 100;

    ServerDecision createChannel(ServerContext c, ServerMemberState senderState, CreateChannel create) {
        Member sender = ServerContext.member(c.senderId(), senderState);
        ServerDecision refused = c.requireOr(c.base(sender), Permission.MANAGE_CHANNELS, "creating a channel");
        if (refused != null) {
            return refused;
        }
        String name = ServerRules.validName(create.getName());
        if (name == null) {
            return c.reject(CommandRules.INVALID_COMMAND, "a channel name has 1 to " + ServerRules.MAX_NAME_LENGTH + " characters");
        }
        if (create.getPosition() < 0) {
            return c.reject(CommandRules.INVALID_COMMAND, "position is 0 or more");
        }
        String topic = topic(create.getTopic());
        if (topic != null && topic.length() > MAX_TOPIC_LENGTH) {
            return c.reject(CommandRules.INVALID_COMMAND, "a topic has at most " + MAX_TOPIC_LENGTH + " characters");
        }
        if (c.state().channels(c.serverId()).size() >= MAX_CHANNELS) {
            return c.reject(CommandRules.INVALID_COMMAND, "a server has at most " + MAX_CHANNELS + " channels");
        }
        String category = create.getCategoryId();
        if (category != null) {
            String problem = categoryProblem(c, category, create.getType());
            if (problem != null) {
                return c.reject(CommandRules.INVALID_COMMAND, problem);
            }
        }
        ServerMeta meta = c.meta();
        String channelId = Ids.serverChannel(c.serverId(), meta.getNextChannel());
        ServerChannelState channel = ServerChannelState.newBuilder().setName(name).setType(create.getType().name())
                .setCategoryId(category).setPosition(create.getPosition()).setTopic(topic).setLastSeq(0).build();
        return c.acceptOnServer(ServerMeta.newBuilder(meta).setNextChannel(meta.getNextChannel() + 1),
                List.of(Write.put(RoutingApp.SERVER_CHANNELS_STORE, channelId, channel)),
                ChannelCreated.newBuilder().setChannel(channel(channelId, channel)).build());
    }

    ServerDecision updateChannel(ServerContext c, ServerMemberState senderState, UpdateChannel update) {
        String channelId = update.getChannelId();
        ServerChannelState channel = channelOf(c, channelId);
        if (channel == null) {
            return c.reject(CommandRules.TARGET_NOT_FOUND, "no channel " + channelId + " in " + c.serverId());
        }
        Member sender = ServerContext.member(c.senderId(), senderState);
        ServerDecision refused = c.requireOr(c.inChannel(sender, channelId), Permission.MANAGE_CHANNELS, "changing " + channelId);
        if (refused != null) {
            return refused;
        }
        if (update.getName() == null && update.getCategoryId() == null && update.getPosition() == null && update.getTopic() == null) {
            return c.reject(CommandRules.INVALID_COMMAND, "nothing to change");
        }
        ServerChannelState.Builder changed = ServerChannelState.newBuilder(channel);
        if (update.getName() != null) {
            String name = ServerRules.validName(update.getName());
            if (name == null) {
                return c.reject(CommandRules.INVALID_COMMAND, "a channel name has 1 to " + ServerRules.MAX_NAME_LENGTH + " characters");
            }
            changed.setName(name);
        }
        if (update.getCategoryId() != null) {
            String category = update.getCategoryId().isEmpty() ? null : update.getCategoryId();
            if (category != null) {
                String problem = category.equals(channelId) ? "a channel cannot hold itself"
                        : categoryProblem(c, category, ChannelType.valueOf(channel.getType()));
                if (problem != null) {
                    return c.reject(CommandRules.INVALID_COMMAND, problem);
                }
            }
            changed.setCategoryId(category);
        }
        if (update.getPosition() != null) {
            if (update.getPosition() < 0) {
                return c.reject(CommandRules.INVALID_COMMAND, "position is 0 or more");
            }
            changed.setPosition(update.getPosition());
        }
        if (update.getTopic() != null) {
            String topic = topic(update.getTopic());
            if (topic != null && topic.length() > MAX_TOPIC_LENGTH) {
                return c.reject(CommandRules.INVALID_COMMAND, "a topic has at most " + MAX_TOPIC_LENGTH + " characters");
            }
            changed.setTopic(topic);
        }
        ServerChannelState after = changed.build();
        return c.acceptOnServer(List.of(Write.put(RoutingApp.SERVER_CHANNELS_STORE, channelId, after)),
                ChannelUpdated.newBuilder().setChannel(channel(channelId, after)).build());
    }

    /** Deletes the channel and its overwrites; the channels of a deleted category move to the top level. */
    ServerDecision deleteChannel(ServerContext c, ServerMemberState senderState, DeleteChannel delete) {
        String channelId = delete.getChannelId();
        ServerChannelState channel = channelOf(c, channelId);
        if (channel == null) {
            return c.reject(CommandRules.TARGET_NOT_FOUND, "no channel " + channelId + " in " + c.serverId());
        }
        Member sender = ServerContext.member(c.senderId(), senderState);
        ServerDecision refused = c.requireOr(c.inChannel(sender, channelId), Permission.MANAGE_CHANNELS, "deleting " + channelId);
        if (refused != null) {
            return refused;
        }
        List<Write> writes = new ArrayList<>();
        writes.add(Write.delete(RoutingApp.SERVER_CHANNELS_STORE, channelId));
        c.state().overwrites(channelId).keySet().forEach(target ->
                writes.add(Write.delete(RoutingApp.SERVER_OVERWRITES_STORE, StoreKeys.overwritePrefix(channelId) + target)));
        if (ChannelType.CATEGORY.name().equals(channel.getType())) {
            c.state().channels(c.serverId()).forEach((id, child) -> {
                if (channelId.equals(child.getCategoryId())) {
                    writes.add(Write.put(RoutingApp.SERVER_CHANNELS_STORE, id, ServerChannelState.newBuilder(child).setCategoryId(null).build()));
                }
            });
        }
        return c.acceptOnServer(writes, ChannelDeleted.newBuilder().setChannelId(channelId).build());
    }

    ServerDecision createRole(ServerContext c, ServerMemberState senderState, CreateRole create) {
        Member sender = ServerContext.member(c.senderId(), senderState);
        long base = c.base(sender);
        ServerDecision refused = c.requireOr(base, Permission.MANAGE_ROLES, "creating a role");
        if (refused != null) {
            return refused;
        }
        String name = ServerRules.validName(create.getName());
        if (name == null) {
            return c.reject(CommandRules.INVALID_COMMAND, "a role name has 1 to " + ServerRules.MAX_NAME_LENGTH + " characters");
        }
        if (Permission.hasUnknownBits(create.getPermissions())) {
            return c.reject(CommandRules.INVALID_COMMAND, "permissions " + create.getPermissions() + " hold bits no permission defines");
        }
        if (create.getPosition() < 1) {
            return c.reject(CommandRules.INVALID_COMMAND, "a role's position is 1 or more (0 is @everyone's)");
        }
        if (!RoleHierarchy.canPlaceRoleAt(c.server(), sender, create.getPosition())) {
            return c.reject(CommandRules.FORBIDDEN, "a role can be placed only below your highest role");
        }
        if (!RoleHierarchy.canGrant(base, create.getPermissions())) {
            return c.reject(CommandRules.FORBIDDEN, "a role can grant only permissions you have; missing "
                    + Permission.of(create.getPermissions() & ~base));
        }
        if (c.roles().size() >= MAX_ROLES) {
            return c.reject(CommandRules.INVALID_COMMAND, "a server has at most " + MAX_ROLES + " roles, @everyone included");
        }
        ServerMeta meta = c.meta();
        String roleId = Ids.serverRole(c.serverId(), meta.getNextRole());
        ServerRoleState role = ServerRoleState.newBuilder().setName(name).setPermissions(create.getPermissions())
                .setPosition(create.getPosition()).setMentionable(create.getMentionable()).build();
        return c.acceptOnServer(ServerMeta.newBuilder(meta).setNextRole(meta.getNextRole() + 1),
                List.of(Write.put(RoutingApp.SERVER_ROLES_STORE, StoreKeys.serverRole(c.serverId(), roleId), role)),
                RoleCreated.newBuilder().setRole(role(roleId, role)).build());
    }

    ServerDecision updateRole(ServerContext c, ServerMemberState senderState, UpdateRole update) {
        String roleId = update.getRoleId();
        ServerRoleState role = c.roles().get(roleId);
        if (role == null) {
            return c.reject(CommandRules.TARGET_NOT_FOUND, "no role " + roleId + " in " + c.serverId());
        }
        Member sender = ServerContext.member(c.senderId(), senderState);
        long base = c.base(sender);
        ServerDecision refused = manageable(c, sender, base, roleId, "changing");
        if (refused != null) {
            return refused;
        }
        if (update.getName() == null && update.getPermissions() == null && update.getPosition() == null && update.getMentionable() == null) {
            return c.reject(CommandRules.INVALID_COMMAND, "nothing to change");
        }
        boolean everyone = roleId.equals(c.serverId());
        ServerRoleState.Builder changed = ServerRoleState.newBuilder(role);
        if (update.getName() != null) {
            String name = ServerRules.validName(update.getName());
            if (everyone || name == null) {
                return c.reject(CommandRules.INVALID_COMMAND, everyone ? "@everyone keeps its name"
                        : "a role name has 1 to " + ServerRules.MAX_NAME_LENGTH + " characters");
            }
            changed.setName(name);
        }
        if (update.getPermissions() != null) {
            long permissions = update.getPermissions();
            if (Permission.hasUnknownBits(permissions)) {
                return c.reject(CommandRules.INVALID_COMMAND, "permissions " + permissions + " hold bits no permission defines");
            }
            long toggled = permissions ^ role.getPermissions();
            if (!RoleHierarchy.canGrant(base, toggled)) {
                return c.reject(CommandRules.FORBIDDEN, "you can change only permissions you have; missing " + Permission.of(toggled & ~base));
            }
            changed.setPermissions(permissions);
        }
        if (update.getPosition() != null) {
            int position = update.getPosition();
            if (everyone ? position != 0 : position < 1) {
                return c.reject(CommandRules.INVALID_COMMAND, everyone ? "@everyone stays at position 0" : "a role's position is 1 or more");
            }
            if (!everyone && !RoleHierarchy.canPlaceRoleAt(c.server(), sender, position)) {
                return c.reject(CommandRules.FORBIDDEN, "a role can be placed only below your highest role");
            }
            changed.setPosition(position);
        }
        if (update.getMentionable() != null) {
            changed.setMentionable(update.getMentionable());
        }
        ServerRoleState after = changed.build();
        return c.acceptOnServer(List.of(Write.put(RoutingApp.SERVER_ROLES_STORE, StoreKeys.serverRole(c.serverId(), roleId), after)),
                RoleUpdated.newBuilder().setRole(role(roleId, after)).build());
    }

    /**
     * Deletes a role and its channel overwrites. Members' lists keep the id until their roles next
     * change: a role the server no longer has counts for nothing, and ids are never reused.
     */
    ServerDecision deleteRole(ServerContext c, ServerMemberState senderState, DeleteRole delete) {
        String roleId = delete.getRoleId();
        if (roleId.equals(c.serverId())) {
            return c.reject(CommandRules.INVALID_COMMAND, "@everyone cannot be deleted");
        }
        if (!c.roles().containsKey(roleId)) {
            return c.reject(CommandRules.TARGET_NOT_FOUND, "no role " + roleId + " in " + c.serverId());
        }
        Member sender = ServerContext.member(c.senderId(), senderState);
        ServerDecision refused = manageable(c, sender, c.base(sender), roleId, "deleting");
        if (refused != null) {
            return refused;
        }
        List<Write> writes = new ArrayList<>();
        writes.add(Write.delete(RoutingApp.SERVER_ROLES_STORE, StoreKeys.serverRole(c.serverId(), roleId)));
        String target = OverwriteTarget.ROLE.name() + StoreKeys.SEPARATOR + roleId;
        for (String channelId : c.state().channels(c.serverId()).keySet()) {
            if (c.state().overwrites(channelId).containsKey(target)) {
                writes.add(Write.delete(RoutingApp.SERVER_OVERWRITES_STORE, StoreKeys.overwritePrefix(channelId) + target));
            }
        }
        return c.acceptOnServer(writes, RoleDeleted.newBuilder().setRoleId(roleId).build());
    }

    ServerDecision setOverwrite(ServerContext c, ServerMemberState senderState, SetChannelOverwrite set) {
        String channelId = set.getChannelId();
        if (channelOf(c, channelId) == null) {
            return c.reject(CommandRules.TARGET_NOT_FOUND, "no channel " + channelId + " in " + c.serverId());
        }
        Member sender = ServerContext.member(c.senderId(), senderState);
        long inChannel = c.inChannel(sender, channelId);
        ServerDecision refused = c.requireOr(inChannel, Permission.MANAGE_ROLES, "setting overwrites in " + channelId);
        if (refused != null) {
            return refused;
        }
        OverwriteTarget target = OverwriteTarget.valueOf(set.getTargetKind().name());
        String problem = targetProblem(c, target, set.getTargetId());
        if (problem != null) {
            return c.reject(CommandRules.TARGET_NOT_FOUND, problem);
        }
        long allow = set.getAllow();
        long deny = set.getDeny();
        if (Permission.hasUnknownBits(allow | deny)) {
            return c.reject(CommandRules.INVALID_COMMAND, "allow and deny hold only defined permission bits");
        }
        if ((allow & deny) != 0) {
            return c.reject(CommandRules.INVALID_COMMAND, "a permission is both allowed and denied: " + Permission.of(allow & deny));
        }
        if (!RoleHierarchy.canGrant(inChannel, allow | deny)) {
            return c.reject(CommandRules.FORBIDDEN, "an overwrite can allow or deny only permissions you have in the channel; missing "
                    + Permission.of((allow | deny) & ~inChannel));
        }
        if (c.overwrite(channelId, target, set.getTargetId()) == null && c.state().overwrites(channelId).size() >= MAX_OVERWRITES) {
            return c.reject(CommandRules.INVALID_COMMAND, "a channel has at most " + MAX_OVERWRITES + " overwrites");
        }
        return c.acceptOnServer(List.of(Write.put(RoutingApp.SERVER_OVERWRITES_STORE,
                        StoreKeys.overwrite(channelId, target.name(), set.getTargetId()),
                        OverwriteState.newBuilder().setAllow(allow).setDeny(deny).build())),
                ChannelOverwriteSet.newBuilder().setChannelId(channelId).setTargetKind(set.getTargetKind())
                        .setTargetId(set.getTargetId()).setAllow(allow).setDeny(deny).build());
    }

    ServerDecision clearOverwrite(ServerContext c, ServerMemberState senderState, ClearChannelOverwrite clear) {
        String channelId = clear.getChannelId();
        if (channelOf(c, channelId) == null) {
            return c.reject(CommandRules.TARGET_NOT_FOUND, "no channel " + channelId + " in " + c.serverId());
        }
        Member sender = ServerContext.member(c.senderId(), senderState);
        ServerDecision refused = c.requireOr(c.inChannel(sender, channelId), Permission.MANAGE_ROLES, "clearing overwrites in " + channelId);
        if (refused != null) {
            return refused;
        }
        OverwriteTarget target = OverwriteTarget.valueOf(clear.getTargetKind().name());
        if (c.overwrite(channelId, target, clear.getTargetId()) == null) {
            return c.reject(CommandRules.TARGET_NOT_FOUND, "no overwrite for " + target + " " + clear.getTargetId() + " in " + channelId);
        }
        return c.acceptOnServer(List.of(Write.delete(RoutingApp.SERVER_OVERWRITES_STORE,
                        StoreKeys.overwrite(channelId, target.name(), clear.getTargetId()))),
                ChannelOverwriteCleared.newBuilder().setChannelId(channelId).setTargetKind(clear.getTargetKind())
                        .setTargetId(clear.getTargetId()).build());
    }

    /** MANAGE_ROLES and the role below the sender's highest (the owner is above all). */
    static ServerDecision manageable(ServerContext c, Member sender, long base, String roleId, String what) {
        ServerDecision refused = c.requireOr(base, Permission.MANAGE_ROLES, what + " a role");
        if (refused != null) {
            return refused;
        }
        Role role = c.server().role(roleId);
        if (!RoleHierarchy.canManageRole(c.server(), sender, role)) {
            return c.reject(CommandRules.FORBIDDEN, "role " + roleId + " is not below your highest role");
        }
        return null;
    }

    /** The channel if it exists and belongs to this server, else null. */
    static ServerChannelState channelOf(ServerContext c, String channelId) {
        return c.serverId().equals(Ids.serverOf(channelId)) ? c.state().channel(channelId) : null;
    }

    private static String categoryProblem(ServerContext c, String categoryId, ChannelType type) {
        if (type == ChannelType.CATEGORY) {
            return "a category cannot be in a category";
        }
        ServerChannelState category = channelOf(c, categoryId);
        if (category == null || !ChannelType.CATEGORY.name().equals(category.getType())) {
            return "no category " + categoryId + " in " + c.serverId();
        }
        return null;
    }

    private static String targetProblem(ServerContext c, OverwriteTarget target, String targetId) {
        if (target == OverwriteTarget.ROLE) {
            return c.roles().containsKey(targetId) ? null : "no role " + targetId + " in " + c.serverId();
        }
        return c.state().serverMember(c.serverId(), targetId) != null ? null : targetId + " is not a member of " + c.serverId();
    }

    /** A topic as stored: an empty or blank one is none. */
    private static String topic(String topic) {
        return topic == null || topic.isBlank() ? null : topic.strip();
    }

    static ServerChannel channel(String channelId, ServerChannelState s) {
        return ServerChannel.newBuilder().setChannelId(channelId).setName(s.getName()).setType(ChannelType.valueOf(s.getType()))
                .setCategoryId(s.getCategoryId()).setPosition(s.getPosition()).setTopic(s.getTopic()).build();
    }

    static ServerRole role(String roleId, ServerRoleState s) {
        return ServerRole.newBuilder().setRoleId(roleId).setName(s.getName()).setPermissions(s.getPermissions())
                .setPosition(s.getPosition()).setMentionable(s.getMentionable()).build();
    }
}
