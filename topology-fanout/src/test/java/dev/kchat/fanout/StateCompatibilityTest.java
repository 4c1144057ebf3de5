package dev.kchat.fanout;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kchat.fanout.state.AuthorStatus;
import dev.kchat.streams.StateSerde;
import java.nio.ByteBuffer;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.message.BinaryMessageEncoder;
import org.junit.jupiter.api.Test;

/** Changelogs written by an earlier version of the app restore into the current state records. */
class StateCompatibilityTest {

    @Test
    void shouldReadAnAuthorStatusWrittenBeforeItHadTheUnreportedFlag() throws Exception {
        // Given: a record as version 1 wrote it (no unreported field)
        Schema v1 = StateSerde.schemaResource(FanoutApp.class, "/dev/kchat/fanout/state/AuthorStatus-v1.avsc");
        GenericRecord old = new GenericData.Record(v1);
        old.put("latest_seq", 7L);
        old.put("delivered_count", 3);
        old.put("read_count", 1);
        ByteBuffer encoded = new BinaryMessageEncoder<GenericRecord>(GenericData.get(), v1).encode(old);
        byte[] bytes = new byte[encoded.remaining()];
        encoded.get(bytes);

        // When
        AuthorStatus read = FanoutApp.authorStatusSerde().deserializer().deserialize("fanout-receipt-authors-changelog", bytes);

        // Then: the counts survive and the flag takes its default
        assertThat(read).isEqualTo(AuthorStatus.newBuilder().setLatestSeq(7).setDeliveredCount(3).setReadCount(1)
                .setUnreported(false).build());
    }
}
