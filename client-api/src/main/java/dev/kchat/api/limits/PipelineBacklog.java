package dev.kchat.api.limits;

import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
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
 * named (routing's and fanout's Streams application ids) and each topic it consumes, the records between
 * the group's committed offsets and the partitions' ends, and how far those committed offsets advanced
 * over the last {@code rateWindow}, read from the brokers every {@code checkInterval} with the Admin API.
 * That covers the commands (and receipts) routing has not processed and the unsequenced entries fanout
 * has not numbered ({@code chat.inbox.unsequenced}, with Moments notifications and, for servers, the log
 * its server stage reads), whoever produced them, so every door instance sees the same numbers without
 * talking to the others.
 *
 * <p>The expected wait is the sum, over those (group, topic) stages, of each one's backlog over its own
 * clearing rate: a message crosses them one after the other, and their rates differ by an order of
 * magnitude ({@code chat.inbox.unsequenced} carries one record per member, routing's commands one per
 * message), so one ratio of all backlogs over all rates would take the fast stage's rate for the slow
 * one's queue. (The first version did, and admitted waits three times its high mark under a surge.)
 * Topics a group reads beside the message path (receipts, say) are counted as stages too: their records
 * are processed by the same tasks, ahead of later messages, so they delay them.
 *
 * <p>End offsets are read {@code read_committed} (the last stable offset), the way the apps read. Under
 * exactly-once a partition's end also counts its last transaction marker, so one record per partition is
 * not counted: an idle pipeline reads 0 (and a partition written without transactions, 1 short). If a read fails the last values stay and the failure is logged; if reads
 * keep failing past {@link #staleAfter()} the backlog is taken as none (admission fails open). Nothing
 * here blocks a request. {@value #METRIC}, {@value #METRIC_RATE} and {@value #METRIC_WAIT} (a day at most)
 * expose them. With admission off
 * nothing is read.
 */
public final class PipelineBacklog implements WriteAdmission.Backlog, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(PipelineBacklog.class);
    public static final String METRIC = "kchat.admission.backlog.records";
    public static final String METRIC_RATE = "kchat.admission.cleared.records.per.second";
    public static final String METRIC_WAIT = "kchat.admission.expected.wait.seconds";

    private final Admin admin;
    private final AdmissionConfig config;
    private final AtomicLong records = new AtomicLong();
    private volatile double clearedPerSecond;
    private volatile Duration expectedWait = Duration.ZERO;
    private volatile long lastRead = System.nanoTime();
    /** Per "group/topic" stage: how fast the group clears it. Only the refresh thread (and tests) add to it. */
    private final Map<String, ClearingRate> rates = new java.util.concurrent.ConcurrentHashMap<>();
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
        metrics.gauge(METRIC_WAIT, backlog, PipelineBacklog::expectedWaitSeconds);
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

    /** The expected wait in seconds, a day at most (an endless wait is a day: a gauge needs a number). */
    double expectedWaitSeconds() {
        Duration wait = expectedWait();
        return wait.compareTo(Duration.ofDays(1)) >= 0 ? Duration.ofDays(1).toSeconds() : wait.toNanos() / 1e9;
    }

    /** Records cleared per second over the rate window (the groups' committed offsets advancing), all stages. */
    @Override
    public double clearedPerSecond() {
        return clearedPerSecond;
    }

    /**
     * The wait a message admitted now can expect: each stage's backlog over its clearing rate, summed
     * (infinite if a stage holds a backlog and clears nothing).
     */
    @Override
    public Duration expectedWait() {
        return records.get() == 0 ? Duration.ZERO : expectedWait;
    }

    private void refresh() {
        long now = System.nanoTime();
        try {
            observe(now, read());
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

    /**
     * Takes one read of every stage ("group/topic" -> {backlog, committed offsets summed}) made at
     * {@code nanos}: the backlog, the stages' clearing rates and the expected wait.
     */
    void observe(long nanos, Map<String, long[]> stages) {
        long backlog = 0;
        double cleared = 0;
        double waitSeconds = 0;
        for (Map.Entry<String, long[]> stage : stages.entrySet()) {
            long queued = stage.getValue()[0];
            ClearingRate rate = rates.computeIfAbsent(stage.getKey(), k -> new ClearingRate(config.rateWindow()));
            rate.observe(nanos, stage.getValue()[1]);
            double perSecond = rate.perSecond();
            backlog += queued;
            cleared += perSecond;
            if (queued > 0) {
                waitSeconds += perSecond > 0 ? queued / perSecond : Double.POSITIVE_INFINITY;
            }
        }
        records.set(backlog);
        clearedPerSecond = cleared;
        expectedWait = Double.isInfinite(waitSeconds) ? ChronoUnit.FOREVER.getDuration()
                : Duration.ofNanos((long) Math.min(Long.MAX_VALUE, waitSeconds * 1e9));
    }

    /** One read of every group: "group/topic" -> {backlog, committed offsets summed}. */
    Map<String, long[]> read() throws Exception {
        long timeoutMs = readTimeout().toMillis();
        Map<String, long[]> stages = new HashMap<>();
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
                    long[] stage = stages.computeIfAbsent(group + "/" + e.getKey().topic(), k -> new long[2]);
                    // Less one: the last transaction marker (idle partitions would otherwise add up to a
                    // backlog that nothing can clear, and a wait that never ends)
                    stage[0] += Math.max(0, end.offset() - e.getValue().offset() - 1);
                    stage[1] += e.getValue().offset();
                }
            }
        }
        return stages;
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
