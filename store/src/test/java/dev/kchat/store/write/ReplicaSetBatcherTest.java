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
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The planner of batches across records, over the real statements of the chat writer (prepared on the local CQL server). */
class ReplicaSetBatcherTest {

    private static final TestEvents EVENTS = new TestEvents();
    private static final Function<BoundStatement, Optional<?>> ONE_NODE = s -> Optional.of("node-1");
    private static String keyspace;
    private static ChatWriter writer;

    @BeforeAll
    static void store() {
        keyspace = TestStore.newKeyspace("replicasets");
        writer = new ChatWriter(TestStore.session(), keyspace);
    }

    @Test
    void shouldSplitBatchesAtTheSizeLimit() {
        // Given the records of a message posted in a group of 20: the log event and an inbox entry per member
        List<List<BoundStatement>> records = groupMessage("g-size", 20, "x".repeat(200));
        ReplicaSetBatcher batcher = new ReplicaSetBatcher(ONE_NODE, new ReplicaSetBatcher.Limits(2048, 1000, 1000));

        // When they are planned on one node
        List<ReplicaSetBatcher.Request> requests = batcher.plan(records);

        // Then several batches carry them, none above the limit unless it holds a single statement
        assertThat(requests).hasSizeGreaterThan(1);
        for (ReplicaSetBatcher.Request request : requests) {
            List<BoundStatement> members = members(request);
            if (members.size() > 1) {
                assertThat(members.stream().mapToInt(ReplicaSetBatcher::estimatedBytes).sum()).isLessThanOrEqualTo(2048);
            }
        }
        // And every statement is sent exactly once, each request naming the records it carries
        assertPlannedExactlyOnce(records, requests);
        // And far fewer requests than statements
        assertThat(requests.size()).isLessThan(statementCount(records) / 3);
    }

    @Test
    void shouldCapStatementsAndPartitionsPerBatch() {
        // Given the same kind of records, and room in bytes for all of them
        List<List<BoundStatement>> records = groupMessage("g-caps", 30, "hello");
        ReplicaSetBatcher batcher = new ReplicaSetBatcher(ONE_NODE, new ReplicaSetBatcher.Limits(1 << 20, 7, 3));

        // When they are planned
        List<ReplicaSetBatcher.Request> requests = batcher.plan(records);

        // Then no batch holds more than 7 statements or 3 partitions
        for (ReplicaSetBatcher.Request request : requests) {
            List<BoundStatement> members = members(request);
            assertThat(members).hasSizeLessThanOrEqualTo(7);
            assertThat(members.stream().map(Statement::getRoutingKey).distinct()).hasSizeLessThanOrEqualTo(3);
        }
        assertPlannedExactlyOnce(records, requests);
    }

    @Test
    void shouldNeverShareABatchAcrossReplicaSets() {
        // Given two replica sets, by the parity of a partition key's hash
        Function<BoundStatement, Optional<?>> twoSets = s -> Optional.of("set-" + (s.getRoutingKey().hashCode() & 1));
        List<List<BoundStatement>> records = groupMessage("g-sets", 20, "hi");
        ReplicaSetBatcher batcher = new ReplicaSetBatcher(twoSets, ReplicaSetBatcher.Limits.defaults());

        // When they are planned
        List<ReplicaSetBatcher.Request> requests = batcher.plan(records);

        // Then each batch's partitions are all in one set, and batches do span partitions
        boolean spansPartitions = false;
        for (ReplicaSetBatcher.Request request : requests) {
            List<BoundStatement> members = members(request);
            assertThat(members.stream().map(twoSets).distinct()).hasSize(1);
            spansPartitions |= members.stream().map(Statement::getRoutingKey).distinct().count() > 1;
        }
        assertThat(spansPartitions).isTrue();
        assertPlannedExactlyOnce(records, requests);
    }

    @Test
    void shouldBatchOnlyAPartitionsOwnStatementsWhenItsReplicasAreUnknown() {
        // Given a driver that does not know where partitions live
        List<List<BoundStatement>> records = groupMessage("g-unknown", 10, "hi");
        ReplicaSetBatcher batcher = new ReplicaSetBatcher(s -> Optional.empty(), ReplicaSetBatcher.Limits.defaults());

        // When they are planned
        List<ReplicaSetBatcher.Request> requests = batcher.plan(records);

        // Then every batch writes one partition
        for (ReplicaSetBatcher.Request request : requests) {
            assertThat(members(request).stream().map(Statement::getRoutingKey).distinct()).hasSize(1);
        }
        assertPlannedExactlyOnce(records, requests);
    }

