package dev.kchat.store.read;

import static dev.kchat.store.TestEvents.created;
import static dev.kchat.store.TestEvents.delivered;
import static dev.kchat.store.TestEvents.joined;
import static dev.kchat.store.TestEvents.left;
import static dev.kchat.store.TestEvents.posted;
import static dev.kchat.store.TestEvents.readUpTo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.datastax.oss.driver.api.core.cql.BoundStatement;
import dev.kchat.events.chat.ConversationEvent;
import dev.kchat.events.chat.DeliveryStatus;
import dev.kchat.events.chat.InboxEntry;
import dev.kchat.events.chat.MessageStatusChanged;
import dev.kchat.events.common.ConversationKind;
import dev.kchat.store.TestEvents;
import dev.kchat.store.TestStore;
import dev.kchat.store.write.ChatWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * Receipts on demand against the real CQL server: what the sink's writer stores from the log and the
 * inbox (read positions, per-recipient statuses, counts), read back by {@link ChatRepository#receipts}.
 */
class MessageReceiptsTest {

    private static final TestEvents EVENTS = new TestEvents();

    @Test
    void shouldSortTheMembersWhoHadTheMessageIntoReadDeliveredAndPendingFromTheStoredPositions() {
        // Given: alice, bob, carol, dave, frank; alice posts 2; erin joins at 3; frank leaves at 4; bob posts 5
        String keyspace = TestStore.newKeyspace("receipts");
        ChatWriter writer = new ChatWriter(TestStore.session(), keyspace);
        ChatRepository repository = new ChatRepository(TestStore.session(), keyspace);
        String g = "g-info";
        List<ConversationEvent> log = List.of(
                created(g, ConversationKind.GROUP, "alice", "bob", "carol", "dave", "frank"),
                posted(g, 2, "alice", "hello"),
                joined(g, 3, "alice", "erin"),
                left(g, 4, "frank"),
                posted(g, 5, "bob", "yo"));
        List<BoundStatement> statements = new ArrayList<>();
        log.forEach(e -> statements.addAll(writer.statementsFor(e, EVENTS.bytes(e))));
        // bob's own message is in his inbox (his read position moves to 5: what one sends is read)
        store(writer, statements, delivered("bob", 1, log.get(4)));
        // frank had read 2 before leaving; carol's devices got everything up to 5 (per-recipient statuses
        // to alice and bob), then a replayed older status arrives; alice's counts for 2, newest last
        store(writer, statements,
                readUpTo("frank", 1, g, 2, 0),
                status("alice", 7, g, 2, DeliveryStatus.DELIVERED, "carol"),
                status("bob", 8, g, 5, DeliveryStatus.DELIVERED, "carol"),
                status("alice", 6, g, 1, DeliveryStatus.DELIVERED, "carol"),
                counts("alice", 10, g, 2, 3, 2),
                counts("alice", 9, g, 2, 1, 1));
        TestStore.write(statements);

        // When alice asks about 2
        MessageReceipts two = repository.receipts(g, 2, "alice", 1_000, 4);

        // Then bob read it (his own later message), carol got it, dave has neither; erin joined after
        // it, frank left, alice wrote it: none of them counted; the newest counts are there
        assertThat(two.read()).containsExactly("bob");
        assertThat(two.delivered()).containsExactly("carol");
        assertThat(two.pending()).containsExactly("dave");
        assertThat(two.currentMembers()).isEqualTo(5);
        assertThat(two.countsDelivered()).isEqualTo(3);
        assertThat(two.countsRead()).isEqualTo(2);

        // When bob asks about 5: the replayed older status did not move carol's position back
        MessageReceipts five = repository.receipts(g, 5, "bob", 1_000, 4);
        assertThat(five.read()).isEmpty();
        assertThat(five.delivered()).containsExactly("carol");
        assertThat(five.pending()).containsExactly("alice", "dave", "erin");
        assertThat(five.countsDelivered()).isNull();

        // When dave reads up to 5, then both messages are read by him
        TestStore.write(writer.statementsFor(readUpTo("dave", 1, g, 5, 0), EVENTS.bytes(readUpTo("dave", 1, g, 5, 0))));
        assertThat(repository.receipts(g, 2, "alice", 1_000, 4).read()).containsExactly("bob", "dave");
        assertThat(repository.receipts(g, 5, "bob", 1_000, 4).read()).containsExactly("dave");
    }

    @Test
    void shouldPageThroughMembersAndRefuseConversationsAboveTheLimitWithoutReadingTheirPositions() {
        // Given a group of 1 owner + 449 members (three pages of members), 100 of whom read the post at 3
        String keyspace = TestStore.newKeyspace("receipts_big");
        ChatWriter writer = new ChatWriter(TestStore.session(), keyspace);
        ChatRepository repository = new ChatRepository(TestStore.session(), keyspace);
        List<String> users = IntStream.range(1, 450).mapToObj(i -> String.format("u%03d", i)).toList();
        List<ConversationEvent> log = List.of(
                created("big", ConversationKind.GROUP, "owner"),
                joined("big", 2, "owner", users.toArray(String[]::new)),
                posted("big", 3, "owner", "all hands"));
        List<BoundStatement> statements = new ArrayList<>();
        log.forEach(e -> statements.addAll(writer.statementsFor(e, EVENTS.bytes(e))));
        List<InboxEntry> reads = users.subList(0, 100).stream().map(u -> readUpTo(u, 1, "big", 3, 0)).toList();
        store(writer, statements, reads.toArray(InboxEntry[]::new));
        TestStore.write(statements);

        // When the owner asks with a limit above and at the member count, with 8 reads in flight
        MessageReceipts receipts = repository.receipts("big", 3, "owner", 450, 8);

        // Then every member is counted once; a limit below the member count is refused
        assertThat(receipts.read()).containsExactlyElementsOf(users.subList(0, 100));
        assertThat(receipts.pending()).containsExactlyElementsOf(users.subList(100, users.size()));
        assertThat(receipts.currentMembers()).isEqualTo(450);
        assertThatThrownBy(() -> repository.receipts("big", 3, "owner", 449, 8))
                .isInstanceOf(ReceiptsReader.TooManyMembersException.class)
                .hasMessageContaining("more than 449");
    }

    private static void store(ChatWriter writer, List<BoundStatement> out, InboxEntry... entries) {
        for (InboxEntry e : entries) {
            out.addAll(writer.statementsFor(e, EVENTS.bytes(e)));
        }
    }

    private static InboxEntry status(String author, long inboxSeq, String conversationId, long upTo, DeliveryStatus status,
            String by) {
        return statusEntry(author, inboxSeq, MessageStatusChanged.newBuilder().setConversationId(conversationId)
                .setUpToSeq(upTo).setStatus(status).setByUserId(by).setDeliveredCount(0).setReadCount(0).build());
    }

    private static InboxEntry counts(String author, long inboxSeq, String conversationId, long upTo, int delivered, int read) {
        return statusEntry(author, inboxSeq, MessageStatusChanged.newBuilder().setConversationId(conversationId)
                .setUpToSeq(upTo).setStatus(read > 0 ? DeliveryStatus.READ : DeliveryStatus.DELIVERED).setByUserId(null)
                .setDeliveredCount(delivered).setReadCount(read).build());
    }

    private static InboxEntry statusEntry(String author, long inboxSeq, MessageStatusChanged item) {
        return InboxEntry.newBuilder().setUserId(author).setInboxSeq(inboxSeq).setConversationId(item.getConversationId())
                .setConvSeq(null).setCreatedAt(TestEvents.at(inboxSeq)).setItem(item).build();
    }
}
