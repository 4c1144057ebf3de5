package dev.kchat.edge.sync;

import static dev.kchat.schemas.Samples.BOB;
import static dev.kchat.schemas.Samples.CONVERSATION;
import static org.assertj.core.api.Assertions.assertThat;

import dev.kchat.events.chat.InboxEntry;
import dev.kchat.events.chat.ReadPositionChanged;
import dev.kchat.schemas.Samples;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.LongStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The replay/live seam of one device, without a socket: live entries and store pages interleaved
 * in the orders the edge's threads can produce them. Bob is the device's user; Alice's messages to
 * him are what acks report as Delivered.
 */
class InboxCursorTest {

    private final RecordingOutput out = new RecordingOutput();
    private final InboxCursor cursor = new InboxCursor(BOB, out);

    @BeforeEach
    void roomForEverything() {
        out.room = Integer.MAX_VALUE;
    }

    @Test
    void shouldReplayFromTheSyncKeyThenGoLive() {
        // Given a device that has 2, and a store with 1..4
        cursor.start(2);
        assertThat(out.replaysNeeded).isEqualTo(1);

        // When the replay applies the store's page
        InboxCursor.Step step = cursor.applyReplay(entries(3, 4), false, 4);

        // Then it writes 3 and 4, then ready at 4, and live entries follow directly
        assertThat(step).isEqualTo(InboxCursor.Step.DONE);
        assertThat(out.written).containsExactly(3L, 4L);
        assertThat(out.readyAt).containsExactly(4L);
        cursor.onLive(entry(5));
        assertThat(out.written).containsExactly(3L, 4L, 5L);
        assertThat(cursor.state()).isEqualTo(InboxCursor.State.LIVE);
    }

    @Test
    void shouldWriteEveryEntryOnceInOrderWhenLiveEntriesRaceTheReplay() {
        // Given a device at 0 whose replay has not read the store yet
        cursor.start(0);

        // When live entries 3..5 arrive first, then the store's page has 1..4 (the sink lags 5)
        cursor.onLive(entry(3));
        cursor.onLive(entry(4));
        cursor.onLive(entry(5));
        InboxCursor.Step step = cursor.applyReplay(entries(1, 4), false, 4);

        // Then 1..5 are written once each, in order, and the device is live
        assertThat(step).isEqualTo(InboxCursor.Step.DONE);
        assertThat(out.written).containsExactly(1L, 2L, 3L, 4L, 5L);
        assertThat(out.readyAt).containsExactly(5L);
    }

    @Test
    void shouldKeepLiveEntriesSeenBeforeHelloOnlyAboveTheSyncKey() {
        // Given entries the edge handed over before hello (its recent ones)
        cursor.onLive(entry(1));
        cursor.onLive(entry(2));
        cursor.onLive(entry(3));

        // When the device says it has 2, and the store has nothing yet
        cursor.start(2);
        InboxCursor.Step step = cursor.applyReplay(List.of(), false, 0);

        // Then only 3 is written
        assertThat(step).isEqualTo(InboxCursor.Step.DONE);
        assertThat(out.written).containsExactly(3L);
    }

    @Test
    void shouldSwitchBackToReplayOnALiveGapAndWaitForTheStoreUntilItFillsIt() {
        // Given a live device at 2
        cursor.start(0);
        cursor.applyReplay(entries(1, 2), false, 2);
        assertThat(out.replaysNeeded).isEqualTo(1);

        // When live entry 5 arrives (3 and 4 were consumed before) and the store has only 3
        cursor.onLive(entry(5));

        // Then the cursor asks for a replay and waits for the store while 4 is missing
        assertThat(cursor.state()).isEqualTo(InboxCursor.State.CATCHING_UP);
        assertThat(out.replaysNeeded).isEqualTo(2);
        assertThat(cursor.applyReplay(entries(3, 3), false, 3)).isEqualTo(InboxCursor.Step.WAITING_FOR_STORE);
        assertThat(out.written).containsExactly(1L, 2L, 3L);

        // When the store has 4 too
        InboxCursor.Step step = cursor.applyReplay(entries(4, 4), false, 4);

        // Then 4 and the pending 5 follow, and ready is sent again
        assertThat(step).isEqualTo(InboxCursor.Step.DONE);
        assertThat(out.written).containsExactly(1L, 2L, 3L, 4L, 5L);
        assertThat(out.readyAt).containsExactly(2L, 5L);
    }

    @Test
    void shouldIgnoreRepeatedAndStaleEntriesAndReappliedPages() {
        cursor.start(0);
        cursor.applyReplay(entries(1, 3), false, 3);

        cursor.onLive(entry(2));
        cursor.onLive(entry(3));
        cursor.onLive(entry(4));
        cursor.onLive(entry(4));

        assertThat(out.written).containsExactly(1L, 2L, 3L, 4L);
        assertThat(cursor.applyReplay(entries(1, 4), false, 4)).isEqualTo(InboxCursor.Step.DONE);
        assertThat(out.written).containsExactly(1L, 2L, 3L, 4L);
    }

    @Test
    void shouldPauseTheReplayWhileTheOutputHasNoRoomAndResumeWhereItStopped() {
        // Given an output with room for two replayed entries
        cursor.start(0);
        out.room = 2;

        // When the page has 1..4, Then it writes 1 and 2 and pauses
        assertThat(cursor.applyReplay(entries(1, 4), false, 4)).isEqualTo(InboxCursor.Step.PAUSED);
        assertThat(out.written).containsExactly(1L, 2L);

        // When the client read them, Then the same page again writes the rest
        out.room = Integer.MAX_VALUE;
        assertThat(cursor.applyReplay(entries(1, 4), false, 4)).isEqualTo(InboxCursor.Step.DONE);
        assertThat(out.written).containsExactly(1L, 2L, 3L, 4L);
    }

