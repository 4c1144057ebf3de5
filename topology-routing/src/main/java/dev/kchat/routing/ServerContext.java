package dev.kchat.routing;

import dev.kchat.events.chat.ChatCommand;
import dev.kchat.events.chat.ConversationEvent;
import dev.kchat.events.moderation.UserMute;
import dev.kchat.routing.ServerDecision.Write;
import dev.kchat.routing.state.OverwriteState;
import dev.kchat.routing.state.ServerChannelState;
import dev.kchat.routing.state.ServerMemberState;
import dev.kchat.routing.state.ServerMeta;
import dev.kchat.routing.state.ServerRoleState;
import dev.kchat.servers.permissions.EffectivePermissions;
import dev.kchat.servers.permissions.Member;
import dev.kchat.servers.permissions.Overwrite;
import dev.kchat.servers.permissions.OverwriteTarget;
import dev.kchat.servers.permissions.Permission;
import dev.kchat.servers.permissions.Role;
import dev.kchat.servers.permissions.Server;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;

/**
 * One command on one existing server, as the server rules see it: the command, its time, the
 * server's state, and the sender's permissions computed with the server-permissions library. Builds
 * the decisions: rejections, and accepted events on the server's log or a channel's log with the
 * writes that advance their seqs.
 */
final class ServerContext {

    private final ChatCommand command;
    private final Instant at;
    private final ServerState state;
    private final String serverId;
    private final ServerMeta meta;
    private Server permissions;

    ServerContext(ChatCommand command, Instant at, ServerState state, String serverId, ServerMeta meta) {
        this.command = command;
        this.at = at;
        this.state = state;
        this.serverId = serverId;
        this.meta = meta;
    }

    ChatCommand command() {
        return command;
    }

    Instant at() {
        return at;
    }

    ServerState state() {
        return state;
    }

    String serverId() {
        return serverId;
    }

    ServerMeta meta() {
        return meta;
    }

    String senderId() {
        return command.getSenderId();
    }

    boolean senderIsOwner() {
        return meta.getOwnerId().equals(senderId());
    }

    /** The server as the permission library sees it: id, owner, roles. Read once per command. */
    Server server() {
        if (permissions == null) {
            List<Role> roles = new ArrayList<>();
            state.roles(serverId).forEach((id, r) -> roles.add(new Role(id, r.getPosition(), r.getPermissions())));
            permissions = Server.of(serverId, meta.getOwnerId(), roles);
        }
        return permissions;
    }

    /** The roles by id, @everyone included. */
    Map<String, ServerRoleState> roles() {
        return state.roles(serverId);
    }

    /** A member as the permission library sees it. */
    static Member member(String userId, ServerMemberState state) {
        return new Member(userId, new HashSet<>(state.getRoleIds()));
    }

    /** The member's permissions in the server. */
    long base(Member member) {
        return EffectivePermissions.base(server(), member);
    }

    /** The member's effective permissions in a channel. */
    long inChannel(Member member, String channelId) {
        return EffectivePermissions.inChannel(server(), member, overwrites(channelId));
    }

    /** A channel's overwrites as the permission library sees them. */
    List<Overwrite> overwrites(String channelId) {
        List<Overwrite> out = new ArrayList<>();
        state.overwrites(channelId).forEach((key, o) -> {
            int bar = key.indexOf(StoreKeys.SEPARATOR);
            out.add(new Overwrite(OverwriteTarget.valueOf(key.substring(0, bar)), key.substring(bar + 1), o.getAllow(), o.getDeny()));
        });
        return out;
    }

    /** Refuses unless {@code permissions} holds {@code needed}. */
    ServerDecision requireOr(long permissions, Permission needed, String what) {
        return needed.in(permissions) ? null : reject(CommandRules.FORBIDDEN, what + " needs " + needed);
    }

    ServerDecision reject(String code, String reason) {
        return new ServerDecision(List.of(), Outcomes.result(command, at, Outcomes.rejected(code, reason)), List.of());
    }

    ServerDecision muted(UserMute mute) {
        return new ServerDecision(List.of(), Outcomes.result(command, at, Outcomes.muted(mute)), List.of());
    }

    /** A repeat of a command already decided: accepted at its first seq, nothing appended. */
    ServerDecision duplicate(long seq, String messageId) {
        return new ServerDecision(List.of(), Outcomes.result(command, at, Outcomes.accepted(seq, messageId, true)), List.of());
    }

    /**
     * Appends events to the server's log at the next seqs, with {@code updated} (the server's meta
     * after the command, whose last seq is set here) and the other writes. The result names the
     * last event's seq.
     */
    ServerDecision acceptOnServer(ServerMeta.Builder updated, List<Write> writes, Object... payloads) {
        long seq = meta.getLastSeq();
        List<ConversationEvent> events = new ArrayList<>();
        for (Object payload : payloads) {
            seq++;
            events.add(Outcomes.event(command, at, serverId, seq, payload));
        }
        List<Write> all = new ArrayList<>(writes);
        all.add(Write.put(RoutingApp.SERVERS_STORE, serverId, updated.setLastSeq(seq).build()));
        return new ServerDecision(events, Outcomes.result(command, at, Outcomes.accepted(seq, null, false)), all);
    }

    ServerDecision acceptOnServer(List<Write> writes, Object... payloads) {
        return acceptOnServer(ServerMeta.newBuilder(meta), writes, payloads);
    }

    /** Appends one event to a channel's log at its next seq, with the writes. */
    ServerDecision acceptInChannel(String channelId, ServerChannelState channel, Object payload, List<Write> writes, String messageId) {
        long seq = channel.getLastSeq() + 1;
        List<Write> all = new ArrayList<>(writes);
        all.add(Write.put(RoutingApp.SERVER_CHANNELS_STORE, channelId, ServerChannelState.newBuilder(channel).setLastSeq(seq).build()));
        return new ServerDecision(List.of(Outcomes.event(command, at, channelId, seq, payload)),
                Outcomes.result(command, at, Outcomes.accepted(seq, messageId, false)), all);
    }

    /** The stored overwrite of a target in a channel, null if none. */
    OverwriteState overwrite(String channelId, OverwriteTarget target, String targetId) {
        return state.overwrites(channelId).get(target.name() + StoreKeys.SEPARATOR + targetId);
    }
}
