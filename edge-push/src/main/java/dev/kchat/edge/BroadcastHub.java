package dev.kchat.edge;

import dev.kchat.events.chat.BroadcastEntry;
import dev.kchat.schemas.topic.Topic;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArraySet;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Read diffusion: every edge reads all of {@code chat.broadcast} (no group, from the end) and pushes
 * each large-group event to the sessions on this edge whose user is a member. Sessions subscribe
 * the large conversations of their user; a device that was away catches up from history.
 */
final class BroadcastHub implements Runnable, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(BroadcastHub.class);

    private final KafkaConsumer<String, byte[]> consumer;
    private final Topic<String, BroadcastEntry> topic;
    private final Map<String, Set<Session>> members = new ConcurrentHashMap<>();
    private final Counter pushed;
    private volatile boolean running = true;

    BroadcastHub(String bootstrapServers, String clientId, Topic<String, BroadcastEntry> topic, MeterRegistry metrics) {
        this.topic = topic;
        this.consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                ConsumerConfig.CLIENT_ID_CONFIG, clientId,
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"),
                topic.keySerde().deserializer(), new ByteArrayDeserializer());
        this.pushed = metrics.counter("kchat.edge.broadcast.frames");
    }

    void subscribe(String conversationId, Session session) {
        members.computeIfAbsent(conversationId, c -> new CopyOnWriteArraySet<>()).add(session);
    }

    void unsubscribe(String conversationId, Session session) {
        members.computeIfPresent(conversationId, (c, set) -> {
            set.remove(session);
            return set.isEmpty() ? null : set;
        });
    }

    void unsubscribeAll(Session session) {
        for (String conversationId : List.copyOf(members.keySet())) {
            unsubscribe(conversationId, session);
        }
    }

    @Override
    public void run() {
        try {
            List<TopicPartition> partitions = consumer.partitionsFor(topic.name()).stream()
                    .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToEnd(partitions);
            while (running) {
                for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(500))) {
                    deliver(record);
                }
            }
        } catch (WakeupException e) {
            if (running) {
                throw e;
            }
        } finally {
            consumer.close(Duration.ofSeconds(5));
        }
    }

    private void deliver(ConsumerRecord<String, byte[]> record) {
        Set<Session> sessions = members.get(record.key());
        if (sessions == null || sessions.isEmpty()) {
            return;
        }
        BroadcastEntry entry;
        try {
            entry = topic.valueSerde().deserializer().deserialize(record.topic(), record.value());
        } catch (RuntimeException e) {
            // Skipped, not fatal: the event is also on chat.conversation.log, so members still read it in history.
            log.warn("undecodable broadcast record {}-{}@{}: {}", record.topic(), record.partition(), record.offset(), e.toString());
            return;
        }
        String frame = Frames.broadcast(entry);
        for (Session s : sessions) {
            s.sendBroadcast(frame);
            pushed.increment();
        }
    }

    @Override
    public void close() {
        running = false;
        consumer.wakeup();
    }
}
