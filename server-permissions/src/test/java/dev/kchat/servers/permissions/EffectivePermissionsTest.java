package dev.kchat.servers.permissions;

import static dev.kchat.servers.permissions.Permission.ADD_REACTIONS;
import static dev.kchat.servers.permissions.Permission.ADMINISTRATOR;
import static dev.kchat.servers.permissions.Permission.ALL;
import static dev.kchat.servers.permissions.Permission.KICK_MEMBERS;
import static dev.kchat.servers.permissions.Permission.MANAGE_MESSAGES;
import static dev.kchat.servers.permissions.Permission.MENTION_EVERYONE;
import static dev.kchat.servers.permissions.Permission.NONE;
import static dev.kchat.servers.permissions.Permission.READ_MESSAGE_HISTORY;
import static dev.kchat.servers.permissions.Permission.SEND_MESSAGES;
import static dev.kchat.servers.permissions.Permission.VIEW_CHANNEL;
import static dev.kchat.servers.permissions.Permission.mask;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The cases of Discord's documentation (Topics / Permissions: "Permission Overwrites", its
 * pseudocode, "Implicit Permissions" and the A-denies/B-allows example of "Permission Hierarchy").
 */
class EffectivePermissionsTest {

    private static final String SERVER = "sv:1";
    private static final String MOD = "sv:1:r1";
    private static final String MUTED = "sv:1:r2";
    private static final String ADMIN = "sv:1:r3";
    private static final String GONE = "sv:1:r9";

    private final Server server = Server.of(SERVER, "owner", List.of(
            new Role(SERVER, 0, Permission.DEFAULT_EVERYONE),
            new Role(MOD, 2, mask(KICK_MEMBERS, MANAGE_MESSAGES)),
            new Role(MUTED, 1, NONE),
            new Role(ADMIN, 3, mask(ADMINISTRATOR))));

    @Test
    void shouldGiveTheOwnerEverythingEvenWhereEveryoneIsDenied() {
        List<Overwrite> hidden = List.of(Overwrite.role(SERVER, NONE, mask(VIEW_CHANNEL)),
                Overwrite.member("owner", NONE, ALL));

        assertThat(EffectivePermissions.base(server, Member.of("owner"))).isEqualTo(ALL);
        assertThat(EffectivePermissions.inChannel(server, Member.of("owner"), hidden)).isEqualTo(ALL);
    }

    @Test
    void shouldMakeTheBaseTheEveryoneRoleOrTheMembersRoles() {
        assertThat(EffectivePermissions.base(server, Member.of("ann"))).isEqualTo(Permission.DEFAULT_EVERYONE);
        assertThat(EffectivePermissions.base(server, Member.of("ann", MOD)))
                .isEqualTo(Permission.DEFAULT_EVERYONE | mask(KICK_MEMBERS, MANAGE_MESSAGES));
    }

    @Test
    void shouldGiveAnAdministratorEverythingAndIgnoreOverwrites() {
        List<Overwrite> denyAll = List.of(Overwrite.role(SERVER, NONE, ALL), Overwrite.role(ADMIN, NONE, ALL),
                Overwrite.member("ann", NONE, ALL));

        assertThat(EffectivePermissions.base(server, Member.of("ann", ADMIN))).isEqualTo(ALL);
        assertThat(EffectivePermissions.inChannel(server, Member.of("ann", ADMIN), denyAll)).isEqualTo(ALL);
    }

    @Test
    void shouldHideAPrivateChannelFromEveryoneButTheRoleItAllows() {
        List<Overwrite> privateChannel = List.of(Overwrite.role(SERVER, NONE, mask(VIEW_CHANNEL)),
                Overwrite.role(MOD, mask(VIEW_CHANNEL), NONE));

        assertThat(EffectivePermissions.inChannel(server, Member.of("ann"), privateChannel)).isEqualTo(NONE);
        assertThat(EffectivePermissions.inChannel(server, Member.of("bob", MOD), privateChannel))
                .isEqualTo(Permission.DEFAULT_EVERYONE | mask(KICK_MEMBERS, MANAGE_MESSAGES));
    }

    @Test
    void shouldLetOneRolesAllowBeatAnotherRolesDenyWhateverTheirPositions() {
        // Discord's example: role A denies VIEW_CHANNEL, role B allows it; the member holding both sees the channel.
        List<Overwrite> overwrites = List.of(Overwrite.role(MOD, NONE, mask(VIEW_CHANNEL)), Overwrite.role(MUTED, mask(VIEW_CHANNEL), NONE));

        assertThat(VIEW_CHANNEL.in(EffectivePermissions.inChannel(server, Member.of("ann", MOD, MUTED), overwrites))).isTrue();
        assertThat(VIEW_CHANNEL.in(EffectivePermissions.inChannel(server, Member.of("bob", MOD), overwrites))).isFalse();
    }

