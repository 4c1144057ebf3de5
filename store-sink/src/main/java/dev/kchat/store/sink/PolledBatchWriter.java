package dev.kchat.store.sink;

import com.datastax.oss.driver.api.core.cql.BoundStatement;
import dev.kchat.events.platform.ProcessingError;
import dev.kchat.schemas.topic.Topics;
import dev.kchat.service.ProcessingErrors;
import dev.kchat.store.write.AsyncWriter;
import dev.kchat.store.write.ReplicaSetBatcher;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.consumer.CommitFailedException;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.RebalanceInProgressException;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Stores one polled batch of the sink and then commits its offsets: the records' statements run
 * asynchronously (at most {@link SinkConfig#maxInFlight()} requests at a time), by default in {@code UNLOGGED}
 * batches shared by the records whose partitions have the same replicas ({@link ReplicaSetBatcher}); a
 * record whose shared batch failed for any but a transient reason is written again on its own, so that only
 * a bad record is treated as one; a record that fails for a
 * transient reason is retried with exponential backoff while every assigned partition is paused (the
 * consumer keeps polling, so the group keeps this member); a record that can never be stored goes to
 * {@code platform.errors} with its bytes and the cause, and the offsets are committed only once every
 * error record is acknowledged. Used by the sink on its consumer thread only.
 */
final class PolledBatchWriter {

    private static final Logger log = LoggerFactory.getLogger(PolledBatchWriter.class);

    private final String appId;
    private final SinkConfig config;
    private final Topics topics;
    private final SinkStatements statements;
    private final AsyncWriter async;
    private final ReplicaSetBatcher batcher;
    private final Consumer<byte[], byte[]> consumer;
    private final Producer<String, ProcessingError> errors;
    private final WriteSpans spans;
    private final BooleanSupplier closing;
    private final AtomicInteger backoffAttempts = new AtomicInteger();
    private volatile Throwable lastTransientFailure;
    private volatile boolean waitingForDatabase;

    private final Counter stored;
    private final Counter failed;
    private final Counter retried;
    private final Counter fallbacks;

    /**
     * @param appId the {@code app_id} (and key) of the records sent to {@code platform.errors}
     * @param batcher plans the batches shared by the records of a polled batch (if {@link SinkConfig#batchEnabled()})
     * @param closing says when a wait for the database should give up (the sink is closing)
     */
    PolledBatchWriter(String appId, SinkConfig config, Topics topics, SinkStatements statements, AsyncWriter async,
            ReplicaSetBatcher batcher, Consumer<byte[], byte[]> consumer, Producer<String, ProcessingError> errors, WriteSpans spans,
            BooleanSupplier closing, MeterRegistry meters) {
        this.appId = appId;
        this.config = config;
        this.topics = topics;
        this.statements = statements;
        this.async = async;
        this.batcher = batcher;
        this.consumer = consumer;
        this.errors = errors;
        this.spans = spans;
        this.closing = closing;
        this.stored = Counter.builder("kchat.sink.records").tag("outcome", "stored")
                .description("records written to the store").register(meters);
        this.failed = Counter.builder("kchat.sink.records").tag("outcome", "error_topic")
                .description("records sent to platform.errors").register(meters);
        this.retried = Counter.builder("kchat.sink.retries")
                .description("batch retries after transient write failures").register(meters);
        this.fallbacks = Counter.builder("kchat.sink.batch.fallbacks")
                .description("records written one by one after a batch shared with other records failed").register(meters);
        meters.gauge("kchat.sink.paused", this, w -> w.waitingForDatabase ? 1 : 0);
    }

    /** Whether writes are failing and consumption is paused until the database recovers. */
    boolean waitingForDatabase() {
        return waitingForDatabase;
    }

    /** Retries of the batch in progress since writes began to fail. */
    int backoffAttempts() {
        return backoffAttempts.get();
    }

    /** The last transient failure seen, or null. */
    Throwable lastTransientFailure() {
        return lastTransientFailure;
    }

    /**
     * Stores every record of {@code records} (or sends it to the error topic), then commits their
     * offsets; returns only then, however long the database takes to recover.
     *
     * @throws WakeupException if the sink closes while waiting for the database
     */
    void write(ConsumerRecords<byte[], byte[]> records) throws InterruptedException {
        List<ConsumerRecord<byte[], byte[]>> todo = new ArrayList<>(records.count());
        records.forEach(todo::add);
        Map<ConsumerRecord<byte[], byte[]>, Integer> unclassified = new IdentityHashMap<>();
        List<ErrorSend> errorSends = new ArrayList<>();
        Backoff backoff = new Backoff(config.initialBackoff(), config.maxBackoff());
        while (!todo.isEmpty()) {
            List<ConsumerRecord<byte[], byte[]>> retry = new ArrayList<>();
            List<ConsumerRecord<byte[], byte[]>> oneByOne = config.batchEnabled()
                    ? writeGrouped(todo, retry, unclassified, errorSends) : todo;
            writeEach(oneByOne, retry, unclassified, errorSends);
            if (retry.isEmpty()) {
                break;
            }
            waitBeforeRetry(retry.size(), backoff);
            todo = retry;
        }
        awaitErrorTopic(errorSends, backoff);
        commit(records);
        if (waitingForDatabase) {
            waitingForDatabase = false;
            backoffAttempts.set(0);
            consumer.resume(consumer.paused());
            log.info("store writes succeed again after {} retries; consumption resumed", backoff.attempts());
        }
    }

    /** Each record's statements on their own (one batch per partition); failures sorted. */
    private void writeEach(List<ConsumerRecord<byte[], byte[]>> todo, List<ConsumerRecord<byte[], byte[]>> retry,
            Map<ConsumerRecord<byte[], byte[]>, Integer> unclassified, List<ErrorSend> errorSends) throws InterruptedException {
        List<CompletableFuture<Void>> writes = new ArrayList<>(todo.size());
        List<ConsumerRecord<byte[], byte[]>> written = new ArrayList<>(todo.size());
        for (ConsumerRecord<byte[], byte[]> record : todo) {
            try {
                writes.add(spans.write(record, () -> async.executeAll(statements.of(record))));
                written.add(record);
            } catch (RuntimeException e) {
                sort(record, e, retry, unclassified, errorSends);
            }
        }
        for (int i = 0; i < writes.size(); i++) {
            try {
                writes.get(i).get();
                stored.increment();
            } catch (ExecutionException e) {
                sort(written.get(i), e.getCause(), retry, unclassified, errorSends);
            }
        }
    }

    /**
     * The records' statements together, in batches per replica set ({@link ReplicaSetBatcher}). A record
     * that cannot be decoded is sorted at once; a record whose requests fail for a transient reason is
     * retried later, grouped again. A request's other failures may come from any record in it, so its
     * records are returned, to be written one by one: then exactly the bad record fails.
     *
     * @return the records to write one by one
     */
    private List<ConsumerRecord<byte[], byte[]>> writeGrouped(List<ConsumerRecord<byte[], byte[]>> todo,
            List<ConsumerRecord<byte[], byte[]>> retry, Map<ConsumerRecord<byte[], byte[]>, Integer> unclassified,
            List<ErrorSend> errorSends) throws InterruptedException {
        List<ConsumerRecord<byte[], byte[]>> decoded = new ArrayList<>(todo.size());
        List<List<BoundStatement>> statementsOf = new ArrayList<>(todo.size());
        List<CompletableFuture<Void>> done = new ArrayList<>(todo.size());
        for (ConsumerRecord<byte[], byte[]> record : todo) {
            CompletableFuture<Void> recordDone = new CompletableFuture<>();
            try {
                // The span runs from the record's decoding to its last request's answer, like writeEach's.
                spans.write(record, () -> {
                    statementsOf.add(statements.of(record));
                    return recordDone;
                });
                decoded.add(record);
                done.add(recordDone);
            } catch (RuntimeException e) {
                sort(record, e, retry, unclassified, errorSends);
            }
        }
        List<CompletableFuture<Void>> writes;
        try {
            writes = async.executeGrouped(statementsOf, batcher);
        } catch (InterruptedException | RuntimeException e) {
            done.forEach(d -> d.completeExceptionally(e));
            throw e;
        }
        List<ConsumerRecord<byte[], byte[]>> oneByOne = new ArrayList<>();
        for (int i = 0; i < writes.size(); i++) {
            CompletableFuture<Void> recordDone = done.get(i);
            try {
                writes.get(i).get();
                recordDone.complete(null);
                stored.increment();
            } catch (ExecutionException e) {
                recordDone.completeExceptionally(e.getCause());
                if (Failures.classify(e.getCause()) == Failures.Kind.TRANSIENT) {
                    sort(decoded.get(i), e.getCause(), retry, unclassified, errorSends);
                } else {
                    oneByOne.add(decoded.get(i));
                }
            }
        }
        if (!oneByOne.isEmpty()) {
            fallbacks.increment(oneByOne.size());
            log.warn("{} records failed in shared batches; writing them one by one to find the failing ones", oneByOne.size());
        }
        return oneByOne;
    }

    private void sort(ConsumerRecord<byte[], byte[]> record, Throwable failure, List<ConsumerRecord<byte[], byte[]>> retry,
            Map<ConsumerRecord<byte[], byte[]>, Integer> unclassified, List<ErrorSend> errorSends) {
        Failures.Kind kind = Failures.classify(failure);
        if (kind == Failures.Kind.UNCLASSIFIED) {
            int attempts = unclassified.merge(record, 1, Integer::sum);
            if (attempts < config.maxUnclassifiedAttempts()) {
                log.warn("record {}-{}@{} failed ({}), attempt {} of {}", record.topic(), record.partition(),
                        record.offset(), failure.toString(), attempts, config.maxUnclassifiedAttempts());
                kind = Failures.Kind.TRANSIENT;
            } else {
                kind = Failures.Kind.PERMANENT;
            }
        }
        if (kind == Failures.Kind.TRANSIENT) {
            lastTransientFailure = Failures.unwrap(failure);
            retry.add(record);
            return;
        }
        Throwable cause = Failures.unwrap(failure);
        log.error("record {}-{}@{} cannot be stored, sending it to {}: {}", record.topic(), record.partition(),
                record.offset(), topics.errors().name(), cause.toString());
        ProducerRecord<String, ProcessingError> error = new ProducerRecord<>(topics.errors().name(), appId,
                ProcessingErrors.of(appId, record, cause));
        errorSends.add(new ErrorSend(error, errors.send(error)));
        failed.increment();
    }

    /** Pauses every assigned partition and waits, polling so the group keeps this member. */
    private void waitBeforeRetry(int failedRecords, Backoff backoff) {
        Duration wait = backoff.next();
        backoffAttempts.set(backoff.attempts());
        retried.increment();
        if (!waitingForDatabase) {
            waitingForDatabase = true;
            consumer.pause(consumer.assignment());
        }
        log.warn("{} records could not be stored ({}); consumption paused, retry {} in {} ms", failedRecords,
                lastTransientFailure, backoff.attempts(), wait.toMillis());
        pausedPoll(wait);
    }

    private void pausedPoll(Duration wait) {
        long deadline = System.nanoTime() + wait.toNanos();
        long left;
        while ((left = deadline - System.nanoTime()) > 0) {
            ConsumerRecords<byte[], byte[]> unexpected = consumer.poll(Duration.ofNanos(left));
            // Partitions assigned during the wait are paused by the rebalance listener; should a poll still
            // hand out records, rewind so they are read again after the retry instead of being lost.
            for (TopicPartition tp : unexpected.partitions()) {
                consumer.seek(tp, unexpected.records(tp).get(0).offset());
            }
            if (closing.getAsBoolean()) {
                throw new WakeupException();
            }
        }
    }

    /**
     * Waits until every error record is acknowledged: only then may the offsets of the records they
     * report be committed. The producer retries on its own; a send that still fails is sent again
     * after a backoff, for as long as it takes (the batch's offsets stay uncommitted meanwhile).
     */
    private void awaitErrorTopic(List<ErrorSend> sends, Backoff backoff) throws InterruptedException {
        List<ErrorSend> pending = sends;
        while (!pending.isEmpty()) {
            errors.flush();
            List<ErrorSend> again = new ArrayList<>();
            for (ErrorSend send : pending) {
                try {
                    send.result().get();
                } catch (ExecutionException e) {
                    lastTransientFailure = e.getCause();
                    again.add(send);
                }
            }
            if (again.isEmpty()) {
                return;
            }
            waitBeforeRetry(again.size(), backoff);
            pending = again.stream().map(s -> new ErrorSend(s.record(), errors.send(s.record()))).toList();
        }
    }

    private record ErrorSend(ProducerRecord<String, ProcessingError> record, Future<RecordMetadata> result) {
    }

    private void commit(ConsumerRecords<byte[], byte[]> records) {
        Set<TopicPartition> owned = consumer.assignment();
        Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
        for (TopicPartition tp : records.partitions()) {
            if (owned.contains(tp)) {
                List<ConsumerRecord<byte[], byte[]>> list = records.records(tp);
                offsets.put(tp, new OffsetAndMetadata(list.get(list.size() - 1).offset() + 1));
            }
        }
        if (offsets.isEmpty()) {
            return;
        }
        try {
            consumer.commitSync(offsets);
        } catch (CommitFailedException | RebalanceInProgressException e) {
            // The partitions moved while we wrote: the new owner re-reads from the last commit and the
            // idempotent writes make the repetition harmless.
            log.warn("offset commit lost to a rebalance; {} partitions will be re-read by their new owner: {}",
                    offsets.size(), e.toString());
        }
    }
}