    @Test
    void shouldSendAloneWhatCannotShareABatch() {
        // Given records with a lightweight transaction, a statement with its own client timestamp, and a
        // non-idempotent statement among ordinary ones
        BoundStatement lwt = TestStore.session().prepare("INSERT INTO " + keyspace
                + ".inbox_heads (user_id, last_inbox_seq) VALUES (?, ?) IF NOT EXISTS").bind("lwt-user", 1L);
        List<List<BoundStatement>> records = new ArrayList<>(groupMessage("g-alone", 3, "hi"));
        BoundStatement timestamped = records.get(1).get(0).setQueryTimestamp(42L);
        BoundStatement notIdempotent = records.get(2).get(0).setIdempotent(false);
        records.set(1, replaceFirst(records.get(1), timestamped));
        records.set(2, replaceFirst(records.get(2), notIdempotent));
        records.add(List.of(lwt));
        ReplicaSetBatcher batcher = new ReplicaSetBatcher(ONE_NODE, ReplicaSetBatcher.Limits.defaults());

        // When they are planned
        List<ReplicaSetBatcher.Request> requests = batcher.plan(records);

        // Then those three go as requests of their own, and the others in batches
        assertThat(requests).filteredOn(r -> r.statement() == lwt).singleElement()
                .satisfies(r -> assertThat(r.records()).containsExactly(records.size() - 1));
        assertThat(requests).filteredOn(r -> r.statement() == timestamped).hasSize(1);
        assertThat(requests).filteredOn(r -> r.statement() == notIdempotent).hasSize(1);
        assertThat(requests).filteredOn(r -> r.statement() instanceof BatchStatement).isNotEmpty()
                .allSatisfy(r -> {
                    BatchStatement batch = (BatchStatement) r.statement();
                    assertThat(batch.getBatchType()).isEqualTo(BatchType.UNLOGGED);
                    assertThat(batch.isIdempotent()).isTrue();
                    batch.forEach(child -> assertThat(child.getConsistencyLevel()).isNull());
                });
        assertPlannedExactlyOnce(records, requests);
    }

    @Test
    void shouldFindEveryPartitionOnTheOneNodeOfTheLocalServer() {
        // Given statements of different partitions, and the driver's metadata of the one-node local server
        List<List<BoundStatement>> records = groupMessage("g-nodes", 3, "hi");
        ReplicaSets replicaSets = new ReplicaSets(TestStore.session());

        // When their replicas are looked up
        List<Optional<?>> found = new ArrayList<>();
        records.forEach(r -> r.forEach(s -> found.add(replicaSets.apply(s))));

        // Then each is the same single node, so the default planner shares batches across them
        assertThat(found).allSatisfy(r -> assertThat(r).isPresent().get().isEqualTo(found.get(0).orElseThrow()));
        assertThat(found.get(0).map(r -> ((Set<?>) r).size())).contains(1);
        ReplicaSetBatcher batcher = new ReplicaSetBatcher(replicaSets, ReplicaSetBatcher.Limits.defaults());
        assertThat(batcher.plan(records).size()).isLessThan(statementCount(records) / 2);
    }

    /** The log event of a message in a group of {@code members}, then one inbox entry per member. */
    private static List<List<BoundStatement>> groupMessage(String conversation, int members, String body) {
        ConversationEvent event = posted(conversation, 2, "m0", body);
        List<List<BoundStatement>> records = new ArrayList<>();
        records.add(writer.statementsFor(event, EVENTS.bytes(event)));
        for (int m = 0; m < members; m++) {
            InboxEntry entry = delivered(conversation + "-m" + m, 1, event);
            records.add(writer.statementsFor(entry, EVENTS.bytes(entry)));
        }
        return records;
    }

    private static List<BoundStatement> replaceFirst(List<BoundStatement> record, BoundStatement first) {
        List<BoundStatement> out = new ArrayList<>(record);
        out.set(0, first);
        return out;
    }

    private static List<BoundStatement> members(ReplicaSetBatcher.Request request) {
        List<BoundStatement> out = new ArrayList<>();
        if (request.statement() instanceof BatchStatement batch) {
            batch.forEach(s -> out.add((BoundStatement) s));
        } else {
            out.add((BoundStatement) request.statement());
        }
        return out;
    }

    private static int statementCount(List<List<BoundStatement>> records) {
        return records.stream().mapToInt(List::size).sum();
    }

    private static void assertPlannedExactlyOnce(List<List<BoundStatement>> records, List<ReplicaSetBatcher.Request> requests) {
        List<String> expected = new ArrayList<>();
        records.forEach(r -> r.forEach(s -> expected.add(BoundStatements.describe(s))));
        List<String> planned = new ArrayList<>();
        for (ReplicaSetBatcher.Request request : requests) {
            Set<Integer> carried = new TreeSet<>();
            for (BoundStatement member : members(request)) {
                String described = BoundStatements.describe(member);
                planned.add(described);
                for (int i = 0; i < records.size(); i++) {
                    if (records.get(i).stream().map(BoundStatements::describe).anyMatch(described::equals)) {
                        carried.add(i);
                    }
                }
            }
            assertThat(request.records()).containsExactlyElementsOf(carried);
        }
        assertThat(planned).containsExactlyInAnyOrderElementsOf(expected);
        assertThat(new HashSet<>(planned)).hasSize(expected.size());
    }
}
