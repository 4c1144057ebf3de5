package dev.kchat.edge.sync;

import dev.kchat.api.EdgeDirectory;
import dev.kchat.edge.load.InboxDelay;
import dev.kchat.events.chat.InboxEntry;
import dev.kchat.events.platform.ProcessingError;
import dev.kchat.schemas.topic.Topic;
import dev.kchat.service.ProcessingErrors;
import dev.kchat.service.tracing.Tracing;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.opentelemetry.context.Scope;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArraySet;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.CooperativeStickyAssignor;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The edge's member of the edges' consumer group over {@code chat.inbox}: the partitions it is
 * assigned are the users it serves. It hands every live entry to the listeners of its user on this
 * edge and tells them when their partition moves away.
 *
 * <p>Offsets are committed automatically: a partition that moves resumes on its new edge where
 * this one left it, and sessions drop what they already delivered by inbox seq. A record that
 * cannot be decoded goes to {@code platform.errors} and is skipped.
 */
public final class InboxDispatcher implements Runnable, ConsumerRebalanceListener, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(InboxDispatcher.class);
    static final String APP_ID = "edge-push";
    /** Entries remembered for newly registered listeners (covers the sink's lag; a few MB at most). */
    static final int RECENT_ENTRIES = 8_192;
    /**
     * Command accepted to entry handed to a device's connection here: the inbox record's timestamp is
     * the command's, carried by Kafka Streams through routing and fanout. Live entries only.
     */
    public static final String METRIC_DELIVERY_LATENCY = "kchat.delivery.latency";
    /** Records behind the end of the inbox partitions this edge owns. */
    public static final String METRIC_INBOX_LAG = "kchat.edge.inbox.lag.records";

    private final KafkaConsumer<String, byte[]> consumer;
    private final InboxDelay timing;
    private final Topic<String, InboxEntry> inbox;
    private final Topic<String, ProcessingError> errors;
    private final Producer<String, ProcessingError> errorProducer;
    private final Map<String, Set<InboxListener>> listeners = new ConcurrentHashMap<>();
    private volatile Runnable rebalanceHook = () -> { };
    private final Set<Integer> owned = ConcurrentHashMap.newKeySet();
    private final RecentEntries recent = new RecentEntries(RECENT_ENTRIES);
    private final CountDownLatch firstAssignment = new CountDownLatch(1);
    private final CountDownLatch done = new CountDownLatch(1);
    private final Counter delivered;
    private final Counter poisoned;
    private final Timer deliveryLatency;
    private final Tracing tracing;
    private volatile boolean running = true;
    private volatile boolean stopped;

    public InboxDispatcher(String bootstrapServers, String groupId, String clientId, Topic<String, InboxEntry> inbox,
            Topic<String, ProcessingError> errors, Producer<String, ProcessingError> errorProducer, InboxDelay timing,
            Duration sessionTimeout, MeterRegistry metrics) {
        this(bootstrapServers, groupId, clientId, inbox, errors, errorProducer, timing, sessionTimeout, metrics, Tracing.off());
    }

    /** As the other constructor, with the deliveries traced ({@link DeliverySpan}). */
    public InboxDispatcher(String bootstrapServers, String groupId, String clientId, Topic<String, InboxEntry> inbox,
            Topic<String, ProcessingError> errors, Producer<String, ProcessingError> errorProducer, InboxDelay timing,
            Duration sessionTimeout, MeterRegistry metrics, Tracing tracing) {
        this.tracing = tracing;
        this.timing = timing;
        this.inbox = inbox;
        this.errors = errors;
        this.errorProducer = errorProducer;
        this.consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                ConsumerConfig.GROUP_ID_CONFIG, groupId,
                ConsumerConfig.CLIENT_ID_CONFIG, clientId,
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "latest",
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, true,
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
                ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG, CooperativeStickyAssignor.class.getName(),
                // How long a dead edge keeps its partitions (its clients cannot reconnect anywhere meanwhile)
                ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, (int) sessionTimeout.toMillis(),
                // Kafka's 3 s, or a third of a shorter session: a long heartbeat would also slow every
                // rebalance (a member learns of one at its next heartbeat) and leave moved clients
                // without the new owner's address
                ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, (int) Math.min(3_000, sessionTimeout.toMillis() / 3)),
                inbox.keySerde().deserializer(), new ByteArrayDeserializer());
        this.delivered = metrics.counter("kchat.edge.inbox.entries", "outcome", "dispatched");
        this.poisoned = metrics.counter("kchat.edge.inbox.entries", "outcome", "undecodable");
        metrics.gauge("kchat.edge.owned.partitions", owned, Set::size);
        metrics.gauge("kchat.edge.listeners", listeners, Map::size);
        metrics.gauge(METRIC_INBOX_LAG, timing, InboxDelay::lag);
        this.deliveryLatency = Timer.builder(METRIC_DELIVERY_LATENCY)
                .description("command accepted to inbox entry handed to a device's connection (live entries)")
                .publishPercentileHistogram().register(metrics);
    }

    KafkaConsumer<String, byte[]> consumer() {
        return consumer;
    }

    @Override
    public void run() {
        try {
            consumer.subscribe(List.of(inbox.name()), this);
            while (running) {
                for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(500))) {
                    dispatch(record);
                }
                timing.lag(lag());
            }
        } catch (WakeupException e) {
            if (running) {
                throw e;
            }
        } catch (RuntimeException e) {
            log.error("inbox dispatcher stopped by an unexpected failure", e);
            throw e;
        } finally {
            try {
                consumer.close(Duration.ofSeconds(5));
            } finally {
                stopped = true;
                done.countDown();
                log.info("inbox dispatcher stopped");
            }
        }
    }

    private void dispatch(ConsumerRecord<String, byte[]> record) {
        InboxEntry entry;
        try {
            entry = inbox.valueSerde().deserializer().deserialize(record.topic(), record.value());
        } catch (RuntimeException e) {
            poisoned.increment();
            log.warn("undecodable inbox record {}-{}@{} sent to {}: {}", record.topic(), record.partition(),
                    record.offset(), errors.name(), e.toString());
            errorProducer.send(new ProducerRecord<>(errors.name(), APP_ID, ProcessingErrors.of(APP_ID, record.topic(),
                    record.partition(), record.offset(), record.key() == null ? null : record.key().getBytes(
                            java.nio.charset.StandardCharsets.UTF_8), record.value(), e)));
            return;
        }
        if (entry == null) {
            return;
        }
        recent.add(entry);
        timing.entry(entry.getCreatedAt().toEpochMilli(), System.currentTimeMillis());
        DeliverySpan delivery = DeliverySpan.start(tracing, record, entry);
        try (Scope current = delivery.makeCurrent()) {
            Set<InboxListener> forUser = listeners.get(entry.getUserId());
            if (forUser != null) {
                for (InboxListener l : forUser) {
                    l.onLive(entry);
                }
                deliveryLatency.record(Math.max(0, System.currentTimeMillis() - record.timestamp()), TimeUnit.MILLISECONDS);
                delivered.increment();
            }
        } finally {
            delivery.dispatched();
        }
    }

    /** Records behind the end of the assigned partitions, as far as the last fetches tell (no request). */
    private long lag() {
        long total = 0;
        for (TopicPartition tp : consumer.assignment()) {
            total += consumer.currentLag(tp).orElse(0);
        }
        return total;
    }

    /** Whether this edge serves the user now. */
    public boolean owns(String userId) {
        return owned.contains(EdgeDirectory.partitionOf(userId, inbox.partitions()));
    }

    /** Waits until the group gave this edge its first assignment (possibly empty). */
    public boolean awaitAssignment(Duration timeout) throws InterruptedException {
        return firstAssignment.await(timeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
    }

    public Set<Integer> ownedPartitions() {
        return Set.copyOf(owned);
    }

    public boolean isRunning() {
        return !stopped;
    }

    /**
     * Registers a listener and hands it the user's entries this edge consumed in the last moments:
     * those may not have reached the store yet, and without them a device connecting right after
     * would wait for the next entry to notice the gap.
     */
    public void register(InboxListener listener) {
        listeners.computeIfAbsent(listener.userId(), u -> new CopyOnWriteArraySet<>()).add(listener);
        for (InboxEntry e : recent.forUser(listener.userId())) {
            listener.onLive(e);
        }
    }

    public List<InboxEntry> recentFor(String userId) {
        return recent.forUser(userId);
    }

    public void unregister(InboxListener listener) {
        listeners.computeIfPresent(listener.userId(), (u, set) -> {
            set.remove(listener);
            return set.isEmpty() ? null : set;
        });
    }

    public int listenerCount() {
        return listeners.values().stream().mapToInt(Set::size).sum();
    }

    /** Runs on the consumer thread after every rebalance this edge takes part in (must not block). */
    public void onRebalance(Runnable hook) {
        this.rebalanceHook = hook;
    }

    @Override
    public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
        // Cooperative rebalancing calls this on every member after each rebalance, even with nothing new.
        rebalanceHook.run();
        partitions.forEach(tp -> owned.add(tp.partition()));
        log.info("edge now owns inbox partitions {}", owned);
        firstAssignment.countDown();
    }

    @Override
    public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
        lose(partitions);
    }

    @Override
    public void onPartitionsLost(Collection<TopicPartition> partitions) {
        lose(partitions);
    }

    private void lose(Collection<TopicPartition> partitions) {
        if (partitions.isEmpty()) {
            return;
        }
        rebalanceHook.run();
        partitions.forEach(tp -> owned.remove(tp.partition()));
        log.info("edge lost inbox partitions {}; telling their clients to reconnect", partitions);
        for (Set<InboxListener> set : listeners.values()) {
            for (InboxListener l : set) {
                if (!owns(l.userId())) {
                    l.onPartitionLost();
                }
            }
        }
    }

    /**
     * Stops polling and leaves the group (the partitions move to the other edges); waits up to 10 s
     * for that, so that listeners hear about their lost partitions while the edge can still answer.
     */
    @Override
    public void close() {
        running = false;
        consumer.wakeup();
        try {
            if (!done.await(10, java.util.concurrent.TimeUnit.SECONDS)) {
                log.warn("inbox consumer did not stop within 10 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