    @Test
    void shouldAskForTheNextPageWhileTheStoreHasMore() {
        cursor.start(0);

        assertThat(cursor.applyReplay(entries(1, 2), true, 3)).isEqualTo(InboxCursor.Step.NEXT_PAGE);
        assertThat(out.readyAt).isEmpty();
        assertThat(cursor.applyReplay(entries(3, 3), false, 3)).isEqualTo(InboxCursor.Step.DONE);
        assertThat(out.written).containsExactly(1L, 2L, 3L);
    }

    @Test
    void shouldReportDeliveredOncePerConversationForTheNewestMessageOfOthersAnAckCovers() {
        // Given 1..3 messages from Alice and 4 a read position of Bob's own
        cursor.start(0);
        List<InboxEntry> page = new ArrayList<>(entries(1, 3));
        page.add(InboxEntry.newBuilder().setUserId(BOB).setInboxSeq(4).setCreatedAt(Samples.T1)
                .setItem(ReadPositionChanged.newBuilder().setConversationId(CONVERSATION).setReadSeq(3).setUnread(0).build())
                .build());
        cursor.applyReplay(page, false, 4);

        // When the device acks 2, then 4, then 4 again, then 9 (never written)
        List<Delivery> first = cursor.ack(2);
        List<Delivery> second = cursor.ack(4);
        List<Delivery> repeated = cursor.ack(4);
        List<Delivery> ahead = cursor.ack(9);

        // Then the first covers message seq 2, the second seq 3, and the others nothing
        assertThat(first).containsExactly(new Delivery(CONVERSATION, 2, 2));
        assertThat(second).containsExactly(new Delivery(CONVERSATION, 3, 3));
        assertThat(repeated).isEmpty();
        assertThat(ahead).isEmpty();
        assertThat(cursor.acked()).isEqualTo(4);
    }

    @Test
    void shouldNotGoLiveWithASyncKeyAboveEverySeqKnownAnywhere() {
        // Given a device claiming 1,000 while the store's head is 5 and no live entry is above that
        cursor.onLive(entry(4));
        cursor.start(1_000);

        // When the replay finds nothing after it
        InboxCursor.Step step = cursor.applyReplay(List.of(), false, 5);

        // Then the cursor says the SyncKey is ahead, knows 5 as the newest seq, and is not live
        assertThat(step).isEqualTo(InboxCursor.Step.AHEAD_OF_INBOX);
        assertThat(cursor.newestKnown()).isEqualTo(5);
        assertThat(cursor.state()).isEqualTo(InboxCursor.State.CATCHING_UP);
        assertThat(out.readyAt).isEmpty();
        assertThat(out.written).isEmpty();
    }

    @Test
    void shouldAcceptASyncKeyAheadOfTheStoreOnceTheSeqIsSeenLiveOrStored() {
        // Given a device that saw 7 live on another edge, and a store that has reached 5 only
        cursor.start(7);
        assertThat(cursor.applyReplay(List.of(), false, 5)).isEqualTo(InboxCursor.Step.AHEAD_OF_INBOX);

        // When this edge consumes 7 (again) and 8
        cursor.onLive(entry(7));
        cursor.onLive(entry(8));

        // Then the next replay step writes 8 and goes live at 8
        assertThat(cursor.applyReplay(List.of(), false, 5)).isEqualTo(InboxCursor.Step.DONE);
        assertThat(out.written).containsExactly(8L);
        assertThat(out.readyAt).containsExactly(8L);

        // And a device at 7 with a store that reached 7 goes live at once
        InboxCursor other = new InboxCursor(BOB, new RecordingOutput());
        other.start(7);
        assertThat(other.applyReplay(List.of(), false, 7)).isEqualTo(InboxCursor.Step.DONE);
    }

    @Test
    void shouldWriteNothingAfterClose() {
        cursor.start(0);
        cursor.onLive(entry(1));

        assertThat(cursor.close()).isTrue();
        assertThat(cursor.close()).isFalse();
        assertThat(cursor.applyReplay(entries(1, 2), false, 2)).isEqualTo(InboxCursor.Step.DONE);
        cursor.onLive(entry(2));

        assertThat(out.written).isEmpty();
        assertThat(out.readyAt).isEmpty();
        assertThat(cursor.start(0)).isFalse();
    }

    // ------------------------------------------------------------------ helpers

    private static InboxEntry entry(long inboxSeq) {
        return InboxEntry.newBuilder().setUserId(BOB).setInboxSeq(inboxSeq).setConversationId(CONVERSATION)
                .setConvSeq(inboxSeq).setCreatedAt(Samples.T1).setItem(Samples.messagePosted(inboxSeq, "m" + inboxSeq)).build();
    }

    private static List<InboxEntry> entries(long from, long to) {
        return LongStream.rangeClosed(from, to).mapToObj(InboxCursorTest::entry).toList();
    }

    /** Records what the cursor writes; {@code room} replayed entries may be written before it pauses. */
    private static final class RecordingOutput implements InboxCursor.Output {
        final List<Long> written = new ArrayList<>();
        final List<Long> readyAt = new ArrayList<>();
        int replaysNeeded;
        int room;

        @Override
        public boolean hasRoomForReplay() {
            return room > 0;
        }

        @Override
        public void write(InboxEntry entry) {
            assertThat(entry.getInboxSeq()).as("written in order").isEqualTo(written.isEmpty()
                    ? entry.getInboxSeq() : written.get(written.size() - 1) + 1);
            written.add(entry.getInboxSeq());
            room--;
        }

        @Override
        public void ready(long inboxSeq) {
            readyAt.add(inboxSeq);
        }

        @Override
        public void replayNeeded() {
            replaysNeeded++;
        }
    }
}
