package dev.kchat.servers.permissions;

import static dev.kchat.servers.permissions.Permission.ALL;
import static dev.kchat.servers.permissions.Permission.BAN_MEMBERS;
import static dev.kchat.servers.permissions.Permission.KICK_MEMBERS;
import static dev.kchat.servers.permissions.Permission.MANAGE_ROLES;
import static dev.kchat.servers.permissions.Permission.SEND_MESSAGES;
import static dev.kchat.servers.permissions.Permission.mask;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Discord's "Permission Hierarchy" rules, and the owner above all. */
class RoleHierarchyTest {

    private static final String SERVER = "sv:1";
    private static final String ADMIN = "sv:1:r1";
    private static final String MANAGER = "sv:1:r2";
    private static final String MODERATOR = "sv:1:r3";
    private static final String TWIN = "sv:1:r10";

    // discord.py's example list: Administrator (#1), Manager (#2), Moderator (#3), @everyone.
    private final Server server = Server.of(SERVER, "owner", List.of(
            new Role(SERVER, 0, Permission.DEFAULT_EVERYONE),
            new Role(ADMIN, 3, mask(Permission.ADMINISTRATOR)),
            new Role(MANAGER, 2, mask(MANAGE_ROLES, KICK_MEMBERS, BAN_MEMBERS)),
            new Role(MODERATOR, 1, mask(KICK_MEMBERS)),
            new Role(TWIN, 1, mask(KICK_MEMBERS))));

    @Test
    void shouldTakeTheRoleOfGreatestPositionAsHighest() {
        assertThat(RoleHierarchy.highest(server, Member.of("ann", MODERATOR, MANAGER)).id()).isEqualTo(MANAGER);
        assertThat(RoleHierarchy.highest(server, Member.of("bob")).id()).as("@everyone when none").isEqualTo(SERVER);
        assertThat(RoleHierarchy.highest(server, Member.of("bob", "sv:1:r99")).id()).as("a deleted role counts for nothing").isEqualTo(SERVER);
    }

    @Test
    void shouldBreakTiesByAgeTheOlderRoleAbove() {
        assertThat(server.role(MODERATOR).isAbove(server.role(TWIN))).as("r3 is older than r10").isTrue();
        assertThat(server.role(TWIN).isAbove(server.role(MODERATOR))).isFalse();
        assertThat(RoleHierarchy.highest(server, Member.of("ann", TWIN, MODERATOR)).id()).isEqualTo(MODERATOR);
    }

    @Test
    void shouldLetAMemberManageOnlyRolesBelowTheirHighest() {
        Member manager = Member.of("ann", MANAGER);

        assertThat(RoleHierarchy.canManageRole(server, manager, server.role(MODERATOR))).isTrue();
        assertThat(RoleHierarchy.canManageRole(server, manager, server.everyone())).isTrue();
        assertThat(RoleHierarchy.canManageRole(server, manager, server.role(MANAGER))).as("not their own highest").isFalse();
        assertThat(RoleHierarchy.canManageRole(server, manager, server.role(ADMIN))).isFalse();
        assertThat(RoleHierarchy.canManageRole(server, Member.of("bob"), server.everyone())).as("no role: nothing below").isFalse();
    }

    @Test
    void shouldPutTheOwnerAboveEveryRole() {
        Member owner = Member.of("owner");

        assertThat(RoleHierarchy.canManageRole(server, owner, server.role(ADMIN))).isTrue();
        assertThat(RoleHierarchy.canPlaceRoleAt(server, owner, 1_000)).isTrue();
        assertThat(RoleHierarchy.canModerate(server, owner, Member.of("ann", ADMIN))).isTrue();
    }

    @Test
    void shouldPlaceNewRolesOnlyBelowTheActorsHighest() {
        Member manager = Member.of("ann", MANAGER);

        assertThat(RoleHierarchy.canPlaceRoleAt(server, manager, 1)).isTrue();
        assertThat(RoleHierarchy.canPlaceRoleAt(server, manager, 2)).as("a tie is not below").isFalse();
        assertThat(RoleHierarchy.canPlaceRoleAt(server, manager, 3)).isFalse();
    }

    @Test
    void shouldLetAMemberKickOrBanOnlyMembersWhoseHighestRoleIsBelowTheirs() {
        // discord.py's example: Administrator can kick Manager; Manager cannot kick Administrator.
        Member administrator = Member.of("ann", ADMIN);
        Member manager = Member.of("bob", MANAGER);

        assertThat(RoleHierarchy.canModerate(server, administrator, manager)).isTrue();
        assertThat(RoleHierarchy.canModerate(server, manager, administrator)).isFalse();
        assertThat(RoleHierarchy.canModerate(server, manager, Member.of("cy", MANAGER))).as("an equal").isFalse();
        assertThat(RoleHierarchy.canModerate(server, manager, Member.of("cy"))).isTrue();
        assertThat(RoleHierarchy.canModerate(server, Member.of("dee", MODERATOR), Member.of("cy"))).isTrue();
    }

    @Test
    void shouldNeverLetAnyoneActOnTheOwnerOrThemselves() {
        assertThat(RoleHierarchy.canModerate(server, Member.of("ann", ADMIN), Member.of("owner"))).isFalse();
        assertThat(RoleHierarchy.canModerate(server, Member.of("owner"), Member.of("owner"))).isFalse();
        assertThat(RoleHierarchy.canModerate(server, Member.of("ann", ADMIN), Member.of("ann", ADMIN))).isFalse();
    }

    @Test
    void shouldGrantOnlyPermissionsTheActorHas() {
        long manager = EffectivePermissions.base(server, Member.of("ann", MANAGER));

        assertThat(RoleHierarchy.canGrant(manager, mask(KICK_MEMBERS, SEND_MESSAGES))).isTrue();
        assertThat(RoleHierarchy.canGrant(manager, mask(Permission.ADMINISTRATOR))).isFalse();
        assertThat(RoleHierarchy.canGrant(EffectivePermissions.base(server, Member.of("bob", ADMIN)), ALL)).isTrue();
        assertThat(RoleHierarchy.canGrant(ALL, 1L << 50)).as("undefined bits").isFalse();
    }
}
