package dev.kchat.store.sink;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kchat.events.push.ConversationMuted;
import dev.kchat.events.push.PushSettingsEvent;
import dev.kchat.schemas.registry.InMemorySchemaRegistry;
import dev.kchat.schemas.topic.Topic;
import dev.kchat.schemas.topic.Topics;
import dev.kchat.store.TestStore;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Which statements the sink runs for the push topics, without a broker: a record that does not
 * decode fails alone and is one the sink sends to the error topic (a permanent failure); a
 * settings event about something other than tokens stores nothing. {@link StoreSinkTest} stores
 * them through a running sink.
 */
class PushStatementsTest {

    private static Topics topics;
    private static SinkStatements statements;

    @BeforeAll
    static void writers() {
        topics = Topics.create(new InMemorySchemaRegistry(), 1, 1);
        statements = SinkStatements.create(topics, TestStore.session(), TestStore.newKeyspace("sinkpushstatements"));
    }

    @Test
    void shouldFailAnUndecodablePushRecordForGoodSoItGoesToTheErrorTopic() {
        for (String topic : new String[] {topics.pushOutcomes().name(), topics.pushSettings().name()}) {
            ConsumerRecord<byte[], byte[]> poison = new ConsumerRecord<>(topic, 0, 7, "ann".getBytes(StandardCharsets.UTF_8),
                    "not avro".getBytes(StandardCharsets.UTF_8));

            assertThatThrownBy(() -> statements.of(poison)).isInstanceOf(SerializationException.class)
                    .satisfies(e -> assertThat(Failures.classify(e)).isEqualTo(Failures.Kind.PERMANENT));
        }
    }

    @Test
    void shouldStoreNothingForAMute() {
        Topic<String, PushSettingsEvent> settings = topics.pushSettings();
        PushSettingsEvent mute = PushSettingsEvent.newBuilder().setUserId("ann").setAt(Instant.now())
                .setEvent(new ConversationMuted("g-1", null)).build();
        byte[] bytes = settings.valueSerde().serializer().serialize(settings.name(), mute);

        assertThat(statements.of(new ConsumerRecord<>(settings.name(), 0, 8, "ann".getBytes(StandardCharsets.UTF_8), bytes)))
                .isEmpty();
    }
}
