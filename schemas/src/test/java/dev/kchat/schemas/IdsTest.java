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
}
