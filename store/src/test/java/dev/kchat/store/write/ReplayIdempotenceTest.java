package dev.kchat.store.write;

import static dev.kchat.store.TestEvents.created;
import static dev.kchat.store.TestEvents.delivered;
import static dev.kchat.store.TestEvents.edited;
import static dev.kchat.store.TestEvents.joined;
import static dev.kchat.store.TestEvents.left;
import static dev.kchat.store.TestEvents.posted;
import static dev.kchat.store.TestEvents.readUpTo;
import static dev.kchat.store.TestEvents.recalled;
import static dev.kchat.store.TestEvents.redacted;
import static dev.kchat.store.TestEvents.renamed;
import static dev.kchat.store.TestEvents.roleChanged;
import static org.assertj.core.api.Assertions.assertThat;

import com.datastax.oss.driver.api.core.cql.BoundStatement;
import dev.kchat.events.chat.ConversationEvent;
import dev.kchat.events.common.ConversationKind;
import dev.kchat.events.common.MemberRole;
import dev.kchat.store.TestEvents;
import dev.kchat.store.TestStore;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ReplayIdempotenceTest {

    private static final List<String> TABLES = List.of("messages_by_conversation", "inbox_by_user", "inbox_heads",
            "conversations", "members_by_conversation", "conversations_by_user");
    private static final TestEvents EVENTS = new TestEvents();

    @Test
    void shouldLeaveIdenticalRowsWhenTheSameRecordsAreStoredTwiceOrInReverse() {
        // Given a store that applied a conversation's log and the inboxes it produced
        String keyspace = TestStore.newKeyspace("replay");
        ChatWriter writer = new ChatWriter(TestStore.session(), keyspace);
        List<List<BoundStatement>> records = records(writer);
        records.forEach(TestStore::write);
        Map<String, List<String>> first = snapshot(keyspace);

        // When every record is stored again, then once more in reverse order
        records.forEach(TestStore::write);
        Map<String, List<String>> replayed = snapshot(keyspace);
        List<List<BoundStatement>> reversed = new ArrayList<>(records);
        java.util.Collections.reverse(reversed);
        reversed.forEach(TestStore::write);
        Map<String, List<String>> reordered = snapshot(keyspace);

        // Then every table holds exactly the same rows each time
        assertThat(first.get("messages_by_conversation")).hasSize(12);
        assertThat(first.get("inbox_by_user")).hasSize(14);
        assertThat(replayed).isEqualTo(first);
        assertThat(reordered).isEqualTo(first);
    }

    private static List<List<BoundStatement>> records(ChatWriter writer) {
        String c = "g-replay";
        List<ConversationEvent> log = List.of(
                created(c, ConversationKind.GROUP, "alice", "bob"),
                posted(c, 2, "alice", "hello"),
                posted(c, 3, "bob", "hi"),
                edited(c, 4, "bob", 3, "hi there"),
                joined(c, 5, "alice", "carol"),
                posted(c, 6, "carol", "hey all"),
                recalled(c, 7, "carol", 6),
                roleChanged(c, 8, "alice", "bob", MemberRole.ADMIN),
                renamed(c, 9, "alice", "friends"),
                posted(c, 10, "bob", "buy now"),
                redacted(c, 11, 10, "spam"),
                left(c, 12, "carol"));
        List<List<BoundStatement>> records = new ArrayList<>();
        Map<String, Long> inboxSeqs = new LinkedHashMap<>();
        for (ConversationEvent event : log) {
            records.add(writer.statementsFor(event, EVENTS.bytes(event)));
            String recipient = event.getSeq() % 2 == 0 ? "alice" : "bob";
            long inboxSeq = inboxSeqs.merge(recipient, 1L, Long::sum);
            var entry = delivered(recipient, inboxSeq, event);
            records.add(writer.statementsFor(entry, EVENTS.bytes(entry)));
        }
        var read = readUpTo("alice", inboxSeqs.merge("alice", 1L, Long::sum), c, 10, 2);
        records.add(writer.statementsFor(read, EVENTS.bytes(read)));
        var read2 = readUpTo("bob", inboxSeqs.merge("bob", 1L, Long::sum), c, 12, 0);
        records.add(writer.statementsFor(read2, EVENTS.bytes(read2)));
        return records;
    }

    private static Map<String, List<String>> snapshot(String keyspace) {
        Map<String, List<String>> out = new LinkedHashMap<>();
        for (String table : TABLES) {
            out.put(table, TestStore.snapshot(keyspace, table));
        }
        return out;
    }
}
