package dev.kchat.edge.servers;

import dev.kchat.events.chat.ServerBroadcast;
import dev.kchat.events.platform.ProcessingError;
import dev.kchat.schemas.topic.Topic;
import dev.kchat.service.ProcessingErrors;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The edge's reader of {@code chat.server.broadcast}: it assigns itself (no consumer group) only the
 * partitions of the servers its connections need, as its users say ({@link ChannelViews} for viewed
 * channels, the member lists for subscribed member lists), and hands each record to every user. A partition added is read from its end: a viewer reads what came before
 * from history, so {@link #whenReading} tells when a partition's position is fixed, and a view is
 * acknowledged only after it (everything written to the channel after the acknowledgement reaches
 * the viewer). A partition that no view needs any more is dropped at the next turn of the loop.
 *
 * <p>One thread ({@link #run}); {@link #interestChanged} and {@link #whenReading} are called from
 * others. A record that cannot be decoded goes to {@code platform.errors} and is skipped.
 */
public final class ServerBroadcastReader implements ServerBroadcastSource, Runnable, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ServerBroadcastReader.class);
    static final String APP_ID = "edge-push";
    /** How long a loop with nothing assigned waits before it looks at the wanted partitions again. */
    private static final Duration IDLE_WAIT = Duration.ofMillis(500);
    private static final Duration POLL = Duration.ofMillis(500);
    /** How long resolving the end offset of an added partition may take before the turn is retried. */
    private static final Duration POSITION_TIMEOUT = Duration.ofSeconds(10);

    private final KafkaConsumer<String, byte[]> consumer;
    private final Topic<String, ServerBroadcast> topic;
    private final Topic<String, ProcessingError> errors;
    private final Producer<String, ProcessingError> errorProducer;
    private final Counter undecodable;
    private final Counter failed;
    /** Guards {@link #reading} and {@link #waiting}; never held while calling the consumer. */
    private final Object lock = new Object();
    /** Partitions assigned and positioned (guarded by the lock; the gauge reads it racily). */
    private Set<Integer> reading = Set.of();
    /** Partitions views wait for, with what completes when each is read (guarded by the lock). */
    private final Map<Integer, CompletableFuture<Void>> waiting = new HashMap<>();
    /** Partitions assigned whose position was resolved (the consumer thread only). */
    private final Set<Integer> positioned = new HashSet<>();
    private volatile boolean changed = true;
    private volatile boolean running = true;
    private volatile boolean started;
    private final CountDownLatch done = new CountDownLatch(1);
    /** Who wants which partitions, and is handed their records. */
    private final List<Interest> interests = new CopyOnWriteArrayList<>();

    private record Interest(Supplier<Set<Integer>> wanted, Consumer<ServerBroadcast> deliver) {
    }

    public ServerBroadcastReader(String bootstrapServers, String clientId, Topic<String, ServerBroadcast> topic,
            Topic<String, ProcessingError> errors, Producer<String, ProcessingError> errorProducer, MeterRegistry metrics) {
        this.topic = topic;
        this.errors = errors;
        this.errorProducer = errorProducer;
        this.consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                ConsumerConfig.CLIENT_ID_CONFIG, clientId,
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "latest",
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"),
                topic.keySerde().deserializer(), new ByteArrayDeserializer());
        this.undecodable = metrics.counter("kchat.edge.servers.records", "outcome", "undecodable");
        this.failed = metrics.counter("kchat.edge.servers.records", "outcome", "failed");
        metrics.gauge("kchat.edge.servers.partitions", this, r -> r.readingNow().size());
    }

    @Override
    public void serve(Supplier<Set<Integer>> wantedPartitions, Consumer<ServerBroadcast> deliver) {
        interests.add(new Interest(wantedPartitions, deliver));
        interestChanged();
    }

    /** The wanted partitions changed: the loop looks at them at once. Never blocks. */
    public void interestChanged() {
        changed = true;
        synchronized (lock) {
            lock.notifyAll();
        }
        consumer.wakeup();
    }

    /** Completes once the partition is assigned and positioned at its end (when it was added). */
    @Override
    public CompletableFuture<Void> whenReading(int partition) {
        synchronized (lock) {
            if (reading.contains(partition)) {
                return CompletableFuture.completedFuture(null);
            }
            CompletableFuture<Void> f = waiting.computeIfAbsent(partition, p -> new CompletableFuture<>());
            interestChanged();
            return f;
        }
    }

    /** The partitions being read now. */
    public Set<Integer> readingNow() {
        synchronized (lock) {
            return reading;
        }
    }

    @Override
    public void run() {
        started = true;
        try {
            while (running) {
                try {
                    if (changed) {
                        changed = false;
                        reassign();
                    }
                    if (consumer.assignment().isEmpty()) {
                        synchronized (lock) {
                            if (!changed && running) {
                                lock.wait(IDLE_WAIT.toMillis());
                            }
                        }
                        continue;
                    }
                    for (ConsumerRecord<String, byte[]> record : consumer.poll(POLL)) {
                        deliver(record);
                    }
                } catch (WakeupException e) {
                    // interestChanged() or close(), possibly in the middle of a reassignment: look again
                    changed = true;
                } catch (org.apache.kafka.common.errors.TimeoutException e) {
                    log.warn("server broadcast partitions not positioned in time, retrying: {}", e.toString());
                    changed = true;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            log.error("server broadcast reader stopped by an unexpected failure", e);
            throw e;
        } finally {
            try {
                consumer.close(Duration.ofSeconds(5));
            } finally {
                synchronized (lock) {
                    waiting.values().forEach(f -> f.completeExceptionally(new IllegalStateException("the edge is stopping")));
                    waiting.clear();
                }
                done.countDown();
            }
        }
    }

    /**
     * Assigns the wanted partitions: the ones no longer wanted leave first (they are taken out of
     * {@link #reading} before the wanted set is read, so a view reserved meanwhile waits for the
     * partition to be added again rather than count on one about to go); added ones are read
     * from their end.
     */
    private void reassign() {
        Set<Integer> target;
        synchronized (lock) {
            Set<Integer> union = new HashSet<>();
            interests.forEach(i -> union.addAll(i.wanted().get()));
            target = Set.copyOf(union);
            Set<Integer> kept = new HashSet<>(reading);
            kept.retainAll(target);
            reading = Set.copyOf(kept);
        }
        positioned.retainAll(target);
        Set<Integer> assigned = new HashSet<>();
        consumer.assignment().forEach(tp -> assigned.add(tp.partition()));
        if (!assigned.equals(target)) {
            consumer.assign(target.stream().map(p -> new TopicPartition(topic.name(), p)).toList());
        }
        List<TopicPartition> fresh = target.stream().filter(p -> !positioned.contains(p))
                .map(p -> new TopicPartition(topic.name(), p)).toList();
        if (!fresh.isEmpty()) {
            consumer.seekToEnd(fresh);
            // Resolve the end now, so that the view's acknowledgement means "from here on".
            for (TopicPartition tp : fresh) {
                consumer.position(tp, POSITION_TIMEOUT);
                positioned.add(tp.partition());
            }
            log.debug("server broadcast partitions now {} (read from the end: {})", target, fresh);
        }
        synchronized (lock) {
            reading = target;
            for (Integer p : target) {
                CompletableFuture<Void> f = waiting.remove(p);
                if (f != null) {
                    f.complete(null);
                }
            }
        }
    }

    private void deliver(ConsumerRecord<String, byte[]> record) {
        ServerBroadcast broadcast;
        try {
            broadcast = topic.valueSerde().deserializer().deserialize(record.topic(), record.value());
        } catch (RuntimeException e) {
            undecodable.increment();
            log.warn("undecodable server broadcast {}-{}@{} sent to {}: {}", record.topic(), record.partition(), record.offset(),
                    errors.name(), e.toString());
            toErrors(record, e);
            return;
        }
        if (broadcast == null) {
            return;
        }
        for (Interest interest : interests) {
            try {
                interest.deliver().accept(broadcast);
            } catch (RuntimeException e) {
                // A failure on one record must not stop the reader for every viewer of every server here.
                failed.increment();
                log.error("server broadcast {}-{}@{} not delivered, sent to {}", record.topic(), record.partition(), record.offset(),
                        errors.name(), e);
                toErrors(record, e);
            }
        }
    }

    private void toErrors(ConsumerRecord<String, byte[]> record, RuntimeException e) {
        errorProducer.send(new ProducerRecord<>(errors.name(), APP_ID, ProcessingErrors.of(APP_ID, record.topic(),
                record.partition(), record.offset(), record.key() == null ? null : record.key().getBytes(StandardCharsets.UTF_8),
                record.value(), e)));
    }

    /** Stops the loop and closes the consumer; waits up to 10 s for that. Idempotent. */
    @Override
    public void close() {
        running = false;
        if (!started) {
            consumer.close(Duration.ofSeconds(5));
            return;
        }
        interestChanged();
        try {
            if (!done.await(10, TimeUnit.SECONDS)) {
                log.warn("server broadcast reader did not stop within 10 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
