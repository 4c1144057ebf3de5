package dev.kchat.routing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kchat.events.chat.Delivered;
import dev.kchat.events.chat.DeliveryStatus;
import dev.kchat.events.chat.ReadUpTo;
import dev.kchat.events.common.ConversationKind;
import dev.kchat.routing.Receipts.Covered;
import dev.kchat.routing.Receipts.Position;
import dev.kchat.routing.Receipts.WindowEntry;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The receipt rules as plain functions. */
class ReceiptsTest {

    @Test
    void shouldMoveReadAndDeliveredForwardOnlyAndClampToTheLastSeq() {
        Position p = new Position(3, 5, 1);
        assertThat(Receipts.apply(p, read(2), 10)).isEqualTo(p);
        assertThat(Receipts.apply(p, read(3), 10)).isEqualTo(p);
        assertThat(Receipts.apply(p, read(4), 10)).isEqualTo(new Position(4, 5, 1));
        assertThat(Receipts.apply(p, read(7), 10)).as("reading delivers").isEqualTo(new Position(7, 7, 1));
        assertThat(Receipts.apply(p, read(99), 10)).isEqualTo(new Position(10, 10, 1));
        assertThat(Receipts.apply(p, delivered(4), 10)).isEqualTo(p);
        assertThat(Receipts.apply(p, delivered(8), 10)).isEqualTo(new Position(3, 8, 1));
        assertThat(Receipts.apply(p, delivered(99), 10)).isEqualTo(new Position(3, 10, 1));
    }

    @Test
    void shouldRejectNegativeSeqs() {
        assertThatThrownBy(() -> Receipts.apply(Position.INITIAL, read(-1), 10)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Receipts.apply(Position.INITIAL, delivered(-1), 10)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void shouldReadOnlyTheMovedRangesOfTheWindowNotEverythingSinceTheReadPosition() {
        // A muted group: read stays at 3 while deliveries move from 900 to 905: only (900, 905].
        assertThat(Receipts.movedRanges(new Position(3, 900, 1), new Position(3, 905, 1)))
                .containsExactly(new long[] {900, 905});
        // Reading up to 7 while delivered is at 900: only (3, 7].
        assertThat(Receipts.movedRanges(new Position(3, 900, 1), new Position(7, 900, 1)))
                .containsExactly(new long[] {3, 7});
        // Both moved, apart: two ranges in seq order.
        assertThat(Receipts.movedRanges(new Position(3, 900, 1), new Position(7, 905, 1)))
                .containsExactly(new long[] {3, 7}, new long[] {900, 905});
        // Both moved, touching or overlapping: one range.
        assertThat(Receipts.movedRanges(new Position(3, 5, 1), new Position(8, 9, 1)))
                .containsExactly(new long[] {3, 9});
        assertThat(Receipts.movedRanges(new Position(3, 5, 1), new Position(5, 6, 1)))
                .containsExactly(new long[] {3, 6});
        assertThat(Receipts.movedRanges(new Position(3, 5, 1), new Position(3, 5, 1))).isEmpty();
    }

    @Test
    void shouldCoverEachAuthorUpToTheirHighestMessageInTheMoveButNotTheReader() {
        List<WindowEntry> window = List.of(new WindowEntry(2, "alice"), new WindowEntry(3, "bob"), new WindowEntry(4, "alice"),
                new WindowEntry(5, "carol"), new WindowEntry(6, "alice"));
        // bob: read 1 -> 4, delivered 4 -> 6
        Map<String, Covered> covered = Receipts.covered(window.subList(0, 5), "bob", new Position(1, 4, 1), new Position(4, 6, 1));
        assertThat(covered).containsExactly(
                Map.entry("alice", new Covered(4, 6)),
                Map.entry("carol", new Covered(0, 5)));
    }

    @Test
    void shouldCountOnlyMessagesFromTheMembersJoinOn() {
        assertThat(Receipts.reached(5, 7, 3)).isTrue();
        assertThat(Receipts.reached(2, 7, 3)).as("before the join").isFalse();
        assertThat(Receipts.reached(8, 7, 3)).as("not reached").isFalse();
    }

    @Test
    void shouldReportPerRecipientInDirectChatsAndSmallGroupsOnly() {
        assertThat(Receipts.perRecipient(ConversationKind.DIRECT, 2, 1)).isTrue();
        assertThat(Receipts.perRecipient(ConversationKind.GROUP, 100, 100)).isTrue();
        assertThat(Receipts.perRecipient(ConversationKind.GROUP, 101, 100)).isFalse();
        assertThat(Receipts.perRecipient(ConversationKind.CHANNEL, 5_000, 100)).isFalse();
        assertThat(Receipts.countsStatus(0, 0)).isEqualTo(DeliveryStatus.SENT);
        assertThat(Receipts.countsStatus(3, 0)).isEqualTo(DeliveryStatus.DELIVERED);
        assertThat(Receipts.countsStatus(3, 1)).isEqualTo(DeliveryStatus.READ);
    }

    @Test
    void shouldSlideTheWindowByTheSeqsThatLeaveIt() {
        assertThat(Receipts.leavingWindow(0, 1, 3)).containsExactly(1, -2);
        assertThat(Receipts.leavingWindow(3, 4, 3)).containsExactly(1, 1);
        assertThat(Receipts.leavingWindow(10, 11, 3)).containsExactly(8, 8);
        assertThat(Receipts.leavingWindow(10, 15, 3)).as("a gap").containsExactly(8, 12);
        assertThat(Receipts.unread(8, 7)).isEqualTo(1);
    }

    private static ReadUpTo read(long seq) {
        return ReadUpTo.newBuilder().setSeq(seq).build();
    }

    private static Delivered delivered(long seq) {
        return Delivered.newBuilder().setInboxSeq(1).setSeq(seq).build();
    }
}
