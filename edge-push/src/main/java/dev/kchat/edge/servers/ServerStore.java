package dev.kchat.edge.servers;

import dev.kchat.events.common.ChannelType;
import dev.kchat.servers.permissions.Overwrite;
import dev.kchat.servers.permissions.Role;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * What the edge reads of a server's permission state, to decide who may view a channel: from the
 * store ({@link CqlServerStore}), once per server while it has viewers here, and once per viewing
 * user. Every method blocks (workers only) and throws a {@link RuntimeException} when the store
 * cannot answer.
 */
public interface ServerStore {

    /** The server's owner, roles and channels with their overwrites; empty if there is no such server. */
    Optional<Snapshot> server(String serverId);

    /** The roles of an active member (without {@code @everyone}, which every member has); empty if the user is not a member. */
    Optional<Set<String>> memberRoles(String serverId, String userId);

    /**
     * A server as the store has it.
     *
     * @param roles    by id, {@code @everyone} (id = the server id) included; deleted roles left out
     * @param channels by id; deleted channels left out
     */
    record Snapshot(String serverId, String ownerId, Map<String, Role> roles, Map<String, Channel> channels) {
    }

    /** A channel with its permission overwrites. */
    record Channel(String channelId, ChannelType type, List<Overwrite> overwrites) {
    }
}
