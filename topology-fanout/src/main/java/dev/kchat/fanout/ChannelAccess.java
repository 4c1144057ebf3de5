package dev.kchat.fanout;

import dev.kchat.fanout.state.ChannelState;
import dev.kchat.fanout.state.OverwriteState;
import dev.kchat.fanout.state.RoleState;
import dev.kchat.fanout.state.ServerState;
import dev.kchat.servers.permissions.EffectivePermissions;
import dev.kchat.servers.permissions.Member;
import dev.kchat.servers.permissions.Overwrite;
import dev.kchat.servers.permissions.OverwriteTarget;
import dev.kchat.servers.permissions.Permission;
import dev.kchat.servers.permissions.Role;
import dev.kchat.servers.permissions.Server;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Who may view one channel, from the server state fanout keeps, with the {@code server-permissions}
 * library (Discord's computation): built once per event, asked once per candidate member.
 */
final class ChannelAccess {

    private final Server server;
    private final List<Overwrite> overwrites;

    ChannelAccess(String serverId, ServerState state, String channelId) {
        Map<String, Role> roles = new HashMap<>();
        for (Map.Entry<String, RoleState> e : state.getRoles().entrySet()) {
            roles.put(e.getKey(), new Role(e.getKey(), e.getValue().getPosition(), e.getValue().getPermissions()));
        }
        this.server = new Server(serverId, state.getOwnerId(), roles);
        ChannelState channel = state.getChannels().get(channelId);
        List<Overwrite> list = new ArrayList<>();
        if (channel != null) {
            for (OverwriteState o : channel.getOverwrites()) {
                list.add(new Overwrite(OverwriteTarget.valueOf(o.getTargetKind()), o.getTargetId(), o.getAllow(), o.getDeny()));
            }
        }
        this.overwrites = List.copyOf(list);
    }

    /** Whether a member holding these roles may view the channel. */
    boolean canView(String userId, Set<String> roleIds) {
        return Permission.VIEW_CHANNEL.in(EffectivePermissions.inChannel(server, new Member(userId, roleIds), overwrites));
    }
}
