package dev.kchat.streams;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import org.apache.avro.Schema;
import org.apache.avro.message.BinaryMessageDecoder;
import org.apache.avro.message.BinaryMessageEncoder;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Serde of the topology's own state records (e.g. {@code dev.kchat.routing.state}) in the Avro
 * single-object encoding: marker {@code C3 01}, the 8-byte CRC-64-AVRO fingerprint of the writer's
 * schema, then Avro binary.
 *
 * <p>Why not the registry-backed {@code AvroSerde}: state is private to this app, and the topology
 * is built from the config and the topic registry alone, without a schema registry client. The
 * fingerprint still makes every changelog record self-describing: when a state schema changes, the
 * previous schema is passed to {@link #of(Class, Schema...)} so changelogs written by the old
 * version restore into the new class.
 */
public final class StateSerde<T extends SpecificRecord> implements Serde<T> {

    private final Class<T> type;
    private final BinaryMessageEncoder<T> encoder;
    private final BinaryMessageDecoder<T> decoder;

    private StateSerde(Class<T> type, Schema... previousSchemas) {
        SpecificData model = SpecificData.getForClass(type);
        Schema schema = model.getSchema(type);
        this.type = type;
        this.encoder = new BinaryMessageEncoder<>(model, schema);
        this.decoder = new BinaryMessageDecoder<>(model, schema);
        for (Schema previous : previousSchemas) {
            decoder.addSchema(previous);
        }
    }

    /**
     * A serde for a generated state record class.
     *
     * @param previousSchemas earlier versions of the record's schema still present in changelogs
     */
    public static <T extends SpecificRecord> StateSerde<T> of(Class<T> type, Schema... previousSchemas) {
        return new StateSerde<>(type, previousSchemas);
    }

    /**
     * A schema from a classpath resource, for the {@code previousSchemas} of {@link #of}: an app keeps
     * each earlier version of a state record as an {@code .avsc} resource next to its generated classes.
     *
     * @throws IllegalStateException if the resource is missing or not a schema
     */
    public static Schema schemaResource(Class<?> owner, String resource) {
        InputStream in = owner.getResourceAsStream(resource);
        if (in == null) {
            throw new IllegalStateException("no schema resource " + resource);
        }
        try (in) {
            return new Schema.Parser().parse(in);
        } catch (IOException | RuntimeException e) {
            throw new IllegalStateException("cannot read schema resource " + resource + ": " + e.getMessage(), e);
        }
    }

    @Override
    public Serializer<T> serializer() {
        return (topic, value) -> {
            if (value == null) {
                return null;
            }
            try {
                ByteBuffer buffer = encoder.encode(value);
                byte[] bytes = new byte[buffer.remaining()];
                buffer.get(bytes);
                return bytes;
            } catch (IOException e) {
                throw new UncheckedIOException("cannot encode " + type.getSimpleName(), e);
            }
        };
    }

    @Override
    public Deserializer<T> deserializer() {
        return (topic, data) -> {
            if (data == null) {
                return null;
            }
            try {
                return decoder.decode(data);
            } catch (IOException | RuntimeException e) {
                throw new SerializationException("cannot decode " + type.getSimpleName() + " from " + topic + ": " + e, e);
            }
        };
    }
}
