package dev.kchat.ingress.outcome;

import dev.kchat.events.chat.CommandResult;
import dev.kchat.schemas.topic.Topic;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.RecordDeserializationException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Routing's decisions for the HTTP callers of this ingress instance that asked to wait
 * ({@code Prefer: wait=N}). The instances share one consumer group over
 * {@code chat.command.replies}; the partitions the group gives this instance are its reply
 * addresses. A waiting command names one of them ({@code ChatCommand.reply_partition}); routing
 * writes a copy of its result there. So a result reaches exactly the instance that waits for it,
 * not every instance, and any number of instances can wait as long as the topic has at least as
 * many partitions.
 *
 * <p>Reads from the end on every assignment and commits nothing: a decision nobody waits for any
 * more (the wait ran out, the instance restarted) is of no use. Reads {@code read_committed}:
 * routing writes transactionally, and an aborted decision is no decision. If a rebalance moves a
 * partition away while a caller waits on it, the wait runs out and the caller gets its 202; the
 * outcome still reaches the user's devices through their inbox.
 */
public final class CommandReplies implements AutoCloseable {

    static final String METRIC_WAITS = "kchat.ingress.outcome.waits";
    static final String METRIC_PARTITIONS = "kchat.ingress.outcome.reply.partitions";

    private static final Logger log = LoggerFactory.getLogger(CommandReplies.class);
    private static final Duration POLL = Duration.ofMillis(200);

    private final KafkaConsumer<String, CommandResult> consumer;
    private final String topic;
    private final Map<String, Set<CompletableFuture<CommandResult>>> waiting = new ConcurrentHashMap<>();
    private final ConcurrentSkipListSet<Integer> owned = new ConcurrentSkipListSet<>();
    private final CompletableFuture<Void> firstAssignment = new CompletableFuture<>();
    private final Thread poller;
    private final Counter answered;
    private final Counter unmatched;
    private volatile boolean running = true;

    /**
     * Joins the group and starts reading.
     *
     * @param groupId consumer group of the ingress instances' reply readers
     */
    public CommandReplies(String bootstrapServers, String groupId, Topic<String, CommandResult> replies, MeterRegistry metrics) {
        this.topic = replies.name();
        this.consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                ConsumerConfig.GROUP_ID_CONFIG, groupId,
                ConsumerConfig.CLIENT_ID_CONFIG, "ingress-replies",
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "latest",
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
                ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, 50,
                ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG,
                        "org.apache.kafka.clients.consumer.CooperativeStickyAssignor"),
                new StringDeserializer(), replies.valueSerde().deserializer());
        this.answered = Counter.builder(METRIC_WAITS).tag("result", "answered").register(metrics);
        this.unmatched = Counter.builder(METRIC_WAITS).tag("result", "nobody_waiting").register(metrics);
        Gauge.builder(METRIC_PARTITIONS, owned, Collection::size).register(metrics);
        consumer.subscribe(List.of(topic), new ConsumerRebalanceListener() {
            @Override
            public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
                partitions.forEach(p -> owned.remove(p.partition()));
            }

            @Override
            public void onPartitionsLost(Collection<TopicPartition> partitions) {
                onPartitionsRevoked(partitions);
            }

            @Override
            public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
                // Only decisions from now on can answer a caller of this instance.
                consumer.seekToEnd(partitions);
                partitions.forEach(p -> consumer.position(p));
                partitions.forEach(p -> owned.add(p.partition()));
                if (!owned.isEmpty()) {
                    firstAssignment.complete(null);
                }
                log.info("reply partitions of {} now {}", topic, owned);
            }
        });
        this.poller = new Thread(this::run, "ingress-replies");
        poller.setDaemon(true);
        poller.start();
    }

    /**
     * Waits until the group gives this instance a reply partition, so callers that wait are served
     * from the first request; false if none came within {@code timeout} (more instances than
     * partitions: those callers get 202).
     */
    public boolean awaitReplyPartition(Duration timeout) throws InterruptedException {
        try {
            firstAssignment.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            return true;
        } catch (java.util.concurrent.TimeoutException e) {
            return false;
        } catch (java.util.concurrent.ExecutionException e) {
            throw new IllegalStateException("reply reader failed", e.getCause());
        }
    }

    /** A partition on which this instance reads replies now, if the group gave it any. */
    public OptionalInt replyPartition() {
        Integer first = owned.isEmpty() ? null : owned.first();
        return first == null ? OptionalInt.empty() : OptionalInt.of(first);
    }

    /**
     * Waits for the decision on {@code commandId}: register before publishing the command. The
     * future completes with the result, or with empty once {@code timeout} passes. Callers of the
     * same command id (a retried send) share one wait.
     */
    public CompletableFuture<Optional<CommandResult>> await(String commandId, Duration timeout) {
        CompletableFuture<CommandResult> result = new CompletableFuture<>();
        waiting.compute(commandId, (id, waiters) -> {
            Set<CompletableFuture<CommandResult>> set = waiters == null ? ConcurrentHashMap.newKeySet() : waiters;
            set.add(result);
            return set;
        });
        return result.orTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS)
                .handle((r, failure) -> {
                    waiting.computeIfPresent(commandId, (id, waiters) -> {
                        waiters.remove(result);
                        return waiters.isEmpty() ? null : waiters;
                    });
                    return Optional.ofNullable(failure == null ? r : null);
                });
    }

    /** Stops reading and leaves the group; pending waits run out as usual. */
    @Override
    public void close() {
        running = false;
        consumer.wakeup();
        try {
            poller.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void run() {
        try {
            while (running) {
                ConsumerRecords<String, CommandResult> records;
                try {
                    records = consumer.poll(POLL);
                } catch (RecordDeserializationException e) {
                    // A reply nobody can read cannot answer anyone: skip it, its caller gets a 202.
                    log.warn("skipping unreadable reply at {}@{}: {}", e.topicPartition(), e.offset(), e.toString());
                    consumer.seek(e.topicPartition(), e.offset() + 1);
                    continue;
                }
                for (ConsumerRecord<String, CommandResult> record : records) {
                    Set<CompletableFuture<CommandResult>> waiters = waiting.get(record.value().getCommandId());
                    if (waiters != null && !waiters.isEmpty()) {
                        waiters.forEach(w -> w.complete(record.value()));
                        answered.increment();
                    } else {
                        unmatched.increment();
                    }
                }
            }
        } catch (WakeupException e) {
            if (running) {
                log.error("reply reader woken up while running", e);
            }
        } catch (RuntimeException e) {
            log.error("reply reader failed; callers that wait get 202 until ingress restarts", e);
        } finally {
            owned.clear();
            consumer.close(Duration.ofSeconds(5));
        }
    }
}
