package dev.kchat.deploy;

import static org.awaitility.Awaitility.await;

import dev.kchat.routing.ReceiptStores;
import dev.kchat.routing.state.AuthorStatus;
import dev.kchat.routing.state.ReceiptPosition;
import dev.kchat.schemas.topic.Topics;
import dev.kchat.streams.StateSerde;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.message.BinaryMessageEncoder;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;

/**
 * Routing's receipt stores as routing restores them: a Kafka Streams app under routing's
 * application id whose only processor owns the {@link ReceiptStores} routing uses (same names, same
 * serdes, reading fanout's namespace too), restored from the changelogs on start and read through
 * interactive queries. And the bytes fanout wrote, for seeding its changelogs.
 */
final class RestoredReceiptStores implements AutoCloseable {

    static final ReceiptStores ROUTING = new ReceiptStores("routing-receipt-positions", "routing-receipt-window",
            "routing-receipt-authors", "routing-receipt-unreported");
    private static final String FANOUT_NAMESPACE = "/dev/kchat/routing/state/fanout-namespace/";

    private final KafkaStreams streams;

    private RestoredReceiptStores(KafkaStreams streams) {
        this.streams = streams;
    }

    /** Starts the app on chat.commands (routing's tasks) and waits until it runs, its stores restored. */
    static RestoredReceiptStores start(String bootstrapServers, String applicationId, Path stateDir) {
        StreamsBuilder builder = new StreamsBuilder();
        ROUTING.addTo(builder);
        builder.stream(Topics.COMMANDS, Consumed.with(Serdes.ByteArray(), Serdes.ByteArray()))
                .process(StoreOwner::new, ROUTING.names());
        Properties p = new Properties();
        p.put(StreamsConfig.APPLICATION_ID_CONFIG, applicationId);
        p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        p.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        KafkaStreams streams = new KafkaStreams(builder.build(), p);
        streams.start();
        await().atMost(Duration.ofSeconds(60)).until(() -> streams.state() == KafkaStreams.State.RUNNING);
        return new RestoredReceiptStores(streams);
    }

    ReceiptPosition position(String key) {
        return this.<ReceiptPosition>store(ROUTING.positions()).get(key);
    }

    AuthorStatus author(String key) {
        return this.<AuthorStatus>store(ROUTING.authors()).get(key);
    }

    String windowAuthor(String key) {
        return this.<String>store(ROUTING.window()).get(key);
    }

    private <V> ReadOnlyKeyValueStore<String, V> store(String name) {
        return streams.store(StoreQueryParameters.fromNameAndType(name, QueryableStoreTypes.<String, V>keyValueStore()));
    }

    /**
     * A record of the fanout-namespace schema {@code file} (e.g. {@code ReceiptPosition-v1.avsc}),
     * single-object encoded as fanout's changelogs hold it.
     */
    static byte[] asFanoutWroteIt(String file, Map<String, Object> fields) throws Exception {
        Schema writer = StateSerde.schemaResource(ReceiptStores.class, FANOUT_NAMESPACE + file);
        GenericRecord record = new GenericData.Record(writer);
        fields.forEach(record::put);
        ByteBuffer encoded = new BinaryMessageEncoder<GenericRecord>(GenericData.get(), writer).encode(record);
        byte[] bytes = new byte[encoded.remaining()];
        encoded.get(bytes);
        return bytes;
    }

    @Override
    public void close() {
        streams.close(Duration.ofSeconds(30));
    }

    /** Owns the stores, so that the commands' tasks restore them; processes nothing of interest. */
    private static final class StoreOwner implements Processor<byte[], byte[], Void, Void> {

        @Override
        public void process(Record<byte[], byte[]> record) {
        }
    }
}
