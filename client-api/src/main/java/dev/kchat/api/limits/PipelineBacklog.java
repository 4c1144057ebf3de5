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
 * The message pipeline's backlog as a door sees it, and how fast it is cleared: for each consumer group
 * named (routing's and fanout's Streams application ids), the records between the group's committed
 * offsets and the end of each partition it consumes, summed, and how far those committed offsets advanced
 * over the last {@code rateWindow}, read from the brokers every {@code checkInterval} with the Admin API.
 * That covers the commands routing has not sequenced, the log events fanout has not expanded and the
 * repartitioned entries it has not numbered, whoever produced them, so every door instance sees the same
 * numbers without talking to the others.
 *
 * <p>End offsets are read {@code read_committed} (the last stable offset), the way the apps read. Under
 * exactly-once a partition's end also counts its last transaction marker, so one record per partition is
 * not counted: an idle pipeline reads 0 (and a partition written without transactions, 1 short). If a read fails the last values stay and the failure is logged; if reads
 * keep failing past {@link #staleAfter()} the backlog is taken as none (admission fails open). Nothing
 * here blocks a request. {@value #METRIC} and {@value #METRIC_RATE} expose them. With admission off
 * nothing is read.
 */
public final class PipelineBacklog implements WriteAdmission.Backlog, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(PipelineBacklog.class);
    public static final String METRIC = "kchat.admission.backlog.records";
    public static final String METRIC_RATE = "kchat.admission.cleared.records.per.second";

    private final Admin admin;
    private final AdmissionConfig config;
    private final AtomicLong records = new AtomicLong();
    private volatile double clearedPerSecond;
    private volatile long lastRead = System.nanoTime();
    /** (nanoTime, committed offsets summed) of the reads within the rate window, oldest first. */
    private final java.util.ArrayDeque<long[]> committedHistory = new java.util.ArrayDeque<>();
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
        metrics.gauge(METRIC_RATE, backlog, PipelineBacklog::clearedPerSecond);
        if (!config.enabled()) {
            return backlog; // nothing reads it: no requests to the brokers
        }
        long every = config.checkInterval().toMillis();
        backlog.timer.scheduleWithFixedDelay(backlog::refresh, 0, every, TimeUnit.MILLISECONDS);
        return backlog;
    }

    /** The backlog at the last read, in records. */
    @Override
    public long records() {
        return records.get();
    }

    /** Records cleared per second over the rate window (the groups' committed offsets advancing). */
    @Override
    public double clearedPerSecond() {
        return clearedPerSecond;
    }

    private void refresh() {
        long now = System.nanoTime();
        try {
            long[] backlogAndCommitted = read();
            records.set(backlogAndCommitted[0]);
            observe(now, backlogAndCommitted[1]);
            lastRead = now;
        } catch (Exception e) {
            // Admission fails open: a backlog that cannot be read for a while is taken as none, so a
            // broker the doors cannot ask does not refuse every write on an old reading.
            boolean stale = now - lastRead > staleAfter().toNanos();
            if (stale) {
                records.set(0);
            }
            log.warn("could not read the pipeline's backlog ({}): {}", stale ? "admitting every write until it can"
                    : "keeping " + records.get() + " records", e.toString());
        }
    }

    /** How old the last good reading may get before it is dropped: three checks and a read's timeout. */
    Duration staleAfter() {
        return config.checkInterval().multipliedBy(3).plus(readTimeout());
    }

    /** Adds a read of the committed offsets' sum and recomputes the rate over the window. */
    void observe(long nanos, long committed) {
        synchronized (committedHistory) {
            long[] newest = committedHistory.peekLast();
            if (newest != null && committed < newest[1]) {
                committedHistory.clear(); // offsets went back (a group reset): start over
            }
            committedHistory.addLast(new long[] {nanos, committed});
            while (committedHistory.size() > 2 && nanos - committedHistory.peekFirst()[0] > config.rateWindow().toNanos()) {
                committedHistory.removeFirst();
            }
            long[] oldest = committedHistory.peekFirst();
            double seconds = (nanos - oldest[0]) / 1e9;
            clearedPerSecond = seconds > 0 ? (committed - oldest[1]) / seconds : 0;
        }
    }

    /** One read of every group: {backlog, committed offsets summed}. */
    long[] read() throws Exception {
        long timeoutMs = readTimeout().toMillis();
        long total = 0;
        long committedSum = 0;
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
                    // Less one: the last transaction marker (idle partitions would otherwise add up to a
                    // backlog that nothing can clear, and a wait that never ends)
                    total += Math.max(0, end.offset() - e.getValue().offset() - 1);
                    committedSum += e.getValue().offset();
                }
            }
        }
        return new long[] {total, committedSum};
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
