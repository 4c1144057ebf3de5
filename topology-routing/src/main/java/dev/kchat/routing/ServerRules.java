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
import dev.kchat.events.chat.EditMessage;
import dev.kchat.events.chat.JoinServer;
import dev.kchat.events.chat.KickMember;
import dev.kchat.events.chat.LeaveServer;
import dev.kchat.events.chat.RevokeInvite;
import dev.kchat.events.chat.SendMessage;
import dev.kchat.events.chat.ServerCreated;
import dev.kchat.events.chat.SetChannelOverwrite;
import dev.kchat.events.chat.UnassignRole;
import dev.kchat.events.chat.UnbanMember;
import dev.kchat.events.chat.UpdateChannel;
import dev.kchat.events.chat.UpdateRole;
import dev.kchat.events.chat.AddReaction;
import dev.kchat.events.common.ChannelType;
import dev.kchat.events.moderation.UserMute;
import dev.kchat.routing.ServerDecision.Write;
import dev.kchat.routing.state.ServerChannelState;
import dev.kchat.routing.state.ServerMemberState;
import dev.kchat.routing.state.ServerMeta;
import dev.kchat.routing.state.ServerRoleState;
import dev.kchat.schemas.Ids;
import dev.kchat.servers.permissions.Permission;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;

/**
 * The rules of servers (issue 17): decides a command about a server or one of its channels against
 * the server's state, which one task holds whole because every such command is keyed by the server
 * id ({@link Ids#routingKey}). A plain function of (command, time, state) like {@link CommandRules}:
 * every check runs before any write, so a rejected command changes nothing, and a replay gives the
 * same events, channel and role ids and snowflakes.
 *
 * <p>Dispatch and creation are here; the channel, role and overwrite rules are in
 * {@link ServerStructureRules}, invites, joins, leaves, kicks, bans and role assignments in
 * {@link ServerMembershipRules}, messages in channels in {@link ChannelMessageRules}. Permissions
 * are computed with {@code dev.kchat.servers.permissions} as Discord documents them.
 *
 * <p>Refusals: {@code not_a_member}, {@code forbidden} (a permission or the role hierarchy),
 * {@code conversation_not_found} (no such server or channel), {@code conversation_exists},
 * {@code target_not_found}, {@code banned}, {@code invite_not_found}, {@code invite_expired},
 * {@code invite_exhausted}, {@code edit_window_expired}, {@code muted}, {@code invalid_command}.
 */
final class ServerRules {

    static final String BANNED = "banned";
    static final String INVITE_NOT_FOUND = "invite_not_found";
    static final String INVITE_EXPIRED = "invite_expired";
    static final String INVITE_EXHAUSTED = "invite_exhausted";

    /** Longest server, channel or role name (Discord's limit). */
    static final int MAX_NAME_LENGTH = 100;
    /** Name of the default channel every server starts with. */
    static final String DEFAULT_CHANNEL_NAME = "general";
    static final String EVERYONE_ROLE_NAME = "@everyone";

    /** What a muted user may not do on a server: put new content or names in front of others. */
    private static final Set<Class<?>> MUTED_COMMANDS = Set.of(SendMessage.class, EditMessage.class, AddReaction.class,
            CreateServer.class, CreateChannel.class, UpdateChannel.class, CreateRole.class, UpdateRole.class, CreateInvite.class);

    private final ServerStructureRules structure = new ServerStructureRules();
    private final ServerMembershipRules membership = new ServerMembershipRules();
    private final ChannelMessageRules messages;

    ServerRules(Duration editWindow, Duration recallWindow) {
        this.messages = new ChannelMessageRules(editWindow, recallWindow);
    }

    /**
     * Decides a command about a server (conversation_id = the server id) or a channel of it
     * (conversation_id = the channel id).
     *
     * @param key the record key, which must be the server of the command's conversation
     * @param at  the command record's timestamp: the events' occurred_at and the result's decided_at
     */
    ServerDecision decide(String key, ChatCommand command, Instant at, ServerState state) {
        String conversationId = command.getConversationId();
        String serverId = Ids.serverOf(conversationId);
        if (serverId == null || !serverId.equals(key)) {
            // Another task may own the server: acting here would fork its sequences.
            return reject(command, at, CommandRules.INVALID_COMMAND,
                    "record key '" + key + "' is not the server of conversation_id '" + conversationId + "'");
        }
        boolean onServer = conversationId.equals(serverId);
        if (!onServer && !Ids.isServerChannel(conversationId)) {
            return reject(command, at, CommandRules.INVALID_COMMAND, "'" + conversationId + "' is neither a server nor one of its channels");
        }
        Object payload = command.getPayload();
        UserMute mute = MUTED_COMMANDS.contains(payload.getClass()) ? Outcomes.activeMute(command.getSenderId(), at, state) : null;
        if (payload instanceof CreateServer create) {
            if (!onServer) {
                return reject(command, at, CommandRules.INVALID_COMMAND, "a server is created on its server id, not on a channel");
            }
            return mute != null ? muted(command, at, mute) : create(command, create, at, state, serverId);
        }
        ServerMeta meta = state.server(serverId);
        if (meta == null) {
            return reject(command, at, CommandRules.CONVERSATION_NOT_FOUND, "server " + serverId + " does not exist");
        }
        ServerContext c = new ServerContext(command, at, state, serverId, meta);
        if (!onServer) {
            return messages.decide(c, conversationId, mute);
        }
        if (mute != null) {
            return muted(command, at, mute);
        }
        if (payload instanceof JoinServer p) {
            return membership.join(c, p);
        }
        ServerMemberState sender = state.serverMember(serverId, command.getSenderId());
        if (sender == null) {
            return c.reject(CommandRules.NOT_A_MEMBER, command.getSenderId() + " is not a member of " + serverId);
        }
        if (payload instanceof CreateChannel p) {
            return structure.createChannel(c, sender, p);
        } else if (payload instanceof UpdateChannel p) {
            return structure.updateChannel(c, sender, p);
        } else if (payload instanceof DeleteChannel p) {
            return structure.deleteChannel(c, sender, p);
        } else if (payload instanceof CreateRole p) {
            return structure.createRole(c, sender, p);
        } else if (payload instanceof UpdateRole p) {
            return structure.updateRole(c, sender, p);
        } else if (payload instanceof DeleteRole p) {
            return structure.deleteRole(c, sender, p);
        } else if (payload instanceof SetChannelOverwrite p) {
            return structure.setOverwrite(c, sender, p);
        } else if (payload instanceof ClearChannelOverwrite p) {
            return structure.clearOverwrite(c, sender, p);
        } else if (payload instanceof AssignRole p) {
            return membership.assign(c, sender, p.getUserId(), p.getRoleId(), true);
        } else if (payload instanceof UnassignRole p) {
            return membership.assign(c, sender, p.getUserId(), p.getRoleId(), false);
        } else if (payload instanceof CreateInvite p) {
            return membership.createInvite(c, sender, p);
        } else if (payload instanceof RevokeInvite p) {
            return membership.revokeInvite(c, sender, p);
        } else if (payload instanceof LeaveServer) {
            return membership.leave(c);
        } else if (payload instanceof KickMember p) {
            return membership.kick(c, sender, p);
        } else if (payload instanceof BanMember p) {
            return membership.ban(c, sender, p);
        } else if (payload instanceof UnbanMember p) {
            return membership.unban(c, sender, p);
        }
        return c.reject(CommandRules.INVALID_COMMAND, payload.getClass().getSimpleName() + " is not a server command"
                + " (messages go to a channel id)");
    }

