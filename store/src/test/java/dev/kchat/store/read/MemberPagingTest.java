package dev.kchat.store.read;

import static dev.kchat.store.TestEvents.created;
import static dev.kchat.store.TestEvents.joined;
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
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class MemberPagingTest {

    private static final TestEvents EVENTS = new TestEvents();

    @Test
    void shouldPageThroughCurrentMembersByUserIdSkippingThoseWhoLeft() {
        // Given a group of 1 owner + 249 members, of whom every tenth left
        String keyspace = TestStore.newKeyspace("members");
        ChatWriter writer = new ChatWriter(TestStore.session(), keyspace);
        ChatRepository repository = new ChatRepository(TestStore.session(), keyspace);
        List<String> users = IntStream.range(1, 250).mapToObj(i -> String.format("u%03d", i)).toList();
        List<ConversationEvent> log = new ArrayList<>();
        log.add(created("big", ConversationKind.GROUP, "owner"));
        log.add(joined("big", 2, "owner", users.toArray(String[]::new)));
        long seq = 3;
        List<String> gone = new ArrayList<>();
        for (int i = 0; i < users.size(); i += 10) {
            log.add(left("big", seq++, users.get(i)));
            gone.add(users.get(i));
        }
        List<BoundStatement> statements = new ArrayList<>();
        log.forEach(e -> statements.addAll(writer.statementsFor(e, EVENTS.bytes(e))));
        TestStore.write(statements);

        // When a client pages through 40 at a time
        List<String> seen = new ArrayList<>();
        String after = "";
        int pages = 0;
        do {
            MemberPage page = repository.members("big", after, 40);
            page.members().forEach(m -> seen.add(m.userId()));
            after = page.nextAfter();
            pages++;
        } while (after != null);

        // Then it sees every current member once, in user id order, with roles
        List<String> expected = new ArrayList<>(users);
        expected.removeAll(gone);
        expected.add("owner");
        assertThat(seen).containsExactlyElementsOf(expected.stream().sorted().toList());
        assertThat(pages).isEqualTo(7);
        assertThat(repository.members("big", "", 1).members()).extracting(MemberPage.Member::role).containsExactly("OWNER");
        // u001 left: its page is empty but says where to continue
        MemberPage skipped = repository.members("big", "owner", 1);
        assertThat(skipped.members()).isEmpty();
        assertThat(skipped.nextAfter()).isEqualTo("u001");
        assertThat(repository.members("big", "u001", 1).members()).extracting(MemberPage.Member::role).containsExactly("MEMBER");
        assertThat(repository.members("big", "u999", 10).members()).isEmpty();
    }
}
