package dev.kchat.servers.permissions;

/**
 * Discord's role hierarchy (developer docs, Topics / Permissions, "Permission Hierarchy"): a
 * member's highest role is the role of greatest position they hold (@everyone, position 0, if
 * none); they may assign, edit, delete and place only roles below it, grant only permissions they
 * have, and kick or ban only members whose highest role is below it. The owner is above everyone
 * and may do all of it; nobody acts on the owner.
 *
 * <p>These checks are about rank only: whether the member holds MANAGE_ROLES, KICK_MEMBERS or
 * BAN_MEMBERS is asked separately of {@link EffectivePermissions}.
 */
public final class RoleHierarchy {

    private RoleHierarchy() {
    }

    /** The member's highest role: @everyone when they hold none the server has. */
    public static Role highest(Server server, Member member) {
        Role top = server.everyone();
        for (String roleId : member.roleIds()) {
            Role role = server.role(roleId);
            if (role != null && role.isAbove(top)) {
                top = role;
            }
        }
        return top;
    }

    /** Whether the actor ranks above the role: may assign, unassign, edit or delete it. */
    public static boolean canManageRole(Server server, Member actor, Role role) {
        return server.isOwner(actor.userId()) || highest(server, actor).isAbove(role);
    }

    /**
     * Whether the actor may put a role at {@code position} (create it there or move it there):
     * strictly below their highest role. At an equal position the new place would tie, and a tie is
     * not below, so it is refused too.
     */
    public static boolean canPlaceRoleAt(Server server, Member actor, int position) {
        return server.isOwner(actor.userId()) || position < highest(server, actor).position();
    }

    /** Whether the actor ranks above the target member: may kick or ban them. Never the owner. */
    public static boolean canModerate(Server server, Member actor, Member target) {
        if (server.isOwner(target.userId()) || actor.userId().equals(target.userId())) {
            return false;
        }
        return server.isOwner(actor.userId()) || highest(server, actor).isAbove(highest(server, target));
    }

    /**
     * Whether an actor with {@code actorPermissions} (their base, or their permissions in a channel
     * for an overwrite) may grant {@code requested}: only bits they have themselves. The owner's and
     * an administrator's ALL covers every defined bit; bits no permission defines are never granted.
     */
    public static boolean canGrant(long actorPermissions, long requested) {
        return (requested & ~actorPermissions) == 0;
    }
}
