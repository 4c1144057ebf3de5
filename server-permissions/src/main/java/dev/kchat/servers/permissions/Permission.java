package dev.kchat.servers.permissions;

import java.util.EnumSet;
import java.util.Set;

/**
 * The permissions a server grants, with Discord's bit values (so a client or tool that knows
 * Discord's table reads ours). Permission sets are plain {@code long}s of these bits, as stored in
 * roles and overwrites; {@link #ALL} is every bit defined here.
 */
public enum Permission {
    CREATE_INSTANT_INVITE(0),
    KICK_MEMBERS(1),
    BAN_MEMBERS(2),
    /** Every permission, and channel overwrites do not apply. */
    ADMINISTRATOR(3),
    MANAGE_CHANNELS(4),
    /** Discord's MANAGE_GUILD: the server's settings, and revoking others' invites. */
    MANAGE_SERVER(5),
    ADD_REACTIONS(6),
    /** See the channel and its messages; without it a member has no permission in the channel. */
    VIEW_CHANNEL(10),
    SEND_MESSAGES(11),
    /** Delete others' messages; post in announcement channels. */
    MANAGE_MESSAGES(13),
    READ_MESSAGE_HISTORY(16),
    /** Mention @everyone and roles that are not mentionable. */
    MENTION_EVERYONE(17),
    /** Manage roles below one's highest role, and channel overwrites ("Manage Permissions"). */
    MANAGE_ROLES(28);

    /** Every permission defined here: what the owner and ADMINISTRATOR have. */
    public static final long ALL = mask(EnumSet.allOf(Permission.class));
    /** No permission. */
    public static final long NONE = 0L;
    /**
     * The @everyone role of a new server: invite, react, view, send and read history. Mentioning
     * @everyone and every managing permission are left to roles.
     */
    public static final long DEFAULT_EVERYONE = mask(CREATE_INSTANT_INVITE, ADD_REACTIONS, VIEW_CHANNEL, SEND_MESSAGES,
            READ_MESSAGE_HISTORY);

    private final long bit;

    Permission(int shift) {
        this.bit = 1L << shift;
    }

    /** This permission's bit. */
    public long bit() {
        return bit;
    }

    /** Whether {@code permissions} holds this one. */
    public boolean in(long permissions) {
        return (permissions & bit) != 0;
    }

    public static long mask(Permission... permissions) {
        long m = 0;
        for (Permission p : permissions) {
            m |= p.bit;
        }
        return m;
    }

    public static long mask(Set<Permission> permissions) {
        return mask(permissions.toArray(Permission[]::new));
    }

    /** The permissions set in {@code permissions} (bits not defined here are left out). */
    public static Set<Permission> of(long permissions) {
        EnumSet<Permission> out = EnumSet.noneOf(Permission.class);
        for (Permission p : values()) {
            if (p.in(permissions)) {
                out.add(p);
            }
        }
        return out;
    }

    /** Whether {@code permissions} has bits no permission here defines (refused in roles and overwrites). */
    public static boolean hasUnknownBits(long permissions) {
        return (permissions & ~ALL) != 0;
    }
}
