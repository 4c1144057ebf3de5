package dev.kchat.store.read;

import static dev.kchat.store.TestEvents.delivered;
import static dev.kchat.store.TestEvents.posted;
import static org.assertj.core.api.Assertions.assertThat;

import com.datastax.oss.driver.api.core.cql.BoundStatement;
import dev.kchat.events.chat.InboxEntry;
import dev.kchat.store.TestEvents;
import dev.kchat.store.TestStore;
import dev.kchat.store.write.ChatWriter;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.LongStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

class InboxSyncTest {

    private static final long ALICE_LAST = 1_205;
    private static final TestEvents EVENTS = new TestEvents();
    private static ChatRepository repository;

    @BeforeAll
    static void storeTwoInboxes() {
        String keyspace = TestStore.newKeyspace("sync");
        ChatWriter writer = new ChatWriter(TestStore.session(), keyspace);
        List<BoundStatement> statements = new ArrayList<>();
        for (long i = 1; i <= ALICE_LAST; i++) {
            InboxEntry entry = entry("alice", i);
            statements.addAll(writer.statementsFor(entry, EVENTS.bytes(entry)));
        }
        for (long i = 1; i <= 20; i++) {
            InboxEntry entry = entry("bob", i);
            statements.addAll(writer.statementsFor(entry, EVENTS.bytes(entry)));
        }
        TestStore.write(statements);
        repository = new ChatRepository(TestStore.session(), keyspace);
    }

    @Test
    void shouldReturnExactlyTheEntriesAfterTheSyncKeyAcrossBuckets() {
        // Given a device that last saw inbox seq 990
        long syncKey = 990;
        List<Long> received = new ArrayList<>();
        SyncPage page;

        // When it syncs in pages of 100 (crossing the bucket boundary at 1000)
        do {
            page = repository.sync("alice", syncKey, 100);
            page.entries().forEach(e -> received.add(e.inboxSeq()));
            if (!page.entries().isEmpty()) {
                syncKey = page.entries().get(page.entries().size() - 1).inboxSeq();
            }
        } while (page.hasMore());

        // Then it received exactly 991..1205, each once, in order, and nothing of bob's
        assertThat(received).containsExactlyElementsOf(LongStream.rangeClosed(991, ALICE_LAST).boxed().toList());
        assertThat(page.latestInboxSeq()).isEqualTo(ALICE_LAST);
    }

    @Test
    void shouldStartRightAfterTheSyncKey() {
        // When a device that saw 997 asks for 10
        SyncPage page = repository.sync("alice", 997, 10);

        // Then it gets 998..1007 and is told more are waiting
        assertThat(page.entries()).extracting(StoredInboxEntry::inboxSeq)
                .containsExactlyElementsOf(LongStream.rangeClosed(998, 1_007).boxed().toList());
        assertThat(page.hasMore()).isTrue();
    }

    @Test
    void shouldReplayEachEntryExactlyAsItWasDelivered() {
        // When a device syncs one entry
        StoredInboxEntry stored = repository.sync("alice", 41, 1).entries().get(0);

        // Then its bytes are the record's bytes on chat.inbox, and decode to the same entry
        byte[] bytes = new byte[stored.entry().remaining()];
        stored.entry().duplicate().get(bytes);
        assertThat(stored.entry()).isEqualTo(ByteBuffer.wrap(EVENTS.bytes(entry("alice", 42))));
        assertThat(EVENTS.decodeInbox(bytes)).isEqualTo(entry("alice", 42));
        assertThat(stored.itemType()).isEqualTo("ConversationEvent");
        assertThat(stored.convSeq()).isEqualTo(42L);
    }

    @Test
    void shouldGiveACaughtUpOrUnknownDeviceNothing() {
        // When devices that are up to date, or of a user with no inbox, sync
        SyncPage caughtUp = repository.sync("alice", ALICE_LAST, 50);
        SyncPage unknown = repository.sync("nobody", 0, 50);

        // Then they get nothing and no promise of more
        assertThat(caughtUp.entries()).isEmpty();
        assertThat(caughtUp.hasMore()).isFalse();
        assertThat(unknown.entries()).isEmpty();
        assertThat(unknown.latestInboxSeq()).isZero();
    }

    @Test
    @Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD) // a guard against an endless bucket walk
    void shouldGiveASyncKeyBeyondTheHeadNothingUpToTheLargestLong() {
        for (long since : new long[] {Long.MAX_VALUE, Long.MAX_VALUE - 1, Long.MAX_VALUE / 2}) {
            SyncPage page = repository.sync("alice", since, 50);

            assertThat(page.entries()).as("since %d", since).isEmpty();
            assertThat(page.hasMore()).as("since %d", since).isFalse();
            assertThat(page.latestInboxSeq()).isEqualTo(ALICE_LAST);
        }
    }

    private static InboxEntry entry(String user, long inboxSeq) {
        return delivered(user, inboxSeq, posted("d-" + user, inboxSeq, "carol", "to " + user + " " + inboxSeq));
    }
}
