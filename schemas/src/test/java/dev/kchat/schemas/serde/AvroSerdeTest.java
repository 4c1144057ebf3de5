package dev.kchat.schemas.serde;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kchat.events.chat.ConversationEvent;
import dev.kchat.schemas.Samples;
import dev.kchat.schemas.registry.InMemorySchemaRegistry;
import dev.kchat.schemas.topic.Topic;
import dev.kchat.schemas.topic.Topics;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Map;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.Test;

class AvroSerdeTest {

    private final InMemorySchemaRegistry registry = new InMemorySchemaRegistry();
    private final Topics topics = Topics.create(registry);

    @Test
    @SuppressWarnings("unchecked")
    void shouldRoundTripARecordOfEveryTopicInTheConfluentWireFormat() {
        Map<String, Map.Entry<String, SpecificRecord>> samples = Samples.oneRecordPerTopic();
        assertThat(samples.keySet()).containsExactlyElementsOf(topics.all().stream().map(Topic::name).toList());

        for (Topic<?, ?> t : topics.all()) {
            Topic<String, SpecificRecord> topic = (Topic<String, SpecificRecord>) t;
            SpecificRecord record = samples.get(topic.name()).getValue();

            byte[] bytes = topic.valueSerde().serializer().serialize(topic.name(), record);

            int registeredId = registry.latest(topic.valueSubject()).id();
            assertThat(bytes[0]).as("magic byte of %s", topic.name()).isZero();
            assertThat(ByteBuffer.wrap(bytes, 1, 4).getInt()).as("schema id of %s", topic.name()).isEqualTo(registeredId);
            assertThat(topic.valueSerde().deserializer().deserialize(topic.name(), bytes))
                    .as("decoded %s", topic.name()).isEqualTo(record);
        }
    }

    @Test
    void shouldWriteTheExactHeaderBytesBeforeTheAvroBody() {
        Topic<String, ConversationEvent> log = topics.conversationLog();
        ConversationEvent event = Samples.messagePosted(1, "hi");

        byte[] bytes = log.valueSerde().serializer().serialize(log.name(), event);

        assertThat(Arrays.copyOfRange(bytes, 0, 5)).containsExactly(0, 0, 0, 0, 1);
        assertThat(registry.latest("chat.conversation.log-value").id()).isEqualTo(1);
    }

    @Test
    void shouldGiveTheSameSchemaTheSameIdUnderEverySubject() {
        AvroSerde<ConversationEvent> serde = AvroSerde.forValues(registry, ConversationEvent.class);

        byte[] a = serde.serialize("topic-a", Samples.messagePosted(1, "x"));
        byte[] b = serde.serialize("topic-b", Samples.messagePosted(1, "x"));

        assertThat(Arrays.copyOfRange(a, 0, 5)).containsExactly(Arrays.copyOfRange(b, 0, 5));
        assertThat(registry.subjects()).containsExactly("topic-a-value", "topic-b-value");
    }

    @Test
    void shouldRefuseBytesThatAreNotInTheWireFormat() {
        AvroSerde<ConversationEvent> serde = AvroSerde.forValues(registry, ConversationEvent.class);

        assertThatThrownBy(() -> serde.deserialize("t", new byte[] {0, 0, 1}))
                .isInstanceOf(SerializationException.class).hasMessageContaining("shorter than the 5-byte");
        assertThatThrownBy(() -> serde.deserialize("t", new byte[] {1, 0, 0, 0, 1, 2}))
                .isInstanceOf(SerializationException.class).hasMessageContaining("unknown magic byte 1");
        assertThatThrownBy(() -> serde.deserialize("t", new byte[] {0, 0, 0, 0, 99, 2}))
                .isInstanceOf(SerializationException.class).hasMessageContaining("schema id 99");
    }

    @Test
    void shouldRefuseATruncatedBody() {
        AvroSerde<ConversationEvent> serde = AvroSerde.forValues(registry, ConversationEvent.class);
        byte[] bytes = serde.serialize("t", Samples.messagePosted(1, "a message body"));

        byte[] truncated = Arrays.copyOf(bytes, bytes.length - 10);

        assertThatThrownBy(() -> serde.deserialize("t", truncated))
                .isInstanceOf(SerializationException.class).hasMessageContaining("cannot decode");
    }

    @Test
    void shouldPassNullsThroughForTombstones() {
        AvroSerde<ConversationEvent> serde = AvroSerde.forValues(registry, ConversationEvent.class);

        assertThat(serde.serialize("t", null)).isNull();
        assertThat(serde.deserialize("t", null)).isNull();
    }

    @Test
    void shouldOnlyLookUpTheSchemaWhenAutoRegistrationIsOff() {
        AvroSerde<ConversationEvent> strict = new AvroSerde<>(registry, ConversationEvent.class, false, false);

        assertThatThrownBy(() -> strict.serialize("unregistered", Samples.messagePosted(1, "x")))
                .hasMessageContaining("Subject \"unregistered-value\" not found");
        assertThat(registry.subjects()).isEmpty();
    }
}
