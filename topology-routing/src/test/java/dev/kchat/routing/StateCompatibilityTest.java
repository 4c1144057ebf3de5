package dev.kchat.routing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kchat.routing.state.AuthorStatus;
import dev.kchat.routing.state.ReceiptPosition;
import dev.kchat.streams.StateSerde;
import java.nio.ByteBuffer;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.SchemaNormalization;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.message.BinaryMessageEncoder;
import org.junit.jupiter.api.Test;

/**
 * Changelogs written by earlier versions restore into the current state records: those of an older
 * schema version, and those written in namespace {@code dev.kchat.fanout.state} before the receipt
 * state moved to topology-routing (issue 12, step 3).
 */
class StateCompatibilityTest {

    private static final String FANOUT_NAMESPACE = "/dev/kchat/routing/state/fanout-namespace/";

    @Test
    void shouldReadAnAuthorStatusWrittenBeforeItHadTheUnreportedFlag() throws Exception {
        // Given: a record as version 1 wrote it (no unreported field, fanout's namespace)
        byte[] bytes = written("AuthorStatus-v1.avsc", Map.of("latest_seq", 7L, "delivered_count", 3, "read_count", 1));

        // When
        AuthorStatus read = ReceiptStores.authorStatusSerde().deserializer()
                .deserialize("kchat-fanout-fanout-receipt-authors-changelog", bytes);

        // Then: the counts survive and the flag takes its default
        assertThat(read).isEqualTo(AuthorStatus.newBuilder().setLatestSeq(7).setDeliveredCount(3).setReadCount(1)
                .setUnreported(false).build());
    }

    @Test
    void shouldReadAnAuthorStatusWrittenInTheFanoutNamespace() throws Exception {
        // Given: a record as fanout wrote it until the move (version 2, dev.kchat.fanout.state.AuthorStatus)
        byte[] bytes = written("AuthorStatus-v2.avsc",
                Map.of("latest_seq", 12L, "delivered_count", 4, "read_count", 2, "unreported", true));

        // When
        AuthorStatus read = ReceiptStores.authorStatusSerde().deserializer()
                .deserialize("kchat-fanout-fanout-receipt-authors-changelog", bytes);

        // Then: the routing class, every field kept
        assertThat(read).isEqualTo(AuthorStatus.newBuilder().setLatestSeq(12).setDeliveredCount(4).setReadCount(2)
                .setUnreported(true).build());
    }

    @Test
    void shouldReadAReceiptPositionWrittenInTheFanoutNamespace() throws Exception {
        // Given: a record as fanout wrote it until the move (dev.kchat.fanout.state.ReceiptPosition)
        byte[] bytes = written("ReceiptPosition-v1.avsc", Map.of("read_seq", 5L, "delivered_seq", 9L, "joined_seq", 3L));

        // When
        ReceiptPosition read = ReceiptStores.receiptPositionSerde().deserializer()
                .deserialize("kchat-fanout-fanout-receipt-positions-changelog", bytes);

        // Then
        assertThat(read).isEqualTo(ReceiptPosition.newBuilder().setReadSeq(5).setDeliveredSeq(9).setJoinedSeq(3).build());
    }

    @Test
    void shouldKeepTheFanoutNamespaceSchemasThatEarlierVersionsWrote() {
        // The fingerprints in the changelogs' records, computed from the generated classes of
        // dev.kchat.fanout.state before the move: the resources must stay byte-for-byte what was written.
        assertThat(SchemaNormalization.parsingFingerprint64(fanoutSchema("AuthorStatus-v1.avsc")))
                .isEqualTo(0xd8d38405314c2747L);
        assertThat(SchemaNormalization.parsingFingerprint64(fanoutSchema("AuthorStatus-v2.avsc")))
                .isEqualTo(0x288a9be9b5d8709dL);
        assertThat(SchemaNormalization.parsingFingerprint64(fanoutSchema("ReceiptPosition-v1.avsc")))
                .isEqualTo(0xb3b4177bc9dfa58cL);
    }

    @Test
    void shouldRoundTripTheCurrentRecords() {
        // Given
        AuthorStatus status = AuthorStatus.newBuilder().setLatestSeq(3).setDeliveredCount(1).setReadCount(0)
                .setUnreported(true).build();
        ReceiptPosition position = ReceiptPosition.newBuilder().setReadSeq(1).setDeliveredSeq(2).setJoinedSeq(1).build();

        // When
        StateSerde<AuthorStatus> authors = ReceiptStores.authorStatusSerde();
        StateSerde<ReceiptPosition> positions = ReceiptStores.receiptPositionSerde();

        // Then
        assertThat(authors.deserializer().deserialize("t", authors.serializer().serialize("t", status))).isEqualTo(status);
        assertThat(positions.deserializer().deserialize("t", positions.serializer().serialize("t", position))).isEqualTo(position);
    }

    private static Schema fanoutSchema(String file) {
        return StateSerde.schemaResource(StateCompatibilityTest.class, FANOUT_NAMESPACE + file);
    }

    /** A record of the fanout-namespace schema {@code file}, single-object encoded as a changelog holds it. */
    private static byte[] written(String file, Map<String, Object> fields) throws Exception {
        Schema writer = fanoutSchema(file);
        GenericRecord record = new GenericData.Record(writer);
        fields.forEach(record::put);
        ByteBuffer encoded = new BinaryMessageEncoder<GenericRecord>(GenericData.get(), writer).encode(record);
        byte[] bytes = new byte[encoded.remaining()];
        encoded.get(bytes);
        return bytes;
    }
}
