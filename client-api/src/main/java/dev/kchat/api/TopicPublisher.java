package dev.kchat.api;

import dev.kchat.schemas.topic.Topic;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;

/**
 * Produces the records clients cause (commands, receipts, session events, typing) to one topic
 * with an idempotent producer and {@code acks=all}: a request is acknowledged to the client only
 * once every in-sync replica has the record.
 */
public class TopicPublisher<V> implements AutoCloseable {

    private final KafkaProducer<String, V> producer;
    private final Topic<String, V> topic;

    public TopicPublisher(String bootstrapServers, Topic<String, V> topic, String clientId) {
        this.topic = topic;
        this.producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                ProducerConfig.CLIENT_ID_CONFIG, clientId,
                ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true,
                ProducerConfig.LINGER_MS_CONFIG, 2,
                ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4",
                ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 15_000,
                ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 30_000,
                ProducerConfig.MAX_BLOCK_MS_CONFIG, 5_000),
                topic.keySerde().serializer(), topic.valueSerde().serializer());
    }

    /**
     * Sends a record; the future completes when Kafka acknowledged it (or failed). May block for up
     * to {@code max.block.ms} when metadata is missing or the buffer is full, so call it from a
     * worker thread, never an I/O thread.
     */
    public CompletableFuture<RecordMetadata> publish(String key, V value) {
        return send(new ProducerRecord<>(topic.name(), key, value));
    }

    /**
     * Sends a record with headers (UTF-8 values), as {@link #publish(String, Object)}. A header is how a
     * tombstone ({@code value} null) still says who caused it.
     */
    public CompletableFuture<RecordMetadata> publish(String key, V value, Map<String, String> headers) {
        ProducerRecord<String, V> record = new ProducerRecord<>(topic.name(), key, value);
        headers.forEach((name, text) -> record.headers().add(name, text.getBytes(StandardCharsets.UTF_8)));
        return send(record);
    }

    private CompletableFuture<RecordMetadata> send(ProducerRecord<String, V> record) {
        CompletableFuture<RecordMetadata> done = new CompletableFuture<>();
        try {
            producer.send(record, (metadata, error) -> {
                if (error != null) {
                    done.completeExceptionally(error);
                } else {
                    done.complete(metadata);
                }
            });
        } catch (RuntimeException e) {
            done.completeExceptionally(e);
        }
        return done;
    }

    /** Fetches the topic's metadata now, so the first request does not wait for it. */
    public int warmUp() {
        return producer.partitionsFor(topic.name()).size();
    }

    public KafkaProducer<String, V> producer() {
        return producer;
    }

    @Override
    public void close() {
        producer.close();
    }
}
