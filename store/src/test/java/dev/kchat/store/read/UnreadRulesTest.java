package dev.kchat.store.read;

import static dev.kchat.store.TestEvents.created;
import static dev.kchat.store.TestEvents.delivered;
import static dev.kchat.store.TestEvents.joined;
import static dev.kchat.store.TestEvents.posted;
import static org.assertj.core.api.Assertions.assertThat;

import com.datastax.oss.driver.api.core.cql.BoundStatement;
import dev.kchat.events.chat.ConversationEvent;
import dev.kchat.events.common.ConversationKind;
import dev.kchat.store.TestEvents;
import dev.kchat.store.TestStore;
import dev.kchat.store.write.ChatWriter;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class UnreadRulesTest {

    private static final TestEvents EVENTS = new TestEvents();

    @Test
    void shouldNotCountOnesOwnMessagesNorHistoryFromBeforeJoiningAsUnread() {
        // Given a group where bob writes twice, alice once, then carol joins and bob writes again
        String keyspace = TestStore.newKeyspace("unread");
        ChatWriter writer = new ChatWriter(TestStore.session(), keyspace);
        ChatRepository repository = new ChatRepository(TestStore.session(), keyspace);
        List<BoundStatement> statements = new ArrayList<>();
        long[] inbox = new long[3]; // alice, bob, carol
        List<ConversationEvent> log = List.of(
                created("g", ConversationKind.GROUP, "bob", "alice"),
                posted("g", 2, "bob", "one"),
                posted("g", 3, "bob", "two"),
                posted("g", 4, "alice", "three"),
                joined("g", 5, "bob", "carol"),
                posted("g", 6, "bob", "welcome"));
        for (ConversationEvent e : log) {
            statements.addAll(writer.statementsFor(e, EVENTS.bytes(e)));
            statements.addAll(writer.statementsFor(delivered("alice", ++inbox[0], e), EVENTS.bytes(delivered("alice", inbox[0], e))));
            statements.addAll(writer.statementsFor(delivered("bob", ++inbox[1], e), EVENTS.bytes(delivered("bob", inbox[1], e))));
            if (e.getSeq() >= 5) {
                statements.addAll(writer.statementsFor(delivered("carol", ++inbox[2], e), EVENTS.bytes(delivered("carol", inbox[2], e))));
            }
        }
        TestStore.write(statements);

        // When each lists their conversations
        ConversationSummary bob = repository.membership("bob", "g").orElseThrow();
        ConversationSummary alice = repository.membership("alice", "g").orElseThrow();
        ConversationSummary carol = repository.membership("carol", "g").orElseThrow();

        // Then bob's own last message marks everything before it read; alice's message read what preceded it;
        // carol's count starts at her join
        assertThat(bob.unread()).isZero();
        assertThat(alice.readSeq()).isEqualTo(4);
        assertThat(alice.unread()).isEqualTo(2);
        assertThat(carol.unread()).isEqualTo(2);
    }
}
