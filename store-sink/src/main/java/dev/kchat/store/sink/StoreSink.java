package dev.kchat.store.sink;

import com.datastax.oss.driver.api.core.CqlSession;
import dev.kchat.events.platform.ProcessingError;
import dev.kchat.schemas.topic.Topics;
import dev.kchat.service.ConsumerLag;
import dev.kchat.service.Health;
import dev.kchat.service.tracing.Tracing;
import dev.kchat.store.write.AsyncWriter;
import dev.kchat.store.write.ReplicaSetBatcher;
import dev.kchat.store.write.ReplicaSets;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes the topics of {@link #consumedTopics} to the store: the chat log and inboxes, moderation,
 * Moments, media, and push devices with their outcomes.
 *
 * <p>Guarantees:
 * <ul>
 *   <li>At-least-once, made harmless: offsets are committed only after every record of the batch was
 *       written (or, if it can never be written, acknowledged on {@code platform.errors}); the writes
 *       are idempotent upserts keyed by seq with seq-derived timestamps, so a record written twice,
 *       or a whole topic replayed, leaves the same rows.</li>
 *   <li>Bounded concurrency: a batch's statements run asynchronously, at most
 *       {@link SinkConfig#maxInFlight()} requests at a time, by default grouped into {@code UNLOGGED}
 *       batches per replica set ({@link SinkConfig#batchEnabled()}).</li>
 *   <li>Backpressure: when writes fail for a transient reason (database down, slow, overloaded) the
 *       sink pauses every assigned partition, keeps its group membership by polling, and retries the
 *       failed records with exponential backoff until they succeed. Nothing is dropped, and the
 *       database sees one batch at a time, never a flood.</li>
 *   <li>A record that can never be stored (undecodable, invalid) goes to {@code platform.errors} with
 *       its bytes and the cause, and the sink carries on with the next one.</li>
 * </ul>
 *
 * <p>Reads with {@code isolation.level=read_committed}: the log is written by an exactly-once
 * topology, and aborted records must not reach the store.
 *
 * <p>This class is the consumer's lifecycle (subscribe, poll, health, close); each polled batch is
 * stored, retried and committed by {@link PolledBatchWriter}.
 */
public final class StoreSink implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(StoreSink.class);

    /** {@code app_id} of this component on {@code platform.errors}. */
    public static final String APP_ID = "store-sink";
    private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(30);

    private final SinkConfig config;
    private final Topics topics;
    private final Consumer<byte[], byte[]> consumer;
    private final Producer<String, ProcessingError> errors;
    private final WriteSpans spans;
    private final PolledBatchWriter batches;
    private final AtomicBoolean closing = new AtomicBoolean();
    private final AtomicBoolean started = new AtomicBoolean();
    private final CountDownLatch stopped = new CountDownLatch(1);
    private volatile boolean running;

    private final Timer batchTimer;

    /** Wires a sink from parts; {@link #create} builds the Kafka clients from a config. */
    StoreSink(SinkConfig config, Topics topics, SinkStatements statements, AsyncWriter async, ReplicaSetBatcher batcher,
            Consumer<byte[], byte[]> consumer, Producer<String, ProcessingError> errors, MeterRegistry meters) {
        this.config = config;
        this.topics = topics;
        this.consumer = consumer;
        this.errors = errors;
        this.spans = new WriteSpans(Tracing.start(config.tracing()));
        this.batches = new PolledBatchWriter(APP_ID, config, topics, statements, async, batcher, consumer, errors, spans,
                closing::get, meters);
        this.batchTimer = Timer.builder("kchat.sink.batch").description("time to store one polled batch")
                .publishPercentileHistogram().register(meters);
        meters.gauge("kchat.sink.in.flight", async, AsyncWriter::inFlight);
        ConsumerLag.register(meters, consumer::metrics, consumedTopics(topics));
    }

    /** The topics the sink stores. */
    static List<String> consumedTopics(Topics topics) {
        return List.of(topics.conversationLog().name(), topics.inbox().name(),
                topics.moderationVerdicts().name(), topics.moderationActions().name(), topics.moderationRules().name(),
                topics.moderationStats().name(), topics.socialGraph().name(), topics.momentsEvents().name(),
                topics.momentsFeed().name(), topics.mediaEvents().name(), topics.pushSettings().name(),
                topics.pushOutcomes().name());
    }

    /**
     * A sink over the store in {@code keyspace} (migrated already), consuming with its own Kafka
     * consumer in group {@link SinkConfig#groupId()} and producing failures to {@code platform.errors}.
     * Nothing is consumed until {@link #run()}.
     */
    public static StoreSink create(SinkConfig config, Topics topics, CqlSession session, String keyspace,
            MeterRegistry meters) {
        Map<String, Object> consumerProps = new HashMap<>();
        consumerProps.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, config.bootstrapServers());
        consumerProps.put(ConsumerConfig.GROUP_ID_CONFIG, config.groupId());
        consumerProps.put(ConsumerConfig.CLIENT_ID_CONFIG, APP_ID);
        consumerProps.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        // The store must hold the whole log: a new group starts from the beginning.
        consumerProps.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        consumerProps.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        consumerProps.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, config.maxPollRecords());
        consumerProps.putAll(config.consumerOverrides());
        KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(consumerProps, new ByteArrayDeserializer(),
                new ByteArrayDeserializer());

        Map<String, Object> producerProps = new HashMap<>();
        producerProps.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, config.bootstrapServers());
        producerProps.put(ProducerConfig.CLIENT_ID_CONFIG, APP_ID + "-errors");
        producerProps.put(ProducerConfig.ACKS_CONFIG, "all");
        producerProps.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        producerProps.putAll(config.producerOverrides());
        KafkaProducer<String, ProcessingError> producer = new KafkaProducer<>(producerProps, new StringSerializer(),
                topics.errors().valueSerde().serializer());

        return new StoreSink(config, topics, SinkStatements.create(topics, session, keyspace),
                new AsyncWriter(session, config.maxInFlight()), new ReplicaSetBatcher(new ReplicaSets(session), config.batchLimits()),
                consumer, producer, meters);
    }

    /**
     * Consumes and stores until {@link #close()} is called from another thread. Closes the Kafka
     * clients on return.
     *
     * @throws IllegalStateException if called twice
     */
    public void run() {
        if (!started.compareAndSet(false, true)) {
            throw new IllegalStateException("the sink runs once");
        }
        try {
            if (closing.get()) {
                return;
            }
            List<String> consumed = consumedTopics(topics);
            consumer.subscribe(consumed, new Rebalance());
            running = true;
            log.info("store sink consuming {} as group {}", consumed, config.groupId());
            while (!closing.get()) {
                ConsumerRecords<byte[], byte[]> records = consumer.poll(config.pollTimeout());
                if (!records.isEmpty()) {
                    long start = System.nanoTime();
                    batches.write(records);
                    batchTimer.record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
                }
            }
        } catch (WakeupException e) {
            if (!closing.get()) {
                throw e;
            }
            log.debug("store sink woken up to close");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            log.warn("store sink interrupted; stopping without committing the batch in progress");
        } finally {
            running = false;
            closeClients();
            stopped.countDown();
            log.info("store sink stopped");
        }
    }

    /** Stops {@link #run()} (uncommitted records are consumed again by the next owner) and waits for it. */
    @Override
    public void close() {
        closing.set(true);
        if (!started.get()) {
            if (started.compareAndSet(false, true)) {
                closeClients();
                stopped.countDown();
            }
            return;
        }
        consumer.wakeup();
        try {
            if (!stopped.await(CLOSE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                log.warn("store sink did not stop within {}", CLOSE_TIMEOUT);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Readiness: up while consuming and writing; down while waiting for the database to recover. */
    public Health health() {
        if (!running) {
            return Health.down("not consuming");
        }
        if (batches.waitingForDatabase()) {
            return Health.down("writes failing, retry " + batches.backoffAttempts() + ": " + batches.lastTransientFailure());
        }
        return Health.up("consuming");
    }

    private void closeClients() {
        try {
            consumer.close(CLOSE_TIMEOUT);
        } finally {
            errors.close(CLOSE_TIMEOUT);
            spans.close();
        }
    }

    private final class Rebalance implements ConsumerRebalanceListener {
        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
            log.info("store sink lost partitions {}", partitions);
        }

        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
            log.info("store sink got partitions {}", partitions);
            if (batches.waitingForDatabase() && !partitions.isEmpty()) {
                // Stay paused as a whole until the database recovers.
                consumer.pause(new HashSet<>(partitions));
            }
        }
    }
}
