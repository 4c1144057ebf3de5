package dev.kchat.moderation.job;

import dev.kchat.events.chat.ConversationEvent;
import dev.kchat.events.moderation.ModerationRule;
import dev.kchat.events.social.MomentEvent;
import dev.kchat.schemas.registry.HttpSchemaRegistryClient;
import dev.kchat.schemas.serde.AvroSerde;
import dev.kchat.schemas.topic.Topics;
import java.nio.charset.StandardCharsets;
import org.apache.avro.specific.SpecificRecord;
import org.apache.flink.api.common.serialization.DeserializationSchema;
import org.apache.flink.api.common.serialization.SerializationSchema;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.flink.connector.kafka.source.reader.deserializer.KafkaRecordDeserializationSchema;
import org.apache.flink.util.Collector;
import org.apache.flink.util.function.SerializableFunction;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The job's Kafka formats: keys as UTF-8 strings, values as Avro in the Confluent wire format
 * through the schema registry ({@link AvroSerde}, {@link HttpSchemaRegistryClient}), as every
 * other component of the platform writes and reads them. Each holds the registry URL and builds
 * its serde when the task opens it (a serde is not serializable).
 */
public final class KafkaFormats {

    private static final Logger log = LoggerFactory.getLogger(KafkaFormats.class);

    private KafkaFormats() {
    }

    private static <T extends SpecificRecord> AvroSerde<T> serde(String registryUrl, Class<T> type, boolean register) {
        return new AvroSerde<>(new HttpSchemaRegistryClient(registryUrl), type, false, register);
    }

    /**
     * {@code chat.conversation.log} and {@code moments.events} records to {@link Content}: content
     * events become content, other moments nothing, every chat log event also its {@link Activity}, and a record that does not decode becomes a
     * {@link Failure} for {@code platform.errors} instead of failing the job.
     */
    public static final class ContentDeserializer implements KafkaRecordDeserializationSchema<Inbound> {
        private static final long serialVersionUID = 1L;

        private final String registryUrl;
        private final boolean moments;
        private transient AvroSerde<ConversationEvent> chatSerde;
        private transient AvroSerde<MomentEvent> momentSerde;

        private ContentDeserializer(String registryUrl, boolean moments) {
            this.registryUrl = registryUrl;
            this.moments = moments;
        }

        /** For {@code chat.conversation.log}. */
        public static ContentDeserializer chatLog(String registryUrl) {
            return new ContentDeserializer(registryUrl, false);
        }

        /** For {@code moments.events}. */
        public static ContentDeserializer moments(String registryUrl) {
            return new ContentDeserializer(registryUrl, true);
        }

        @Override
        public void open(DeserializationSchema.InitializationContext context) {
            if (moments) {
                momentSerde = serde(registryUrl, MomentEvent.class, false);
            } else {
                chatSerde = serde(registryUrl, ConversationEvent.class, false);
            }
        }

        @Override
        public void deserialize(ConsumerRecord<byte[], byte[]> record, Collector<Inbound> out) {
            if (record.value() == null) {
                return;
            }
            Inbound in;
            try {
                if (moments) {
                    in = Content.of(momentSerde.deserialize(record.topic(), record.value()), record.topic(), record.partition(), record.offset())
                            .map(Inbound::of).orElse(null);
                } else {
                    ConversationEvent event = chatSerde.deserialize(record.topic(), record.value());
                    in = Inbound.of(Content.of(event, record.topic(), record.partition(), record.offset()).orElse(null),
                            Activity.of(event, record.topic(), record.partition(), record.offset()));
                }
            } catch (RuntimeException e) {
                log.warn("cannot decode {}-{}@{}: {}", record.topic(), record.partition(), record.offset(), e.toString());
                out.collect(Inbound.failed(Failure.of(record.topic(), record.partition(), record.offset(), record.key(), record.value(), e)));
                return;
            }
            if (in != null) {
                out.collect(in);
            }
        }

        @Override
        public TypeInformation<Inbound> getProducedType() {
            return TypeInformation.of(Inbound.class);
        }
    }

    /** {@code moderation.rules} records to {@link RuleUpdate}s; a tombstone removes its rule. */
    public static final class RuleDeserializer implements KafkaRecordDeserializationSchema<RuleUpdate> {
        private static final long serialVersionUID = 1L;

        private final String registryUrl;
        private transient AvroSerde<ModerationRule> serde;

        public RuleDeserializer(String registryUrl) {
            this.registryUrl = registryUrl;
        }

        @Override
        public void open(DeserializationSchema.InitializationContext context) {
            serde = serde(registryUrl, ModerationRule.class, false);
        }

        @Override
        public void deserialize(ConsumerRecord<byte[], byte[]> record, Collector<RuleUpdate> out) {
            try {
                if (record.value() == null) {
                    if (record.key() == null) {
                        throw new IllegalArgumentException("a tombstone on " + Topics.MODERATION_RULES + " needs the rule id as its key");
                    }
                    out.collect(RuleUpdate.removed(new String(record.key(), StandardCharsets.UTF_8)));
                } else {
                    out.collect(RuleUpdate.of(serde.deserialize(record.topic(), record.value())));
                }
            } catch (RuntimeException e) {
                log.warn("cannot decode {}-{}@{}: {}", record.topic(), record.partition(), record.offset(), e.toString());
                out.collect(RuleUpdate.failed(Failure.of(record.topic(), record.partition(), record.offset(), record.key(), record.value(), e)));
            }
        }

        @Override
        public TypeInformation<RuleUpdate> getProducedType() {
            return TypeInformation.of(RuleUpdate.class);
        }
    }

    /**
     * Writes the job's records to one topic: a string key and an Avro value, registering the value
     * schema under {@code <topic>-value} on first use.
     */
    public static final class AvroSerializer<T, V extends SpecificRecord> implements KafkaRecordSerializationSchema<T> {
        private static final long serialVersionUID = 1L;

        private final String topic;
        private final String registryUrl;
        private final Class<V> valueType;
        private final SerializableFunction<T, String> key;
        private final SerializableFunction<T, V> value;
        private transient AvroSerde<V> serde;

        public AvroSerializer(String topic, String registryUrl, Class<V> valueType,
                SerializableFunction<T, String> key, SerializableFunction<T, V> value) {
            this.topic = topic;
            this.registryUrl = registryUrl;
            this.valueType = valueType;
            this.key = key;
            this.value = value;
        }

        @Override
        public void open(SerializationSchema.InitializationContext context, KafkaSinkContext sinkContext) {
            serde = serde(registryUrl, valueType, true);
        }

        @Override
        public ProducerRecord<byte[], byte[]> serialize(T element, KafkaSinkContext context, Long timestamp) {
            // Records without event time (decoding failures) carry Long.MIN_VALUE: let the producer stamp those.
            Long at = timestamp == null || timestamp < 0 ? null : timestamp;
            return new ProducerRecord<>(topic, null, at, key.apply(element).getBytes(StandardCharsets.UTF_8),
                    serde.serialize(topic, value.apply(element)));
        }
    }
}
