package dev.kchat.servers.permissions;

import java.util.Collection;

/**
 * The permissions a member has in a server and in one of its channels, computed as Discord
 * documents it (developer docs, Topics / Permissions, "Permission Overwrites"):
 *
 * <ol>
 *   <li>base: the owner has {@link Permission#ALL}; everyone else the @everyone role's bits OR the
 *       bits of each role they hold; {@link Permission#ADMINISTRATOR} among them gives ALL;</li>
 *   <li>in a channel, unless the base has ADMINISTRATOR (the owner's ALL includes it): the
 *       @everyone overwrite (deny, then allow); then the overwrites of the member's roles, their
 *       denies OR-ed and their allows OR-ed, applied deny then allow, so an allow of one role beats
 *       a deny of another whatever their positions; then the member's own overwrite (deny, then
 *       allow);</li>
 *   <li>implicit denials (Discord's "Implicit Permissions"): without VIEW_CHANNEL a member has no
 *       permission at all in the channel; without SEND_MESSAGES they cannot MENTION_EVERYONE there.</li>
 * </ol>
 *
 * <p>Plain functions over values; roles a member lists but the server no longer has are ignored.
 */
public final class EffectivePermissions {

    private EffectivePermissions() {
    }

    /** The member's permissions in the server, before any channel's overwrites. */
    public static long base(Server server, Member member) {
        if (server.isOwner(member.userId())) {
            return Permission.ALL;
        }
        long permissions = server.everyone().permissions();
        for (String roleId : member.roleIds()) {
            Role role = server.role(roleId);
            if (role != null) {
                permissions |= role.permissions();
            }
        }
        return Permission.ADMINISTRATOR.in(permissions) ? Permission.ALL : permissions;
    }

    /**
     * The member's permissions in a channel with these overwrites, before the implicit denials
     * (Discord's {@code compute_overwrites}).
     */
    public static long withOverwrites(long base, Server server, Member member, Collection<Overwrite> overwrites) {
        if (Permission.ADMINISTRATOR.in(base)) {
            return Permission.ALL;
        }
        long permissions = base;
        Overwrite everyone = find(overwrites, OverwriteTarget.ROLE, server.id());
        if (everyone != null) {
            permissions &= ~everyone.deny();
            permissions |= everyone.allow();
        }
        long allow = Permission.NONE;
        long deny = Permission.NONE;
        for (Overwrite o : overwrites) {
            if (o.target() == OverwriteTarget.ROLE && !o.targetId().equals(server.id()) && member.roleIds().contains(o.targetId())
                    && server.role(o.targetId()) != null) {
                allow |= o.allow();
                deny |= o.deny();
            }
        }
        permissions &= ~deny;
        permissions |= allow;
        Overwrite own = find(overwrites, OverwriteTarget.MEMBER, member.userId());
        if (own != null) {
            permissions &= ~own.deny();
            permissions |= own.allow();
        }
        return permissions;
    }

    /** The member's effective permissions in a channel with these overwrites: what every check uses. */
    public static long inChannel(Server server, Member member, Collection<Overwrite> overwrites) {
        return implicit(withOverwrites(base(server, member), server, member, overwrites));
    }

    /** Discord's implicit denials: nothing without VIEW_CHANNEL, no MENTION_EVERYONE without SEND_MESSAGES. */
    static long implicit(long permissions) {
        if (!Permission.VIEW_CHANNEL.in(permissions)) {
            return Permission.NONE;
        }
        if (!Permission.SEND_MESSAGES.in(permissions)) {
            return permissions & ~Permission.MENTION_EVERYONE.bit();
        }
        return permissions;
    }

    /**
     * Whether an overwrite that applies to the member (the @everyone one, one of their roles', or
     * their own) allows {@code permission} in the channel: announcement channels admit posters by
     * such an explicit allow.
     */
    public static boolean allowedByOverwrite(Server server, Member member, Collection<Overwrite> overwrites, Permission permission) {
        for (Overwrite o : overwrites) {
            boolean applies = o.target() == OverwriteTarget.MEMBER
                    ? o.targetId().equals(member.userId())
                    : o.targetId().equals(server.id()) || member.roleIds().contains(o.targetId()) && server.role(o.targetId()) != null;
            if (applies && permission.in(o.allow())) {
                return true;
            }
        }
        return false;
    }

    private static Overwrite find(Collection<Overwrite> overwrites, OverwriteTarget target, String id) {
        for (Overwrite o : overwrites) {
            if (o.target() == target && o.targetId().equals(id)) {
                return o;
            }
        }
        return null;
    }
}
