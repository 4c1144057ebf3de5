package dev.kchat.schemas;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class IdsTest {

    @Test
    void shouldDeriveTheSameDirectConversationFromEitherSide() {
        assertThat(Ids.directConversation("bob", "alice")).isEqualTo(Ids.directConversation("alice", "bob"))
                .isEqualTo("dm:alice:bob");
        assertThat(Ids.isDirectConversation("dm:alice:bob")).isTrue();
        assertThat(Ids.isConversationId(Ids.directConversation("alice", "bob"))).isTrue();
        assertThat(Ids.isConversationId(Ids.newGroupConversation())).isTrue();
    }

    @Test
    void shouldGiveARetriedSendTheSameMessageId() {
        assertThat(Ids.messageId("c", "alice", "k1")).isEqualTo(Ids.messageId("c", "alice", "k1"))
                .isNotEqualTo(Ids.messageId("c", "bob", "k1"))
                .isNotEqualTo(Ids.messageId("c", "alice", "k2"));
    }

    @Test
    void shouldRefuseMalformedIds() {
        assertThat(Ids.isUserId("alice:evil")).isFalse();
        assertThat(Ids.isUserId("")).isFalse();
        assertThat(Ids.isUserId("a".repeat(65))).isFalse();
        assertThat(Ids.isClientMsgId("has space")).isFalse();
        assertThatThrownBy(() -> Ids.directConversation("a:b", "c")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void shouldDeriveTheSameServerForARetriedCreate() {
        String server = Ids.serverFor("alice", "r1");

        assertThat(server).startsWith("sv:").isEqualTo(Ids.serverFor("alice", "r1"))
                .isNotEqualTo(Ids.serverFor("bob", "r1")).isNotEqualTo(Ids.serverFor("alice", "r2"))
                .isNotEqualTo(Ids.groupConversationFor("alice", "r1").replace("g:", "sv:"));
        assertThat(Ids.isServer(server)).isTrue();
        assertThat(Ids.isConversationId(server)).isTrue();
        assertThat(Ids.isServer(Ids.newServer())).isTrue();
    }

    @Test
    void shouldNameChannelsAndRolesInsideTheirServer() {
        String server = Ids.serverFor("alice", "r1");

        assertThat(Ids.serverChannel(server, 3)).isEqualTo(server + ":c3");
        assertThat(Ids.serverRole(server, 2)).isEqualTo(server + ":r2");
        assertThat(Ids.isConversationId(Ids.serverChannel(server, 3))).isTrue();
        assertThat(Ids.isServerChannel(Ids.serverChannel(server, 3))).isTrue();
        assertThat(Ids.isServerChannel(server)).isFalse();
        assertThat(Ids.isServerChannel(Ids.serverRole(server, 2))).isFalse();
        assertThat(Ids.isServerChannel(server + ":c")).isFalse();
        assertThat(Ids.isServer(Ids.serverChannel(server, 3))).isFalse();
        assertThatThrownBy(() -> Ids.serverChannel("g:x", 1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Ids.serverRole(server + ":c1", 1)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void shouldFindTheServerOfAServerItsChannelsAndItsRoles() {
        String server = Ids.serverFor("alice", "r1");

        assertThat(Ids.serverOf(server)).isEqualTo(server);
        assertThat(Ids.serverOf(Ids.serverChannel(server, 12))).isEqualTo(server);
        assertThat(Ids.serverOf(Ids.serverRole(server, 1))).isEqualTo(server);
        assertThat(Ids.serverOf("dm:alice:bob")).isNull();
        assertThat(Ids.serverOf(Ids.groupConversationFor("alice", "r1"))).isNull();
        assertThat(Ids.serverOf("sv:")).isNull();
        assertThat(Ids.serverOf("sv::c1")).isNull();
        assertThat(Ids.serverOf(null)).isNull();
    }

    @Test
    void shouldKeyAServerAndItsChannelsByTheServerAndEverythingElseByItself() {
        String server = Ids.serverFor("alice", "r1");

        assertThat(Ids.routingKey(server)).isEqualTo(server);
        assertThat(Ids.routingKey(Ids.serverChannel(server, 1))).isEqualTo(server);
        assertThat(Ids.routingKey(Ids.serverChannel(server, 2))).isEqualTo(server);
        assertThat(Ids.routingKey("dm:alice:bob")).isEqualTo("dm:alice:bob");
        assertThat(Ids.routingKey("g:123")).isEqualTo("g:123");
    }
}
