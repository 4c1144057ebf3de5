package dev.kchat.servers.permissions;

import java.util.Objects;
import java.util.Set;

/** A member of a server and the ids of the roles they hold (@everyone is implied, never listed). */
public record Member(String userId, Set<String> roleIds) {

    public Member {
        Objects.requireNonNull(userId, "userId");
        roleIds = Set.copyOf(roleIds);
    }

    public static Member of(String userId, String... roleIds) {
        return new Member(userId, Set.of(roleIds));
    }
}
