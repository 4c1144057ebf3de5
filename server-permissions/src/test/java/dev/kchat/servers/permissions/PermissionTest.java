package dev.kchat.servers.permissions;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.EnumSet;
import org.junit.jupiter.api.Test;

class PermissionTest {

    @Test
    void shouldUseDiscordsBitValues() {
        assertThat(Permission.CREATE_INSTANT_INVITE.bit()).isEqualTo(0x1L);
        assertThat(Permission.KICK_MEMBERS.bit()).isEqualTo(0x2L);
        assertThat(Permission.BAN_MEMBERS.bit()).isEqualTo(0x4L);
        assertThat(Permission.ADMINISTRATOR.bit()).isEqualTo(0x8L);
        assertThat(Permission.MANAGE_CHANNELS.bit()).isEqualTo(0x10L);
        assertThat(Permission.MANAGE_SERVER.bit()).isEqualTo(0x20L);
        assertThat(Permission.ADD_REACTIONS.bit()).isEqualTo(0x40L);
        assertThat(Permission.VIEW_CHANNEL.bit()).isEqualTo(0x400L);
        assertThat(Permission.SEND_MESSAGES.bit()).isEqualTo(0x800L);
        assertThat(Permission.MANAGE_MESSAGES.bit()).isEqualTo(0x2000L);
        assertThat(Permission.READ_MESSAGE_HISTORY.bit()).isEqualTo(0x10000L);
        assertThat(Permission.MENTION_EVERYONE.bit()).isEqualTo(0x20000L);
        assertThat(Permission.MANAGE_ROLES.bit()).isEqualTo(0x10000000L);
    }

    @Test
    void shouldReadAndWriteSetsOfPermissions() {
        long bits = Permission.mask(Permission.VIEW_CHANNEL, Permission.SEND_MESSAGES);

        assertThat(bits).isEqualTo(3072L);
        assertThat(Permission.of(bits | (1L << 40))).containsExactly(Permission.VIEW_CHANNEL, Permission.SEND_MESSAGES);
        assertThat(Permission.of(Permission.ALL)).isEqualTo(EnumSet.allOf(Permission.class));
        assertThat(Permission.hasUnknownBits(bits)).isFalse();
        assertThat(Permission.hasUnknownBits(1L << 40)).isTrue();
        assertThat(Permission.DEFAULT_EVERYONE).matches(Permission.VIEW_CHANNEL::in).matches(Permission.SEND_MESSAGES::in)
                .matches(b -> !Permission.MENTION_EVERYONE.in(b)).matches(b -> !Permission.ADMINISTRATOR.in(b));
    }
}
