package dev.kchat.bench;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class DeliveryLedgerTest {

    private static final long MS = 1_000_000;

    @Test
    void shouldCountLossesDuplicatesAndForeignDeliveriesAgainstWhatWasSent() {
        // Given two conversations: devices 0,1,2 and devices 2,3
        DeliveryLedger ledger = new DeliveryLedger("t1", 4, 10);
        int a = ledger.conversation(new int[] {0, 1, 2});
        int b = ledger.conversation(new int[] {2, 3});
        int m0 = ledger.newMessage(a, 0);
        int m1 = ledger.newMessage(b, 0);
        int m2 = ledger.newMessage(b, 0);
        ledger.sendFailed(m2);

        // When m0 reaches 0 and 1 (1 twice) but not 2, m1 reaches 2 and 3, and another run's message arrives
        assertThat(ledger.delivered(0, ledger.clientMsgId(m0), 5 * MS)).isTrue();
        assertThat(ledger.delivered(1, ledger.clientMsgId(m0), 7 * MS)).isTrue();
        assertThat(ledger.delivered(1, ledger.clientMsgId(m0), 8 * MS)).isFalse();
        ledger.delivered(2, ledger.clientMsgId(m1), 10 * MS);
        ledger.delivered(3, ledger.clientMsgId(m1), 20 * MS);
        assertThat(ledger.delivered(3, "other-1", 20 * MS)).isFalse();

        // Then one pair is lost, one duplicate, the failed send is expected nowhere
        DeliveryLedger.Reconciliation r = ledger.reconcile();
        assertThat(r.messagesSent()).isEqualTo(2);
        assertThat(r.sendFailures()).isEqualTo(1);
        assertThat(r.expected()).isEqualTo(5);
        assertThat(r.delivered()).isEqualTo(4);
        assertThat(r.lost()).isEqualTo(1);
        assertThat(r.messagesWithLoss()).isEqualTo(1);
        assertThat(r.duplicates()).isEqualTo(1);
        assertThat(r.foreign()).isEqualTo(1);
        assertThat(ledger.deliveredCount(m1)).isEqualTo(2);
        assertThat(ledger.timeToLastDelivery(m1)).isEqualTo(20 * MS);
        assertThat(ledger.timeToLastDelivery(m2)).isEqualTo(-1);
    }

    @Test
    void shouldSummariseLatencyFromTheIntendedSendTime() {
        // Given 100 messages intended at t=0 to one device, delivered after 1..100 ms
        DeliveryLedger ledger = new DeliveryLedger("t2", 1, 100);
        int c = ledger.conversation(new int[] {0});
        for (int i = 0; i < 100; i++) {
            int id = ledger.newMessage(c, 0);
            ledger.delivered(0, ledger.clientMsgId(id), (i + 1) * MS);
        }

        // Then the percentiles are those of 1..100 ms (HdrHistogram, 3 significant digits)
        LatencySummary s = ledger.reconcile().latency();
        assertThat(s.count()).isEqualTo(100);
        assertThat(s.p50Ms()).isBetween(49.9, 50.1);
        assertThat(s.p99Ms()).isBetween(98.9, 99.1);
        assertThat(s.maxMs()).isBetween(99.9, 100.1);
    }

    @Test
    void shouldRefuseMessagesBeyondCapacityAndIgnoreMalformedIds() {
        DeliveryLedger ledger = new DeliveryLedger("t3", 1, 1);
        int c = ledger.conversation(new int[] {0});
        assertThat(ledger.newMessage(c, 0)).isEqualTo(0);
        assertThat(ledger.newMessage(c, 0)).isEqualTo(-1);
        assertThat(ledger.idOf("t3-")).isEqualTo(-1);
        assertThat(ledger.idOf("t3-x")).isEqualTo(-1);
        assertThat(ledger.idOf("t3-99999999999")).isEqualTo(-1);
        assertThat(ledger.idOf("t3-0")).isEqualTo(0);
    }
}