    @Test
    void shouldApplyARoleDenyAfterTheEveryoneAllow() {
        // Step 3-4 (@everyone) come before steps 5-6 (roles): a muted role's deny removes what @everyone's overwrite allowed.
        List<Overwrite> overwrites = List.of(Overwrite.role(SERVER, mask(SEND_MESSAGES), NONE), Overwrite.role(MUTED, NONE, mask(SEND_MESSAGES)));

        assertThat(SEND_MESSAGES.in(EffectivePermissions.inChannel(server, Member.of("ann"), overwrites))).isTrue();
        assertThat(SEND_MESSAGES.in(EffectivePermissions.inChannel(server, Member.of("bob", MUTED), overwrites))).isFalse();
    }

    @Test
    void shouldLetTheMembersOwnOverwriteHaveTheLastWord() {
        List<Overwrite> denyMember = List.of(Overwrite.role(MOD, mask(SEND_MESSAGES), NONE), Overwrite.member("ann", NONE, mask(SEND_MESSAGES)));
        List<Overwrite> allowMember = List.of(Overwrite.role(SERVER, NONE, mask(VIEW_CHANNEL)), Overwrite.role(MUTED, NONE, mask(VIEW_CHANNEL)),
                Overwrite.member("ann", mask(VIEW_CHANNEL), NONE));

        assertThat(SEND_MESSAGES.in(EffectivePermissions.inChannel(server, Member.of("ann", MOD), denyMember))).isFalse();
        assertThat(VIEW_CHANNEL.in(EffectivePermissions.inChannel(server, Member.of("ann", MUTED), allowMember))).isTrue();
        assertThat(VIEW_CHANNEL.in(EffectivePermissions.inChannel(server, Member.of("bob", MUTED), allowMember))).isFalse();
    }

    @Test
    void shouldApplyDenyBeforeAllowWithinOneOverwrite() {
        List<Overwrite> both = List.of(Overwrite.role(SERVER, mask(MENTION_EVERYONE), mask(MENTION_EVERYONE, ADD_REACTIONS)));

        long permissions = EffectivePermissions.inChannel(server, Member.of("ann"), both);

        assertThat(MENTION_EVERYONE.in(permissions)).as("allowed after the deny").isTrue();
        assertThat(ADD_REACTIONS.in(permissions)).isFalse();
    }

    @Test
    void shouldGiveNothingInAChannelWithoutViewChannel() {
        // Implicit permissions: SEND_MESSAGES is still allowed, but ignored without VIEW_CHANNEL.
        List<Overwrite> overwrites = List.of(Overwrite.member("ann", mask(SEND_MESSAGES, MANAGE_MESSAGES), mask(VIEW_CHANNEL)));

        assertThat(EffectivePermissions.withOverwrites(EffectivePermissions.base(server, Member.of("ann")), server, Member.of("ann"), overwrites))
                .as("before the implicit denials").matches(SEND_MESSAGES::in);
        assertThat(EffectivePermissions.inChannel(server, Member.of("ann"), overwrites)).isEqualTo(NONE);
    }

    @Test
    void shouldNotLetAMemberMentionEveryoneWhereTheyCannotSend() {
        List<Overwrite> readOnly = List.of(Overwrite.role(SERVER, mask(MENTION_EVERYONE), mask(SEND_MESSAGES)));

        long permissions = EffectivePermissions.inChannel(server, Member.of("ann"), readOnly);

        assertThat(MENTION_EVERYONE.in(permissions)).isFalse();
        assertThat(permissions).isEqualTo(mask(Permission.CREATE_INSTANT_INVITE, ADD_REACTIONS, VIEW_CHANNEL, READ_MESSAGE_HISTORY));
    }

    @Test
    void shouldIgnoreRolesTheServerNoLongerHas() {
        List<Overwrite> overwrites = List.of(Overwrite.role(SERVER, NONE, mask(VIEW_CHANNEL)), Overwrite.role(GONE, mask(VIEW_CHANNEL), NONE));

        assertThat(EffectivePermissions.base(server, Member.of("ann", GONE))).isEqualTo(Permission.DEFAULT_EVERYONE);
        assertThat(EffectivePermissions.inChannel(server, Member.of("ann", GONE), overwrites)).isEqualTo(NONE);
    }

    @Test
    void shouldFindAnExplicitAllowForAnnouncementChannels() {
        List<Overwrite> overwrites = List.of(Overwrite.role(MOD, mask(SEND_MESSAGES), NONE), Overwrite.member("cy", mask(SEND_MESSAGES), NONE));

        assertThat(EffectivePermissions.allowedByOverwrite(server, Member.of("ann"), overwrites, SEND_MESSAGES)).isFalse();
        assertThat(EffectivePermissions.allowedByOverwrite(server, Member.of("bob", MOD), overwrites, SEND_MESSAGES)).isTrue();
        assertThat(EffectivePermissions.allowedByOverwrite(server, Member.of("cy"), overwrites, SEND_MESSAGES)).isTrue();
        assertThat(EffectivePermissions.allowedByOverwrite(server, Member.of("ann"),
                List.of(Overwrite.role(SERVER, mask(SEND_MESSAGES), NONE)), SEND_MESSAGES)).as("the @everyone overwrite").isTrue();
    }
}
