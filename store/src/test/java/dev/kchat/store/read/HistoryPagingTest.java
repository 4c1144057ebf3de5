package dev.kchat.store.read;

import static dev.kchat.store.TestEvents.created;
import static dev.kchat.store.TestEvents.joined;
import static dev.kchat.store.TestEvents.posted;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.datastax.oss.driver.api.core.cql.BoundStatement;
import dev.kchat.events.chat.ConversationEvent;
import dev.kchat.events.common.ConversationKind;
import dev.kchat.store.TestEvents;
import dev.kchat.store.TestStore;
import dev.kchat.store.read.HistoryReader.Direction;
import dev.kchat.store.read.HistoryReader.Order;
import dev.kchat.store.write.ChatWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.LongStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

class HistoryPagingTest {

    /** Three buckets (0..999, 1000..1999, 2000..2345) and membership events among the messages. */
    private static final long LAST_SEQ = 2_345;
    private static final String CONVERSATION = "g-history";
    private static final String OTHER = "g-other";
    /** Seqs 2..3, then none the store has until 100,003: 100 empty buckets, as after losing rows. */
    private static final String HOLEY = "g-holey";

    private static ChatRepository repository;

    @BeforeAll
    static void storeAConversationSpanningThreeBuckets() {
        String keyspace = TestStore.newKeyspace("history");
        TestEvents events = new TestEvents();
        ChatWriter writer = new ChatWriter(TestStore.session(), keyspace);
        List<BoundStatement> statements = new ArrayList<>();
        for (long seq = 1; seq <= LAST_SEQ; seq++) {
            ConversationEvent event = seq == 1 ? created(CONVERSATION, ConversationKind.GROUP, "alice", "bob")
                    : seq == 1_000 || seq == 1_500 ? joined(CONVERSATION, seq, "alice", "user" + seq)
                    : posted(CONVERSATION, seq, seq % 2 == 0 ? "alice" : "bob", "message " + seq);
            statements.addAll(writer.statementsFor(event, events.bytes(event)));
        }
        for (long seq = 2; seq <= 30; seq++) {
            ConversationEvent event = posted(OTHER, seq, "carol", "other " + seq);
            statements.addAll(writer.statementsFor(event, events.bytes(event)));
        }
        for (long seq : new long[] {2, 3, 100_003}) {
            ConversationEvent event = posted(HOLEY, seq, "carol", "holey " + seq);
            statements.addAll(writer.statementsFor(event, events.bytes(event)));
        }
        TestStore.write(statements);
        repository = new ChatRepository(TestStore.session(), keyspace);
    }

    @Test
    void shouldPageBackwardsFromTheNewestAcrossBucketsWithNoGapAndNoRepeat() {
        // Given the newest page of 50
        HistoryPage page = repository.latest(CONVERSATION, 50, Order.NEWEST_FIRST);
        List<Long> seen = new ArrayList<>(seqs(page));
        int pages = 1;

        // When the client scrolls up, each time before the oldest seq it has
        while (page.hasMore()) {
            page = repository.history(CONVERSATION, Direction.BEFORE, seen.get(seen.size() - 1), 50, Order.NEWEST_FIRST);
            assertThat(page.events()).hasSizeBetween(1, 50);
            seen.addAll(seqs(page));
            pages++;
        }

        // Then it has seen every seq exactly once, newest first, membership events included
        assertThat(seen).containsExactlyElementsOf(LongStream.rangeClosed(1, LAST_SEQ).map(s -> LAST_SEQ + 1 - s).boxed().toList());
        assertThat(pages).isEqualTo((int) Math.ceil(LAST_SEQ / 50.0));
        assertThat(repository.event(CONVERSATION, 1_000)).get().extracting(StoredEvent::eventType).isEqualTo("MemberJoined");
    }

    @Test
    void shouldPageForwardFromTheStartAcrossBucketsWithNoGapAndNoRepeat() {
        // Given a device that has nothing
        List<Long> seen = new ArrayList<>();
        long after = 0;
        boolean more = true;

        // When it reads forward 70 at a time (pages straddle the bucket boundaries at 1000 and 2000)
        while (more) {
            HistoryPage page = repository.history(CONVERSATION, Direction.AFTER, after, 70, Order.OLDEST_FIRST);
            seen.addAll(seqs(page));
            more = page.hasMore();
            after = seen.get(seen.size() - 1);
        }

        // Then it has every seq exactly once, oldest first, and none of the other conversation's
        assertThat(seen).containsExactlyElementsOf(LongStream.rangeClosed(1, LAST_SEQ).boxed().toList());
    }

