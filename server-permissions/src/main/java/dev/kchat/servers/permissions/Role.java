package dev.kchat.servers.permissions;

import java.util.Comparator;
import java.util.Objects;

/**
 * A role of a server: its id, its place in the hierarchy and the permissions it grants everywhere
 * in the server (before channel overwrites). The @everyone role's id is the server id and its
 * position 0.
 *
 * @param id role id
 * @param position place in the hierarchy, higher is above
 * @param permissions permission bits ({@link Permission})
 */
public record Role(String id, int position, long permissions) {

    /**
     * The hierarchy, lowest first: by position; at equal positions the older role (the shorter id,
     * then the smaller: {@code r2} before {@code r10}) is above.
     */
    public static final Comparator<Role> HIERARCHY = Comparator.comparingInt(Role::position)
            .thenComparing(Role::id, Comparator.comparingInt(String::length).thenComparing(Comparator.naturalOrder()).reversed());

    public Role {
        Objects.requireNonNull(id, "id");
    }

    /** Whether this role is above {@code other} in the hierarchy. */
    public boolean isAbove(Role other) {
        return HIERARCHY.compare(this, other) > 0;
    }
}
