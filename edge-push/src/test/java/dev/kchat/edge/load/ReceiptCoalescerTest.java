package dev.kchat.edge.load;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kchat.events.chat.Delivered;
import dev.kchat.events.chat.ReadUpTo;
import dev.kchat.events.chat.Receipt;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class ReceiptCoalescerTest {

    private final ReceiptCoalescer held = new ReceiptCoalescer();

    @Test
    void shouldKeepTheFurthestReceiptPerDeviceConversationAndKind() {
        // When: acks and reads arrive out of order, from two devices, in two conversations
        assertThat(held.hold(delivered("phone", "g1", 3), 0)).isFalse();
        assertThat(held.hold(delivered("phone", "g1", 5), 100)).isTrue();
        held.hold(delivered("phone", "g1", 4), 200);
        held.hold(delivered("laptop", "g1", 2), 300);
        held.hold(read("phone", "g1", 4), 400);
        held.hold(read("phone", "g1", 1), 500);
        held.hold(delivered("phone", "g2", 9), 600);

        // Then: one per (device, conversation, kind), the furthest
        assertThat(held.due(10_000, 0, true)).extracting(ReceiptCoalescerTest::describe).containsExactlyInAnyOrder(
                "phone g1 delivered 5", "laptop g1 delivered 2", "phone g1 read 4", "phone g2 delivered 9");
        assertThat(held.size()).isZero();
    }

    @Test
    void shouldHandBackOnlyWhatWaitedLongEnoughCountedFromTheFirstHold() {
        held.hold(delivered("phone", "g1", 3), 0);
        held.hold(delivered("phone", "g1", 7), 4_000);
        held.hold(delivered("phone", "g2", 1), 3_000);

        List<Receipt> due = held.due(5_000, 5_000, false);

        // g1 was first held at 0 (superseding does not restart its wait); g2 waits until 8,000
        assertThat(due).extracting(ReceiptCoalescerTest::describe).containsExactly("phone g1 delivered 7");
        assertThat(held.due(7_999, 5_000, false)).isEmpty();
        assertThat(held.due(8_000, 5_000, false)).extracting(ReceiptCoalescerTest::describe).containsExactly("phone g2 delivered 1");
    }

    private static Receipt delivered(String device, String conversation, long seq) {
        return receipt(device, conversation, Delivered.newBuilder().setInboxSeq(100 + seq).setSeq(seq).build());
    }

    private static Receipt read(String device, String conversation, long seq) {
        return receipt(device, conversation, ReadUpTo.newBuilder().setSeq(seq).build());
    }

    private static Receipt receipt(String device, String conversation, Object body) {
        return Receipt.newBuilder().setConversationId(conversation).setUserId("alice").setDeviceId(device)
                .setAt(Instant.EPOCH).setReceipt(body).build();
    }

    private static String describe(Receipt r) {
        return r.getDeviceId() + " " + r.getConversationId() + " " + (r.getReceipt() instanceof Delivered d
                ? "delivered " + d.getSeq() : "read " + ((ReadUpTo) r.getReceipt()).getSeq());
    }
}
