package dev.kchat.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kchat.api.auth.JwtAuthenticator.Caller;
import dev.kchat.schemas.Ids;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class RequestIdsTest {

    private static final Instant NOW = Instant.parse("2026-11-26T10:00:00Z");
    private final CommandFactory factory = new CommandFactory(Limits.defaults());
    private final Caller alice = new Caller("alice", "phone");

    @Test
    void shouldGiveEveryRetryOfAGroupCreateTheSameConversationAndCommandId() {
        CommandFactory.Accepted first = RequestIds.apply(createGroup(), "r-1");
        CommandFactory.Accepted retry = RequestIds.apply(createGroup(), "r-1");
        CommandFactory.Accepted other = RequestIds.apply(createGroup(), "r-2");

        assertThat(retry.conversationId()).isEqualTo(first.conversationId()).isEqualTo(Ids.groupConversationFor("alice", "r-1"));
        assertThat(retry.command().getCommandId()).isEqualTo(first.command().getCommandId());
        assertThat(retry.command().getConversationId()).isEqualTo(first.conversationId());
        assertThat(retry.command().getRequestId()).isEqualTo("r-1");
        assertThat(other.conversationId()).isNotEqualTo(first.conversationId());
    }

    @Test
    void shouldLeaveCommandsWithoutARequestIdAndSendsAsTheyAre() {
        CommandFactory.Accepted create = createGroup();
        CommandFactory.Accepted send = factory.sendMessage(alice, "g:x", new Requests.SendMessage("k-1", "hi", null, null, null), NOW);

        assertThat(RequestIds.apply(create, null)).isSameAs(create);
        assertThat(RequestIds.apply(send, "r-1")).isSameAs(send);
    }

    @Test
    void shouldFixTheCommandIdOfOtherCommandsButNotTheirConversation() {
        CommandFactory.Accepted rename = RequestIds.apply(factory.rename(alice, "g:x", new Requests.Rename("new"), NOW), "r-9");

        assertThat(rename.conversationId()).isEqualTo("g:x");
        assertThat(rename.command().getCommandId()).startsWith("rename:")
                .isEqualTo(RequestIds.apply(factory.rename(alice, "g:x", new Requests.Rename("new"), NOW), "r-9").command().getCommandId());
    }

    @Test
    void shouldRefuseARequestIdThatIsNotPrintableAscii() {
        assertThatThrownBy(() -> RequestIds.apply(createGroup(), "has space"))
                .isInstanceOf(ApiException.class).hasMessageContaining(RequestIds.HEADER)
                .satisfies(e -> assertThat(((ApiException) e).code()).isEqualTo("invalid_request_id"));
    }

    private CommandFactory.Accepted createGroup() {
        return factory.createConversation(alice, new Requests.CreateConversation("group", "team", List.of("bob")), NOW);
    }
}