    @Test
    void shouldReturnTheEventsNextToABucketBoundaryInTheOrderAsked() {
        // When pages are asked around the boundary between bucket 0 (..999) and bucket 1 (1000..)
        HistoryPage beforeOldestFirst = repository.history(CONVERSATION, Direction.BEFORE, 1_003, 5, Order.OLDEST_FIRST);
        HistoryPage afterNewestFirst = repository.history(CONVERSATION, Direction.AFTER, 997, 5, Order.NEWEST_FIRST);
        HistoryPage lastFew = repository.history(CONVERSATION, Direction.AFTER, LAST_SEQ - 3, 50, Order.OLDEST_FIRST);

        // Then each holds the nearest events, in the order asked for, and says whether more exist
        assertThat(seqs(beforeOldestFirst)).containsExactly(998L, 999L, 1_000L, 1_001L, 1_002L);
        assertThat(beforeOldestFirst.hasMore()).isTrue();
        assertThat(seqs(afterNewestFirst)).containsExactly(1_002L, 1_001L, 1_000L, 999L, 998L);
        assertThat(seqs(lastFew)).containsExactly(LAST_SEQ - 2, LAST_SEQ - 1, LAST_SEQ);
        assertThat(lastFew.hasMore()).isFalse();
        assertThat(repository.history(CONVERSATION, Direction.BEFORE, 1, 50, Order.NEWEST_FIRST).events()).isEmpty();
        // A seq far beyond the head reads the newest page, without walking millions of empty buckets
        assertThat(seqs(repository.history(CONVERSATION, Direction.BEFORE, Long.MAX_VALUE / 2, 3, Order.NEWEST_FIRST)))
                .containsExactly(LAST_SEQ, LAST_SEQ - 1, LAST_SEQ - 2);
    }

    @Test
    @Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD) // a guard: the read used to loop forever
    void shouldAnswerAnEmptyPageAfterTheLargestSeqsInsteadOfWalkingBuckets() {
        // When a client asks for events after seqs no conversation reaches, up to the largest long
        // (seq + 1 overflowed to a negative bucket, and the walk up to the head's bucket never ended)
        for (long after : new long[] {Long.MAX_VALUE, Long.MAX_VALUE - 1, Long.MAX_VALUE - 1_000, Long.MAX_VALUE / 2}) {
            HistoryPage page = repository.history(CONVERSATION, Direction.AFTER, after, 50, Order.OLDEST_FIRST);

            // Then the page is empty and promises nothing more
            assertThat(page.events()).as("after %d", after).isEmpty();
            assertThat(page.hasMore()).as("after %d", after).isFalse();
        }
        // And before the largest seq is the newest page, as "before infinity" is
        assertThat(seqs(repository.history(CONVERSATION, Direction.BEFORE, Long.MAX_VALUE, 2, Order.NEWEST_FIRST)))
                .containsExactly(LAST_SEQ, LAST_SEQ - 1);
    }

    @Test
    void shouldBoundTheBucketsOnePageReadsAcrossRowsTheStoreLacks() {
        // When pages are asked across 100 buckets that hold no rows
        HistoryPage after = repository.history(HOLEY, Direction.AFTER, 3, 50, Order.OLDEST_FIRST);
        HistoryPage before = repository.history(HOLEY, Direction.BEFORE, 100_003, 50, Order.NEWEST_FIRST);

        // Then each read stops at the bound, empty, and says that more may lie beyond
        assertThat(after.events()).isEmpty();
        assertThat(after.hasMore()).isTrue();
        assertThat(before.events()).isEmpty();
        assertThat(before.hasMore()).isTrue();
        // while the rows next to the asked seq are found as before
        assertThat(seqs(repository.history(HOLEY, Direction.AFTER, 100_000, 50, Order.OLDEST_FIRST))).containsExactly(100_003L);
        assertThat(seqs(repository.history(HOLEY, Direction.BEFORE, 4, 50, Order.OLDEST_FIRST))).containsExactly(2L, 3L);
    }

    @Test
    void shouldCapTheLimitAndRejectANonPositiveOne() {
        // When a client asks for far more than a page
        HistoryPage page = repository.history(CONVERSATION, Direction.AFTER, 0, 10_000, Order.OLDEST_FIRST);

        // Then it gets the maximum page, and is told more exist
        assertThat(page.events()).hasSize(ReadLimits.MAX_PAGE_SIZE);
        assertThat(page.hasMore()).isTrue();
        assertThatThrownBy(() -> repository.history(CONVERSATION, Direction.AFTER, 0, 0, Order.OLDEST_FIRST))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void shouldStoreEveryColumnOfAPostedMessage() {
        // When one message is read back
        StoredEvent message = repository.event(CONVERSATION, 42).orElseThrow();

        // Then it carries its ids, sender, time, body, status and the original event bytes
        assertThat(message.eventType()).isEqualTo("MessagePosted");
        assertThat(message.messageId()).isEqualTo("m-" + CONVERSATION + "-42");
        assertThat(message.actorId()).isEqualTo("alice");
        assertThat(message.occurredAt()).isEqualTo(TestEvents.at(42));
        assertThat(message.body()).isEqualTo("message 42");
        assertThat(message.status()).isEqualTo("POSTED");
        assertThat(message.event()).isEqualTo(java.nio.ByteBuffer.wrap(new TestEvents().bytes(posted(CONVERSATION, 42, "alice", "message 42"))));
    }

    private static List<Long> seqs(HistoryPage page) {
        return page.events().stream().map(StoredEvent::seq).toList();
    }
}