    /**
     * Seq 1 of the server's log: the sender owns it and is its first member; it gets the @everyone
     * role (id = server id, {@link Permission#DEFAULT_EVERYONE}) and the TEXT channel c1.
     */
    private static ServerDecision create(ChatCommand command, CreateServer create, Instant at, ServerState state, String serverId) {
        if (!Ids.isServer(serverId)) {
            return reject(command, at, CommandRules.INVALID_COMMAND, "'" + serverId + "' is not a server id");
        }
        ServerMeta existing = state.server(serverId);
        if (existing != null && command.getCommandId().equals(existing.getCreatedByCommandId())) {
            // A retried create: answer as the first attempt was answered, append nothing.
            return new ServerDecision(List.of(), Outcomes.result(command, at, Outcomes.accepted(1, null, true)), List.of());
        }
        if (existing != null) {
            return reject(command, at, CommandRules.CONVERSATION_EXISTS, "server " + serverId + " already exists");
        }
        String ownerId = command.getSenderId();
        if (!Ids.isUserId(ownerId)) {
            return reject(command, at, CommandRules.INVALID_COMMAND, "'" + ownerId + "' is not a valid user id");
        }
        String name = validName(create.getName());
        if (name == null) {
            return reject(command, at, CommandRules.INVALID_COMMAND, "a server name has 1 to " + MAX_NAME_LENGTH + " characters");
        }
        String channelId = Ids.serverChannel(serverId, 1);
        ServerRoleState everyone = ServerRoleState.newBuilder().setName(EVERYONE_ROLE_NAME)
                .setPermissions(Permission.DEFAULT_EVERYONE).setPosition(0).setMentionable(false).build();
        ServerChannelState general = ServerChannelState.newBuilder().setName(DEFAULT_CHANNEL_NAME).setType(ChannelType.TEXT.name())
                .setCategoryId(null).setPosition(0).setTopic(null).setLastSeq(0).build();
        ServerMeta meta = ServerMeta.newBuilder().setName(name).setOwnerId(ownerId).setLastSeq(1).setNextChannel(2).setNextRole(1)
                .setMemberCount(1).setCreatedAt(at).setCreatedByCommandId(command.getCommandId()).build();
        List<Write> writes = List.of(
                Write.put(RoutingApp.SERVERS_STORE, serverId, meta),
                Write.put(RoutingApp.SERVER_MEMBERS_STORE, StoreKeys.member(serverId, ownerId),
                        ServerMemberState.newBuilder().setRoleIds(List.of()).setJoinedSeq(1).build()),
                Write.put(RoutingApp.SERVER_ROLES_STORE, StoreKeys.serverRole(serverId, serverId), everyone),
                Write.put(RoutingApp.SERVER_CHANNELS_STORE, channelId, general));
        ServerCreated event = ServerCreated.newBuilder().setName(name).setOwnerId(ownerId)
                .setEveryoneRole(ServerStructureRules.role(serverId, everyone))
                .setDefaultChannel(ServerStructureRules.channel(channelId, general))
                .build();
        return new ServerDecision(List.of(Outcomes.event(command, at, serverId, 1, event)),
                Outcomes.result(command, at, Outcomes.accepted(1, null, false)), writes);
    }

    /** The stripped name if it has 1 to {@link #MAX_NAME_LENGTH} characters, else null. */
    static String validName(String name) {
        if (name == null) {
            return null;
        }
        String stripped = name.strip();
        return stripped.isEmpty() || stripped.length() > MAX_NAME_LENGTH ? null : stripped;
    }

    private static ServerDecision reject(ChatCommand command, Instant at, String code, String reason) {
        return new ServerDecision(List.of(), Outcomes.result(command, at, Outcomes.rejected(code, reason)), List.of());
    }

    private static ServerDecision muted(ChatCommand command, Instant at, UserMute mute) {
        return new ServerDecision(List.of(), Outcomes.result(command, at, Outcomes.muted(mute)), List.of());
    }
}
