package dev.kchat.push.deliver;

import dev.kchat.schemas.topic.Topics;
import org.apache.kafka.common.serialization.Serializer;

/**
 * The value serializer of the delivery side's one transactional producer, which writes to three
 * topics: each record with its topic's own Avro serde.
 */
final class RecordSerializer implements Serializer<Object> {

    private final Topics topics;

    RecordSerializer(Topics topics) {
        this.topics = topics;
    }

    @Override
    @SuppressWarnings({"unchecked", "rawtypes"})
    public byte[] serialize(String topic, Object value) {
        Serializer serializer = topics.byName(topic).valueSerde().serializer();
        return serializer.serialize(topic, value);
    }
}
