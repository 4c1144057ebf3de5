package dev.kchat.push.deliver;

import dev.kchat.events.platform.ProcessingError;
import dev.kchat.events.push.PushOutcome;
import dev.kchat.events.push.PushRequest;
import dev.kchat.events.push.PushSettingsEvent;
import dev.kchat.events.push.PushStatus;
import dev.kchat.events.push.PushTokenRemoved;
import dev.kchat.events.push.TokenRemovalReason;
import dev.kchat.schemas.topic.Topics;
import dev.kchat.service.Health;
import dev.kchat.service.ProcessingErrors;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The delivery side: reads {@code push.requests} (committed records only), delivers each batch
 * through {@link DeliveryAttempts} (one user's requests one after another, in order, so a newer
 * push of a conversation never lands before an older one; different users at once), then writes
 * in one Kafka transaction each request's {@link PushOutcome}, a {@link PushTokenRemoved} on
 * {@code push.settings} for a token the provider reported invalid, a {@code platform.errors}
 * record for one it could not read, and the batch's consumer offsets.
 *
 * <p><b>Exactly once, as far as it can be.</b> A provider call is outside any transaction: a crash
 * after a provider accepted a push and before the transaction commits delivers that batch again
 * on restart. The repeat carries the same push id ({@code X-Kchat-Push-Id}, APNs' {@code apns-id})
 * and collapse key, so a webhook receiver drops it and a device replaces the earlier notification
 * rather than showing two. Every other repeat is excluded: the decider writes each request once,
 * and the offsets commit with the outcomes.
 */
public final class PushDelivery implements Runnable, AutoCloseable {

    public static final String COMPONENT = "push-delivery";
    private static final Logger log = LoggerFactory.getLogger(PushDelivery.class);
    private static final Duration POLL = Duration.ofMillis(200);

    private final Topics topics;
    private final DeliveryAttempts attempts;
    private final DeliveryMetrics metrics;
    private final KafkaConsumer<String, byte[]> consumer;
    private final KafkaProducer<String, Object> producer;
    private final Clock clock;
    private final AtomicBoolean running = new AtomicBoolean(true);
    private volatile Instant lastPoll = Instant.now();
    private volatile String failure;
    private final CompletableFuture<Void> stopped = new CompletableFuture<>();

    PushDelivery(DeliveryConfig config, Topics topics, DeliveryAttempts attempts, DeliveryMetrics metrics, Clock clock) {
        this.topics = topics;
        this.attempts = attempts;
        this.metrics = metrics;
        this.clock = clock;
        this.consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, config.bootstrapServers(),
                ConsumerConfig.GROUP_ID_CONFIG, config.group(),
                ConsumerConfig.CLIENT_ID_CONFIG, COMPONENT + "-" + config.instanceId(),
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
                // A group's first start reads what the decider wrote before it: nothing is lost.
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 200),
                new StringDeserializer(), new ByteArrayDeserializer());
        Map<String, Object> producerConfig = new HashMap<>();
        producerConfig.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, config.bootstrapServers());
        producerConfig.put(ProducerConfig.CLIENT_ID_CONFIG, COMPONENT + "-" + config.instanceId());
        producerConfig.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, config.group() + "-" + config.instanceId());
        producerConfig.put(ProducerConfig.ACKS_CONFIG, "all");
        this.producer = new KafkaProducer<>(producerConfig, new org.apache.kafka.common.serialization.StringSerializer(),
                new RecordSerializer(topics));
        producer.initTransactions();
    }

    /** Polls and delivers until {@link #close()}. */
    @Override
    public void run() {
        consumer.subscribe(Set.of(topics.pushRequests().name()));
        try {
            while (running.get()) {
                ConsumerRecords<String, byte[]> records = consumer.poll(POLL);
                lastPoll = clock.instant();
                if (!records.isEmpty()) {
                    deliverAndCommit(records);
                }
            }
        } catch (WakeupException e) {
            if (running.get()) {
                throw e;
            }
        } catch (RuntimeException e) {
            failure = e.toString();
            log.error("{} stopped: {}", COMPONENT, e.toString(), e);
        } finally {
            consumer.close();
            producer.close(Duration.ofSeconds(10));
            stopped.complete(null);
        }
    }

    /** Completes when the loop has ended, asked to or failed ({@link #health()} says which). */
    public CompletableFuture<Void> stopped() {
        return stopped;
    }

    /** True if the loop ended on a failure rather than on {@link #close()}. */
    public boolean failed() {
        return failure != null;
    }

    private void deliverAndCommit(ConsumerRecords<String, byte[]> records) {
        List<ProducerRecord<String, Object>> out = new ArrayList<>();
        Map<String, CompletableFuture<Void>> byUser = new LinkedHashMap<>();
        Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
        for (ConsumerRecord<String, byte[]> record : records) {
            offsets.put(new TopicPartition(record.topic(), record.partition()), new OffsetAndMetadata(record.offset() + 1));
            PushRequest request;
            try {
                request = topics.pushRequests().valueSerde().deserializer().deserialize(record.topic(), record.value());
                if (request == null) {
                    throw new IllegalArgumentException("record with key " + record.key() + " has no value");
                }
            } catch (RuntimeException e) {
                ProcessingError error = ProcessingErrors.of(COMPONENT, record.topic(), record.partition(), record.offset(),
                        record.key() == null ? null : record.key().getBytes(java.nio.charset.StandardCharsets.UTF_8), record.value(), e);
                synchronized (out) {
                    out.add(new ProducerRecord<>(topics.errors().name(), COMPONENT, error));
                }
                continue;
            }
            PushRequest r = request;
            // One user's requests in order: a newer push of a conversation must not land before an older one.
            byUser.compute(r.getUserId(), (user, earlier) -> earlier == null ? deliver(r, out)
                    : earlier.thenCompose(done -> deliver(r, out)));
        }
        CompletableFuture.allOf(byUser.values().toArray(CompletableFuture[]::new)).join();
        commit(out, offsets);
    }

    private CompletableFuture<Void> deliver(PushRequest r, List<ProducerRecord<String, Object>> out) {
        return attempts.deliver(r).thenAccept(result -> {
            Instant now = clock.instant();
            metrics.outcome(r.getPlatform(), result.status(), Duration.between(r.getFirstEntryAt(), now));
            PushOutcome outcome = PushOutcome.newBuilder().setPushId(r.getPushId()).setUserId(r.getUserId())
                    .setDeviceId(r.getDeviceId()).setPlatform(r.getPlatform()).setStatus(result.status())
                    .setAttempts(result.attempts()).setDetail(result.detail()).setAt(now).build();
            synchronized (out) {
                out.add(new ProducerRecord<>(topics.pushOutcomes().name(), r.getUserId(), outcome));
                if (result.status() == PushStatus.TOKEN_INVALID) {
                    log.info("token of {}/{} reported invalid by {} ({}); removing it", r.getUserId(), r.getDeviceId(),
                            r.getPlatform(), result.detail());
                    out.add(new ProducerRecord<>(topics.pushSettings().name(), r.getUserId(), PushSettingsEvent.newBuilder()
                            .setUserId(r.getUserId()).setAt(now).setEvent(PushTokenRemoved.newBuilder().setDeviceId(r.getDeviceId())
                                    .setToken(r.getToken()).setReason(TokenRemovalReason.INVALID).setDetail(result.detail()).build())
                            .build()));
                }
            }
        });
    }

    private void commit(List<ProducerRecord<String, Object>> out, Map<TopicPartition, OffsetAndMetadata> offsets) {
        try {
            producer.beginTransaction();
            for (ProducerRecord<String, Object> record : out) {
                producer.send(record);
            }
            producer.sendOffsetsToTransaction(offsets, consumer.groupMetadata());
            producer.commitTransaction();
        } catch (KafkaException e) {
            // Fenced (another instance took the partitions) or a broker failure: the batch is read
            // again from the last committed offsets, by this instance or the new owner.
            log.warn("{}: could not commit a batch of {} outcomes ({}); it will be delivered again", COMPONENT, out.size(), e.toString());
            try {
                producer.abortTransaction();
            } catch (KafkaException abort) {
                throw new IllegalStateException("cannot abort the delivery transaction", abort);
            }
            rewind(offsets.keySet());
        }
    }

    private void rewind(Set<TopicPartition> partitions) {
        Map<TopicPartition, OffsetAndMetadata> committed = consumer.committed(partitions);
        for (TopicPartition p : partitions) {
            OffsetAndMetadata at = committed.get(p);
            if (at != null) {
                consumer.seek(p, at);
            } else {
                consumer.seekToBeginning(List.of(p));
            }
        }
    }

    /** Up while the loop runs and polled within the last minute. */
    public Health health() {
        if (failure != null) {
            return Health.down("stopped: " + failure);
        }
        Duration since = Duration.between(lastPoll, clock.instant());
        return since.compareTo(Duration.ofMinutes(1)) < 0 ? Health.up("polled " + since.toMillis() + " ms ago")
                : Health.down("no poll for " + since.toSeconds() + " s");
    }

    /** Stops after the batch in hand is delivered and committed; the loop closes the clients. */
    @Override
    public void close() {
        running.set(false);
        consumer.wakeup();
    }
}
