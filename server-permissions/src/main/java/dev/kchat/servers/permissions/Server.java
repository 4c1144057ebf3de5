package dev.kchat.servers.permissions;

import java.util.HashMap;
import java.util.Map;
import java.util.Objects;

/**
 * What permissions depend on at the server level: its id (also the @everyone role's), its owner and
 * its roles by id. Immutable.
 */
public record Server(String id, String ownerId, Map<String, Role> roles) {

    public Server {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(ownerId, "ownerId");
        roles = Map.copyOf(roles);
        if (!roles.containsKey(id)) {
            throw new IllegalArgumentException("server " + id + " has no @everyone role (a role whose id is the server id)");
        }
    }

    /** A server of these roles, the @everyone role among them. */
    public static Server of(String id, String ownerId, Iterable<Role> roles) {
        Map<String, Role> byId = new HashMap<>();
        roles.forEach(r -> byId.put(r.id(), r));
        return new Server(id, ownerId, byId);
    }

    public Role everyone() {
        return roles.get(id);
    }

    public boolean isOwner(String userId) {
        return ownerId.equals(userId);
    }

    /** The role of an id, null for an unknown one (a deleted role a member still lists is ignored). */
    public Role role(String roleId) {
        return roles.get(roleId);
    }
}
