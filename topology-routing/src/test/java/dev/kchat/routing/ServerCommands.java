package dev.kchat.routing;

import dev.kchat.events.chat.AssignRole;
import dev.kchat.events.chat.BanMember;
import dev.kchat.events.chat.ChatCommand;
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
import dev.kchat.events.chat.SendMessage;
import dev.kchat.events.chat.SetChannelOverwrite;
import dev.kchat.events.chat.UnassignRole;
import dev.kchat.events.chat.UnbanMember;
import dev.kchat.events.chat.UpdateChannel;
import dev.kchat.events.chat.UpdateRole;
import dev.kchat.events.common.ChannelType;
import dev.kchat.events.common.OverwriteTarget;
import dev.kchat.schemas.Ids;
import java.time.Instant;
import java.util.List;

/** Builders of server commands for the tests; ids are derived the way a door derives them. */
final class ServerCommands {

    private ServerCommands() {
    }

    static ChatCommand createServer(String serverId, String ownerId, String name) {
        return Commands.command(serverId, ownerId, CreateServer.newBuilder().setName(name).build());
    }

    static ChatCommand createChannel(String serverId, String senderId, String name, ChannelType type, String categoryId) {
        return Commands.command(serverId, senderId, CreateChannel.newBuilder().setName(name).setType(type).setCategoryId(categoryId)
                .setPosition(1).build());
    }

    static ChatCommand updateChannel(String serverId, String senderId, String channelId, String name, String categoryId) {
        return Commands.command(serverId, senderId, UpdateChannel.newBuilder().setChannelId(channelId).setName(name)
                .setCategoryId(categoryId).build());
    }

    static ChatCommand deleteChannel(String serverId, String senderId, String channelId) {
        return Commands.command(serverId, senderId, DeleteChannel.newBuilder().setChannelId(channelId).build());
    }

    static ChatCommand createRole(String serverId, String senderId, String name, long permissions, int position, boolean mentionable) {
        return Commands.command(serverId, senderId, CreateRole.newBuilder().setName(name).setPermissions(permissions).setPosition(position)
                .setMentionable(mentionable).build());
    }

    static ChatCommand updateRolePermissions(String serverId, String senderId, String roleId, long permissions) {
        return Commands.command(serverId, senderId, UpdateRole.newBuilder().setRoleId(roleId).setPermissions(permissions).build());
    }

    static ChatCommand moveRole(String serverId, String senderId, String roleId, int position) {
        return Commands.command(serverId, senderId, UpdateRole.newBuilder().setRoleId(roleId).setPosition(position).build());
    }

    static ChatCommand deleteRole(String serverId, String senderId, String roleId) {
        return Commands.command(serverId, senderId, DeleteRole.newBuilder().setRoleId(roleId).build());
    }

    static ChatCommand assign(String serverId, String senderId, String userId, String roleId) {
        return Commands.command(serverId, senderId, AssignRole.newBuilder().setUserId(userId).setRoleId(roleId).build());
    }

    static ChatCommand unassign(String serverId, String senderId, String userId, String roleId) {
        return Commands.command(serverId, senderId, UnassignRole.newBuilder().setUserId(userId).setRoleId(roleId).build());
    }

    static ChatCommand overwrite(String serverId, String senderId, String channelId, OverwriteTarget kind, String targetId,
            long allow, long deny) {
        return Commands.command(serverId, senderId, SetChannelOverwrite.newBuilder().setChannelId(channelId).setTargetKind(kind)
                .setTargetId(targetId).setAllow(allow).setDeny(deny).build());
    }

    static ChatCommand clearOverwrite(String serverId, String senderId, String channelId, OverwriteTarget kind, String targetId) {
        return Commands.command(serverId, senderId, ClearChannelOverwrite.newBuilder().setChannelId(channelId).setTargetKind(kind)
                .setTargetId(targetId).build());
    }

    static ChatCommand invite(String serverId, String senderId, String code, Integer maxUses, Instant expiresAt) {
        return Commands.command(serverId, senderId, CreateInvite.newBuilder().setCode(code).setMaxUses(maxUses).setExpiresAt(expiresAt).build());
    }

    static ChatCommand revoke(String serverId, String senderId, String code) {
        return Commands.command(serverId, senderId, RevokeInvite.newBuilder().setCode(code).build());
    }

    static ChatCommand join(String serverId, String userId, String code) {
        return Commands.command(serverId, userId, JoinServer.newBuilder().setInviteCode(code).build());
    }

    static ChatCommand leave(String serverId, String userId) {
        return Commands.command(serverId, userId, new LeaveServer());
    }

    static ChatCommand kick(String serverId, String senderId, String userId) {
        return Commands.command(serverId, senderId, KickMember.newBuilder().setUserId(userId).setReason("spam").build());
    }

    static ChatCommand ban(String serverId, String senderId, String userId) {
        return Commands.command(serverId, senderId, BanMember.newBuilder().setUserId(userId).setReason("abuse").build());
    }

    static ChatCommand unban(String serverId, String senderId, String userId) {
        return Commands.command(serverId, senderId, UnbanMember.newBuilder().setUserId(userId).build());
    }

    /** A send in a channel, mentioning roles and @everyone as asked. */
    static ChatCommand post(String channelId, String senderId, String clientMsgId, List<String> mentionRoles, boolean everyone) {
        return ChatCommand.newBuilder(Commands.command(channelId, senderId, SendMessage.newBuilder()
                        .setClientMsgId(clientMsgId)
                        .setMessageId(Ids.messageId(channelId, senderId, clientMsgId))
                        .setBody("hello " + clientMsgId)
                        .setMentionRoles(mentionRoles)
                        .setMentionEveryone(everyone)
                        .build()))
                .setCommandId(Ids.sendCommandId(channelId, senderId, clientMsgId))
                .build();
    }

    static ChatCommand post(String channelId, String senderId, String clientMsgId) {
        return post(channelId, senderId, clientMsgId, List.of(), false);
    }
}
