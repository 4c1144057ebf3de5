package dev.kchat.servers.permissions;

import java.util.Objects;

/**
 * A channel's permission overwrite for a role (the server id is @everyone) or a member: bits it
 * allows and bits it denies in that channel, on top of the server-wide permissions.
 */
public record Overwrite(OverwriteTarget target, String targetId, long allow, long deny) {

    public Overwrite {
        Objects.requireNonNull(target, "target");
        Objects.requireNonNull(targetId, "targetId");
    }

    public static Overwrite role(String roleId, long allow, long deny) {
        return new Overwrite(OverwriteTarget.ROLE, roleId, allow, deny);
    }

    public static Overwrite member(String userId, long allow, long deny) {
        return new Overwrite(OverwriteTarget.MEMBER, userId, allow, deny);
    }
}
