package dev.kchat.streams;

import dev.kchat.schemas.topic.Topic;
import org.apache.kafka.streams.processor.api.Record;

/**
 * Decodes a record's value inside the processor rather than at the source. A record with no value or
 * one that does not decode then fails its own processing, by throwing: the apps' processing exception
 * handler ({@link ErrorTopicHandler}) puts the raw record and the cause on the error topic in the task's
 * transaction, and processing goes on with the next record. (Under exactly-once, records returned by a
 * deserialization handler were not produced in our tests with Kafka Streams 4.3.)
 */
public final class RecordValues {

    private RecordValues() {
    }

    /**
     * The value of {@code record}, read from {@code topic}, decoded with the topic's serde.
     *
     * @throws IllegalArgumentException if the record has no value
     * @throws org.apache.kafka.common.errors.SerializationException if it does not decode
     */
    public static <V> V decode(Topic<?, V> topic, Record<?, byte[]> record) {
        if (record.value() == null) {
            throw new IllegalArgumentException(topic.name() + " record with key " + record.key() + " has no value");
        }
        return topic.valueSerde().deserializer().deserialize(topic.name(), record.value());
    }
}
