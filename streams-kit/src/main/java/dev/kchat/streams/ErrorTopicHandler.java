package dev.kchat.streams;

import dev.kchat.events.platform.ProcessingError;
import dev.kchat.schemas.registry.HttpSchemaRegistryClient;
import dev.kchat.schemas.topic.Topic;
import dev.kchat.schemas.topic.Topics;
import dev.kchat.service.ProcessingErrors;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.DeserializationExceptionHandler;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.apache.kafka.streams.errors.ProcessingExceptionHandler;
import org.apache.kafka.streams.processor.api.Record;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends a record that cannot be deserialized or processed to {@code platform.errors} as an Avro
 * {@link ProcessingError} (raw key and value, source coordinates, cause) and lets processing
 * continue. Uses the dead-letter-queue support of Kafka Streams' exception handlers: the error
 * record is returned to Streams, which produces it in the same transaction as the task's other
 * output, so under exactly-once a record is either processed or on the error topic, never both
 * and never neither.
 *
 * <p>Configured by Kafka Streams from the streams properties: {@link #APP_ID_CONFIG} names the
 * component; the error topic's serde comes from the {@link Topics} instance under
 * {@link #TOPICS_CONFIG} (see {@link #bind}), else from a registry client built from
 * {@link #REGISTRY_URL_CONFIG}.
 *
 * <p>If the error record itself cannot be encoded (registry unreachable), the handler throws and
 * the stream thread fails: the input record is retried after the restart instead of being lost.
 */
public final class ErrorTopicHandler implements DeserializationExceptionHandler, ProcessingExceptionHandler {

    /** Streams property: the component name written as {@code app_id} and used as the record key. */
    public static final String APP_ID_CONFIG = "kchat.errors.app.id";
    /** Streams property holding a {@link Topics} instance (an object, not a string). */
    public static final String TOPICS_CONFIG = "kchat.errors.topics";
    /** Streams property: schema registry URL, used when no {@link Topics} instance is bound. */
    public static final String REGISTRY_URL_CONFIG = "kchat.errors.schema.registry.url";

    private static final Logger log = LoggerFactory.getLogger(ErrorTopicHandler.class);

    private String appId;
    private Topic<String, ProcessingError> errors;

    /** Puts the topic registry into streams properties, so the handler uses the app's own serdes. */
    public static Properties bind(Properties streamsConfig, Topics topics) {
        streamsConfig.put(TOPICS_CONFIG, topics);
        return streamsConfig;
    }

    @Override
    public void configure(Map<String, ?> configs) {
        Object name = configs.get(APP_ID_CONFIG);
        appId = name != null ? name.toString() : String.valueOf(configs.get(StreamsConfig.APPLICATION_ID_CONFIG));
        Object topics = configs.get(TOPICS_CONFIG);
        if (topics instanceof Topics bound) {
            errors = bound.errors();
        } else if (configs.get(REGISTRY_URL_CONFIG) != null) {
            errors = Topics.create(new HttpSchemaRegistryClient(configs.get(REGISTRY_URL_CONFIG).toString())).errors();
        } else {
            throw new ConfigException("ErrorTopicHandler needs " + TOPICS_CONFIG + " (a Topics instance) or "
                    + REGISTRY_URL_CONFIG + " in the streams properties");
        }
    }

    @Override
    public DeserializationExceptionHandler.Response handleError(ErrorHandlerContext context,
            ConsumerRecord<byte[], byte[]> record, Exception exception) {
        log.warn("cannot deserialize record {}-{}@{}, sending it to {}: {}", record.topic(), record.partition(),
                record.offset(), errors.name(), exception.toString());
        ProcessingError error = ProcessingErrors.of(appId, record, exception);
        return DeserializationExceptionHandler.Response.resume(List.of(toProducerRecord(error)));
    }

    @Override
    public ProcessingExceptionHandler.Response handleError(ErrorHandlerContext context, Record<?, ?> record,
            Exception exception) {
        // A punctuation has no source record: its coordinates are unknown, not an error of their own.
        String topic = context.topic() == null ? "(punctuation " + context.processorNodeId() + ")" : context.topic();
        log.error("processing failed in {} for record {}-{}@{}, sending it to {}", context.processorNodeId(), topic,
                context.partition(), context.offset(), errors.name(), exception);
        ProcessingError error = ProcessingErrors.of(appId, topic, context.partition(), context.offset(),
                context.sourceRawKey(), context.sourceRawValue(), exception);
        return ProcessingExceptionHandler.Response.resume(List.of(toProducerRecord(error)));
    }

    private ProducerRecord<byte[], byte[]> toProducerRecord(ProcessingError error) {
        byte[] key = errors.keySerde().serializer().serialize(errors.name(), appId);
        byte[] value = errors.valueSerde().serializer().serialize(errors.name(), error);
        return new ProducerRecord<>(errors.name(), key, value);
    }
}
