package dev.kchat.routing;

import dev.kchat.routing.state.AuthorStatus;
import dev.kchat.routing.state.ReceiptPosition;
import dev.kchat.streams.StateSerde;
import org.apache.avro.Schema;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.state.Stores;

/**
 * The names of the four receipt stores of one app, which {@link ReceiptLedger} and
 * {@link ReceiptProcessor} share. The names are the app's: they name changelog topics, which must
 * not change (routing's are {@code routing-receipt-*}; topology-fanout's were {@code fanout-receipt-*}
 * until issue 12's step 5).
 *
 * @param positions  conversation|user -> {@link ReceiptPosition}: read and delivered seqs of each member
 * @param window     conversation|19-digit seq -> author of that message, for the last {@code windowSize} seqs
 * @param authors    conversation|author -> {@link AuthorStatus}: the author's latest message and its counts
 * @param unreported conversation|author -> itself: the authors whose {@code AuthorStatus.unreported} is
 *                   set; in memory, without a changelog, rebuilt from {@code authors} when a task starts
 */
public record ReceiptStores(String positions, String window, String authors, String unreported) {

    /**
     * The state records were written in namespace {@code dev.kchat.fanout.state} before they moved to
     * topology-routing (issue 12, step 3). The fingerprint of the single-object encoding covers the
     * full name, so each schema changelogs may still hold is registered with the decoder; the
     * records' aliases let Avro resolve the old name to the new class.
     */
    private static final String FANOUT_NAMESPACE = "/dev/kchat/routing/state/fanout-namespace/";
    private static final Schema FANOUT_AUTHOR_STATUS_V1 = schema("AuthorStatus-v1.avsc");
    private static final Schema FANOUT_AUTHOR_STATUS_V2 = schema("AuthorStatus-v2.avsc");
    private static final Schema FANOUT_RECEIPT_POSITION_V1 = schema("ReceiptPosition-v1.avsc");

    /** The serde of {@link #authors}: reads the current version and both fanout-namespace versions. */
    public static StateSerde<AuthorStatus> authorStatusSerde() {
        return StateSerde.of(AuthorStatus.class, FANOUT_AUTHOR_STATUS_V1, FANOUT_AUTHOR_STATUS_V2);
    }

    /** The serde of {@link #positions}: reads the current version and the fanout-namespace one. */
    public static StateSerde<ReceiptPosition> receiptPositionSerde() {
        return StateSerde.of(ReceiptPosition.class, FANOUT_RECEIPT_POSITION_V1);
    }

    /** Adds the four stores to {@code builder} (persistent and changelogged but {@link #unreported}). */
    public void addTo(StreamsBuilder builder) {
        builder.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(positions),
                Serdes.String(), receiptPositionSerde()));
        builder.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(window),
                Serdes.String(), Serdes.String()));
        builder.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(authors),
                Serdes.String(), authorStatusSerde()));
        builder.addStateStore(Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore(unreported),
                Serdes.String(), Serdes.String()).withLoggingDisabled());
    }

    /** The four names, for the store names of a processor that uses them. */
    public String[] names() {
        return new String[] {positions, window, authors, unreported};
    }

    private static Schema schema(String file) {
        return StateSerde.schemaResource(ReceiptStores.class, FANOUT_NAMESPACE + file);
    }
}
