package dev.kchat.servers.permissions;

/** Whom a channel overwrite applies to: the holders of a role, or one member. */
public enum OverwriteTarget {
    ROLE,
    MEMBER
}
