package dev.kchat.store.read;

import static dev.kchat.store.TestEvents.created;
import static dev.kchat.store.TestEvents.left;
import static org.assertj.core.api.Assertions.assertThat;

import com.datastax.oss.driver.api.core.cql.BoundStatement;
import dev.kchat.events.chat.ConversationEvent;
import dev.kchat.events.common.ConversationKind;
import dev.kchat.store.TestEvents;
import dev.kchat.store.TestStore;
import dev.kchat.store.write.ChatWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.IntStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The reads the presence policy takes from the store: one's current conversations, others' memberships. */
class SharedConversationsTest {

    private static final TestEvents EVENTS = new TestEvents();
    private static ChatRepository repository;

    @BeforeAll
    static void store() {
        String keyspace = TestStore.newKeyspace("shared");
        ChatWriter writer = new ChatWriter(TestStore.session(), keyspace);
        List<ConversationEvent> log = new ArrayList<>();
        log.add(created("dm:alice:bob", ConversationKind.DIRECT, "alice", "bob"));
        log.add(created("g-team", ConversationKind.GROUP, "alice", "carol", "dave"));
        log.add(left("g-team", 2, "dave"));
        log.add(created("c-news", ConversationKind.CHANNEL, "erin", "alice", "frank"));
        // 150 groups of alice's with gina in the last one: more than one IN of 100 values
        IntStream.range(0, 150).forEach(i -> log.add(i == 149
                ? created("g-many-" + i, ConversationKind.GROUP, "alice", "gina")
                : created("g-many-" + i, ConversationKind.GROUP, "alice")));
        List<BoundStatement> statements = new ArrayList<>();
        log.forEach(e -> statements.addAll(writer.statementsFor(e, EVENTS.bytes(e))));
        TestStore.write(statements);
        repository = new ChatRepository(TestStore.session(), keyspace);
    }

    @Test
    void shouldListOnesCurrentConversationsWithTheirKinds() {
        Map<String, String> alice = repository.currentConversationKinds("alice");

        assertThat(alice).containsEntry("dm:alice:bob", "DIRECT").containsEntry("g-team", "GROUP")
                .containsEntry("c-news", "CHANNEL").containsEntry("g-many-0", "GROUP").hasSize(153);
        // dave left the group: none current; a stranger has none
        assertThat(repository.currentConversationKinds("dave")).isEmpty();
        assertThat(repository.currentConversationKinds("nobody")).isEmpty();
    }

    @Test
    void shouldTellWhichOfTheGivenConversationsEachUserIsACurrentMemberOf() {
        List<String> aliceGroups = new ArrayList<>(repository.currentConversationKinds("alice").keySet());

        Map<String, Set<String>> found = repository.currentMemberships(
                List.of("bob", "carol", "dave", "frank", "gina", "nobody"), aliceGroups);

        assertThat(found).containsOnlyKeys("bob", "carol", "frank", "gina");
        assertThat(found.get("bob")).containsExactly("dm:alice:bob");
        assertThat(found.get("carol")).containsExactly("g-team");
        assertThat(found.get("frank")).containsExactly("c-news");
        assertThat(found.get("gina")).containsExactly("g-many-149");
        assertThat(repository.currentMemberships(List.of("bob"), List.of())).isEmpty();
    }
}
