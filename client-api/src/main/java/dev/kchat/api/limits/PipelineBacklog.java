package dev.kchat.api.limits;

import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.ListOffsetsResult.ListOffsetsResultInfo;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The message pipeline's backlog as a door sees it: for each consumer group named (routing's and
 * fanout's Streams application ids), the records between the group's committed offset and the end of
 * each partition it consumes, summed, read from the brokers every {@code checkInterval} with the Admin
 * API. That covers the commands routing has not sequenced, the log events fanout has not expanded and the
 * repartitioned entries it has not numbered, whoever produced them, so every door instance sees the same
 * number without talking to the others.
 *
 * <p>End offsets are read {@code read_committed} (the last stable offset), the way the apps read. Under
 * exactly-once a partition's end also counts its last transaction marker, so an idle pipeline reads a
 * few records per partition, far below any sensible mark. If a read fails the last value stays and the
 * failure is logged; {@link #records()} never blocks. {@value #METRIC} exposes it. With admission off
 * nothing is read.
 */
public final class PipelineBacklog implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(PipelineBacklog.class);
    public static final String METRIC = "kchat.admission.backlog.records";

    private final Admin admin;
    private final AdmissionConfig config;
    private final AtomicLong records = new AtomicLong();
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "pipeline-backlog");
        t.setDaemon(true);
        return t;
    });

    private PipelineBacklog(Admin admin, AdmissionConfig config) {
        this.admin = admin;
        this.config = config;
    }

    /** Starts reading the backlog every {@code config.checkInterval()} with {@code admin} (which the caller closes). */
    public static PipelineBacklog start(Admin admin, AdmissionConfig config, MeterRegistry metrics) {
        PipelineBacklog backlog = new PipelineBacklog(admin, config);
        metrics.gauge(METRIC, backlog.records);
        if (!config.enabled()) {
            return backlog; // nothing reads it: no requests to the brokers
        }
        long every = config.checkInterval().toMillis();
        backlog.timer.scheduleWithFixedDelay(backlog::refresh, 0, every, TimeUnit.MILLISECONDS);
        return backlog;
    }

    /** The backlog at the last read, in records. */
    public long records() {
        return records.get();
    }

    private void refresh() {
        try {
            records.set(read());
        } catch (Exception e) {
            log.warn("could not read the pipeline's backlog (keeping {} records): {}", records.get(), e.toString());
        }
    }

    /** One read of every group's lag, summed. */
    long read() throws Exception {
        long timeoutMs = readTimeout().toMillis();
        long total = 0;
        for (String group : config.groups()) {
            Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(group)
                    .partitionsToOffsetAndMetadata().get(timeoutMs, TimeUnit.MILLISECONDS);
            if (committed.isEmpty()) {
                continue;
            }
            Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
            committed.keySet().forEach(tp -> latest.put(tp, OffsetSpec.latest()));
            Map<TopicPartition, ListOffsetsResultInfo> ends = admin.listOffsets(latest,
                    new ListOffsetsOptions(IsolationLevel.READ_COMMITTED)).all().get(timeoutMs, TimeUnit.MILLISECONDS);
            for (Map.Entry<TopicPartition, OffsetAndMetadata> e : committed.entrySet()) {
                ListOffsetsResultInfo end = ends.get(e.getKey());
                if (end != null && e.getValue() != null) {
                    total += Math.max(0, end.offset() - e.getValue().offset());
                }
            }
        }
        return total;
    }

    /** How long a read may take before it is given up (twice the interval, at least a second). */
    Duration readTimeout() {
        return Duration.ofMillis(Math.max(1_000, config.checkInterval().toMillis() * 2));
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
