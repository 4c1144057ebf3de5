package dev.kchat.ingress.servers;

import dev.kchat.api.ApiException;
import dev.kchat.servers.permissions.EffectivePermissions;
import dev.kchat.servers.permissions.Member;
import dev.kchat.servers.permissions.Overwrite;
import dev.kchat.servers.permissions.OverwriteTarget;
import dev.kchat.servers.permissions.Permission;
import dev.kchat.servers.permissions.Role;
import dev.kchat.servers.permissions.Server;
import dev.kchat.store.servers.ServerRepository;
import dev.kchat.store.servers.ServerRows;
import dev.kchat.store.servers.ServerRows.PermissionState;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * What a caller may read in a server, from the store's copy of its permission state, computed with the
 * {@code server-permissions} library as routing computes it for commands. The store lags routing by the
 * sink's delay: a member just given a role may see the channel a moment later, and one just kicked a moment
 * longer (the edge drops them from live delivery on the event itself).
 */
final class ServerAccess {

    private final ServerRepository servers;

    ServerAccess(ServerRepository servers) {
        this.servers = servers;
    }

    /**
     * The caller's permission state in the server, with the overwrites of {@code channelId} (all channels'
     * when null); {@code 404 server_not_found} unless the caller is a current member (a server one is not in
     * does not exist for one).
     */
    Seen member(String userId, String serverId, String channelId) {
        PermissionState state = servers.permissionState(serverId, userId, channelId)
                .filter(PermissionState::isMember)
                .orElseThrow(() -> ApiException.notFound("server_not_found", "no server '" + serverId + "' of yours"));
        return new Seen(state, userId);
    }

    /** A member's view of a server: their permissions in it and in each channel. */
    static final class Seen {

        private final PermissionState state;
        private final Server server;
        private final Member member;

        Seen(PermissionState state, String userId) {
            this.state = state;
            List<Role> roles = new ArrayList<>();
            for (ServerRows.Role r : state.roles().values()) {
                roles.add(new Role(r.roleId(), r.position(), r.permissions()));
            }
            if (!state.roles().containsKey(state.serverId())) {
                // The store has not written the @everyone role yet: a server seen that early grants nothing.
                roles.add(new Role(state.serverId(), 0, Permission.NONE));
            }
            this.server = Server.of(state.serverId(), state.ownerId(), roles);
            this.member = new Member(userId, state.member().roleIds());
        }

        PermissionState state() {
            return state;
        }

        /** The member's permissions in the server, before channel overwrites. */
        long base() {
            return EffectivePermissions.base(server, member);
        }

        /** The member's effective permissions in a channel. */
        long inChannel(String channelId) {
            List<Overwrite> overwrites = state.overwrites().getOrDefault(channelId, List.of()).stream()
                    .map(o -> new Overwrite(OverwriteTarget.valueOf(o.targetKind()), o.targetId(), o.allow(), o.deny()))
                    .collect(Collectors.toList());
            return EffectivePermissions.inChannel(server, member, overwrites);
        }

        boolean canView(String channelId) {
            return Permission.VIEW_CHANNEL.in(inChannel(channelId));
        }

        /** The roles by id (not deleted), for answers. */
        Map<String, ServerRows.Role> roles() {
            return state.roles();
        }
    }
}
