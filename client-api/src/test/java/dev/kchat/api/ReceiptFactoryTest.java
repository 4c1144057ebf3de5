package dev.kchat.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kchat.api.auth.JwtAuthenticator.Caller;
import dev.kchat.events.chat.Delivered;
import dev.kchat.events.chat.ReadUpTo;
import dev.kchat.events.chat.Receipt;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class ReceiptFactoryTest {

    private final Caller alice = new Caller("alice", "phone");
    private final Instant at = Instant.parse("2026-11-23T10:00:00Z");

    @Test
    void shouldReportAReadByTheCallersUserAndDevice() {
        Receipt receipt = ReceiptFactory.readUpTo(alice, "g_team", 42, at);

        assertThat(receipt.getConversationId()).isEqualTo("g_team");
        assertThat(receipt.getUserId()).isEqualTo("alice");
        assertThat(receipt.getDeviceId()).isEqualTo("phone");
        assertThat(receipt.getAt()).isEqualTo(at);
        assertThat(receipt.getReceipt()).isEqualTo(ReadUpTo.newBuilder().setSeq(42).build());
    }

    @Test
    void shouldReportADeliveryWithItsInboxSeqAndConversationSeq() {
        Receipt receipt = ReceiptFactory.delivered(alice, "g_team", 7, 42, at);

        assertThat(receipt.getUserId()).isEqualTo("alice");
        assertThat(receipt.getDeviceId()).isEqualTo("phone");
        assertThat(receipt.getReceipt()).isEqualTo(Delivered.newBuilder().setInboxSeq(7).setSeq(42).build());
    }
}
