package dev.kchat.edge.members;

import dev.kchat.store.servers.ServerRepository;
import dev.kchat.store.servers.ServerRows;
import dev.kchat.store.servers.ServerRows.MemberLine;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What the edge reads of a server's member list, once per server while a connection here subscribes to
 * it: the roles' positions and every active member with their roles. Blocks (workers only); throws a
 * {@link RuntimeException} when the store cannot answer.
 */
public interface MemberListStore {

    /** A server's member list as the store has it: roles' positions by id (@everyone included), members sorted. */
    record Members(Map<String, Integer> rolePositions, List<MemberLine> members) {
    }

    /** The server's members; empty if there is no such server. */
    Optional<Members> members(String serverId);

    /** Over the store's server tables: one read of the server, its roles, and every member row ({@link ServerRepository#sortedMembers}). */
    static MemberListStore of(ServerRepository repository) {
        return serverId -> {
            if (repository.server(serverId).isEmpty()) {
                return Optional.empty();
            }
            Map<String, Integer> positions = new HashMap<>();
            for (ServerRows.Role role : repository.roles(serverId)) {
                positions.put(role.roleId(), role.position());
            }
            return Optional.of(new Members(positions, repository.sortedMembers(serverId)));
        };
    }
}
