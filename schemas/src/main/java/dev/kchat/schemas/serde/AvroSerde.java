package dev.kchat.schemas.serde;

import dev.kchat.schemas.registry.SchemaRegistryClient;
import dev.kchat.schemas.registry.SchemaRegistryException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.Schema;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DatumReader;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Serde for generated Avro classes in the Confluent wire format: magic byte {@code 0}, the schema
 * id as a 4-byte big-endian int, then the Avro binary encoding. Any Confluent-compatible consumer
 * reads what this writes, given the same registry.
 *
 * <p>Written by hand because Confluent's serializer jars are not on Maven Central. Subjects follow
 * the TopicNameStrategy ({@code <topic>-value}, {@code <topic>-key}), so Kafka Streams' internal
 * topics get their own subjects as with Confluent's serdes.
 *
 * <p>Reading resolves the writer's schema (fetched by id, cached) against this class's schema, so
 * data written with an older or newer compatible schema decodes into the current class.
 */
public final class AvroSerde<T extends SpecificRecord> implements Serde<T> {

    /** First byte of every record in the Confluent wire format. */
    public static final byte MAGIC_BYTE = 0;
    /** Magic byte plus 4-byte schema id. */
    public static final int HEADER_LENGTH = 5;

    private final SchemaRegistryClient registry;
    private final Class<T> type;
    private final Schema schema;
    private final SpecificData model;
    private final boolean autoRegister;
    private final boolean isKey;
    private final Map<String, Integer> idsBySubject = new ConcurrentHashMap<>();
    private final Map<Integer, DatumReader<T>> readersById = new ConcurrentHashMap<>();
    private final SpecificDatumWriter<T> writer;

    /**
     * @param autoRegister register the class's schema under the subject on first write (true for
     *                     the platform's own producers); if false, the schema must already be
     *                     registered and is only looked up
     */
    public AvroSerde(SchemaRegistryClient registry, Class<T> type, boolean isKey, boolean autoRegister) {
        this.registry = registry;
        this.type = type;
        this.model = SpecificData.getForClass(type);
        this.schema = model.getSchema(type);
        this.autoRegister = autoRegister;
        this.isKey = isKey;
        this.writer = new SpecificDatumWriter<>(schema, model);
    }

    /** A value serde that registers its schema on first write. */
    public static <T extends SpecificRecord> AvroSerde<T> forValues(SchemaRegistryClient registry, Class<T> type) {
        return new AvroSerde<>(registry, type, false, true);
    }

    public Schema schema() {
        return schema;
    }

    public Class<T> type() {
        return type;
    }

    /** Encodes a record for a topic, registering or looking up its schema id. */
    public byte[] serialize(String topic, T record) {
        if (record == null) {
            return null;
        }
        int id = idsBySubject.computeIfAbsent(subject(topic), this::schemaId);
        ByteArrayOutputStream out = new ByteArrayOutputStream(256);
        out.write(MAGIC_BYTE);
        out.write(id >>> 24);
        out.write(id >>> 16);
        out.write(id >>> 8);
        out.write(id);
        try {
            BinaryEncoder encoder = EncoderFactory.get().directBinaryEncoder(out, null);
            writer.write(record, encoder);
            encoder.flush();
        } catch (IOException | RuntimeException e) {
            throw new SerializationException("cannot encode " + type.getSimpleName() + " for topic " + topic + ": " + e, e);
        }
        return out.toByteArray();
    }

    /** Decodes a record in the Confluent wire format; fails with a precise message on anything else. */
    public T deserialize(String topic, byte[] data) {
        if (data == null) {
            return null;
        }
        if (data.length < HEADER_LENGTH) {
            throw new SerializationException("record on " + topic + " is " + data.length
                    + " bytes, shorter than the 5-byte Confluent wire-format header");
        }
        if (data[0] != MAGIC_BYTE) {
            throw new SerializationException("record on " + topic + " has unknown magic byte " + data[0]
                    + "; expected 0 (Confluent wire format)");
        }
        int id = ByteBuffer.wrap(data, 1, 4).getInt();
        DatumReader<T> reader;
        try {
            reader = readersById.computeIfAbsent(id, this::readerFor);
        } catch (SchemaRegistryException e) {
            throw new SerializationException("record on " + topic + " has schema id " + id
                    + " that the registry cannot provide: " + e.getMessage(), e);
        }
        try {
            BinaryDecoder decoder = DecoderFactory.get().binaryDecoder(data, HEADER_LENGTH, data.length - HEADER_LENGTH, null);
            return reader.read(null, decoder);
        } catch (IOException | RuntimeException e) {
            throw new SerializationException("cannot decode record on " + topic + " with schema id " + id
                    + " as " + type.getSimpleName() + ": " + e, e);
        }
    }

    private String subject(String topic) {
        return topic + (isKey ? "-key" : "-value");
    }

    private int schemaId(String subject) {
        return autoRegister ? registry.register(subject, schema) : registry.lookup(subject, schema);
    }

    private DatumReader<T> readerFor(int id) {
        Schema writerSchema = registry.schemaById(id);
        return new SpecificDatumReader<>(writerSchema, schema, model);
    }

    @Override
    public Serializer<T> serializer() {
        return this::serialize;
    }

    @Override
    public Deserializer<T> deserializer() {
        return this::deserialize;
    }
}
