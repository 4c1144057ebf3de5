package dev.kchat.store.write;

import static dev.kchat.store.TestEvents.delivered;
import static dev.kchat.store.TestEvents.posted;
import static org.assertj.core.api.Assertions.assertThat;

import com.datastax.oss.driver.api.core.cql.BatchStatement;
import com.datastax.oss.driver.api.core.cql.BatchType;
import com.datastax.oss.driver.api.core.cql.BoundStatement;
import com.datastax.oss.driver.api.core.cql.Statement;
import dev.kchat.events.chat.ConversationEvent;
import dev.kchat.events.chat.InboxEntry;
import dev.kchat.store.TestEvents;
import dev.kchat.store.TestStore;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class AsyncWriterPlanTest {

    private static final TestEvents EVENTS = new TestEvents();
    private static ChatWriter writer;

    @BeforeAll
    static void store() {
        writer = new ChatWriter(TestStore.session(), TestStore.newKeyspace("plan"));
    }

    @Test
    void shouldSendTheStatementsOfOnePartitionAsOneUnloggedBatch() {
        // Given the statements that store a posted message in its author's inbox: the entry row
        // (partition user|bucket) and four upserts keyed by the user alone (head, last seq, preview, read)
        ConversationEvent event = posted("g-plan", 2, "alice", "hello");
        InboxEntry entry = delivered("alice", 7, event);
        List<BoundStatement> statements = writer.statementsFor(entry, EVENTS.bytes(entry));
        assertThat(statements).hasSize(5);

        // When they are planned into requests
        List<Statement<?>> requests = AsyncWriter.plan(statements);

        // Then the entry row goes alone and the user's four upserts go as one unlogged batch, in order
        assertThat(requests).hasSize(2);
        assertThat(requests.get(0)).isSameAs(statements.get(0));
        BatchStatement batch = (BatchStatement) requests.get(1);
        assertThat(batch.getBatchType()).isEqualTo(BatchType.UNLOGGED);
        List<String> members = new ArrayList<>();
        batch.forEach(s -> members.add(BoundStatements.describe(s)));
        assertThat(members).containsExactlyElementsOf(statements.subList(1, 5).stream().map(BoundStatements::describe).toList());
        // children carry no consistency of their own (the batch's applies; the driver warns otherwise)
        batch.forEach(s -> assertThat(s.getConsistencyLevel()).isNull());
        batch.forEach(s -> assertThat(s.getSerialConsistencyLevel()).isNull());
        assertThat(batch.isIdempotent()).isTrue();
        assertThat(batch.getConsistencyLevel()).isEqualTo(statements.get(1).getConsistencyLevel());
    }

    @Test
    void shouldNeverBatchAcrossPartitions() {
        // Given the upserts of two users' entries and of the conversation log
        ConversationEvent event = posted("g-plan", 3, "bob", "hi");
        List<BoundStatement> statements = new ArrayList<>();
        statements.addAll(writer.statementsFor(delivered("carol", 1, event), EVENTS.bytes(delivered("carol", 1, event))));
        statements.addAll(writer.statementsFor(delivered("dave", 1, event), EVENTS.bytes(delivered("dave", 1, event))));
        statements.addAll(writer.statementsFor(event, EVENTS.bytes(event)));

        // When they are planned
        List<Statement<?>> requests = AsyncWriter.plan(statements);

        // Then each batch holds statements of one partition key only, and nothing is lost or repeated
        List<String> flattened = new ArrayList<>();
        for (Statement<?> request : requests) {
            if (request instanceof BatchStatement batch) {
                List<Object> keys = new ArrayList<>();
                batch.forEach(s -> keys.add(s.getRoutingKey()));
                assertThat(keys).as("one partition per batch").allMatch(k -> k.equals(keys.get(0)));
                batch.forEach(s -> flattened.add(BoundStatements.describe(s)));
            } else {
                flattened.add(BoundStatements.describe(request));
            }
        }
        assertThat(flattened).containsExactlyInAnyOrderElementsOf(statements.stream().map(BoundStatements::describe).toList());
        // carol: row + batch, dave: row + batch, log: message row + batch(preview, last seq)
        assertThat(requests).hasSize(6);
    }

    @Test
    void shouldStoreThroughBatchesWhatSingleStatementsStore() throws Exception {
        // Given a posted message in a fresh keyspace
        String keyspace = TestStore.newKeyspace("planrows");
        ChatWriter w = new ChatWriter(TestStore.session(), keyspace);
        ConversationEvent event = posted("g-rows", 4, "erin", "batched");
        InboxEntry entry = delivered("erin", 3, event);

        // When it is written through the planned batches
        TestStore.write(w.statementsFor(event, EVENTS.bytes(event)));
        TestStore.write(w.statementsFor(entry, EVENTS.bytes(entry)));

        // Then every upsert of the batches landed
        var conv = TestStore.session().execute("SELECT last_seq, last_message_seq, last_message_preview FROM "
                + keyspace + ".conversations WHERE conversation_id = 'g-rows'").one();
        assertThat(conv.getLong("last_seq")).isEqualTo(4);
        assertThat(conv.getLong("last_message_seq")).isEqualTo(4);
        assertThat(conv.getString("last_message_preview")).isEqualTo("batched");
        var head = TestStore.session().execute("SELECT last_inbox_seq FROM " + keyspace
                + ".inbox_heads WHERE user_id = 'erin'").one();
        assertThat(head.getLong("last_inbox_seq")).isEqualTo(3);
        var mine = TestStore.session().execute("SELECT last_seq, read_seq, last_message_preview FROM " + keyspace
                + ".conversations_by_user WHERE user_id = 'erin' AND conversation_id = 'g-rows'").one();
        assertThat(mine.getLong("last_seq")).isEqualTo(4);
        assertThat(mine.getLong("read_seq")).isEqualTo(4);
        assertThat(mine.getString("last_message_preview")).isEqualTo("batched");
    }
}
