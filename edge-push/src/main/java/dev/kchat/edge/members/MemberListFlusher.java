package dev.kchat.edge.members;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The aggregation of member-list updates: one task per edge (not one per subscription) that, once per
 * interval ({@code edge.members.update.interval.ms}), sends each subscription what changed in its ranges
 * since the last frame, in at most one {@code member_list_update}: the ranges whose content or order
 * changed, and the latest presence of each member of its ranges whose presence changed (five changes of
 * one user in an interval are one item). Nothing changed in its ranges: nothing is sent.
 *
 * <p>While the edge sheds presence ({@code LoadShedder}), presence items are held (latest per user) and
 * go out at the first flush after shedding ends; ranges that changed are sent regardless.
 *
 * <p>Per list, a flush compares the ranges under the list's lock, asks the presence app for the members
 * new in a range whose presence is not known here (one batch per list, outside any lock), then writes
 * the frames under the lock again.
 */
public final class MemberListFlusher implements Runnable {

    private static final Logger log = LoggerFactory.getLogger(MemberListFlusher.class);
    /** {@code edge.members.update.interval.ms}'s default. */
    public static final Duration DEFAULT_INTERVAL = Duration.ofSeconds(1);

    private final MemberListSubscriptions subscriptions;
    private final BooleanSupplier holdPresence;
    private final Counter updates;
    private final DistributionSummary items;
    private ScheduledFuture<?> task;

    /** @param holdPresence whether presence is being shed now (then presence items are held) */
    public MemberListFlusher(MemberListSubscriptions subscriptions, BooleanSupplier holdPresence, MeterRegistry metrics) {
        this.subscriptions = subscriptions;
        this.holdPresence = holdPresence;
        this.updates = metrics.counter("kchat.edge.members.updates");
        this.items = DistributionSummary.builder("kchat.edge.members.update.items")
                .description("presence items and members of ranges in one member_list_update").register(metrics);
    }

    /** Runs every {@code interval} on {@code executor} until {@link #stop}. */
    public synchronized void start(ScheduledExecutorService executor, Duration interval) {
        if (interval.isZero() || interval.isNegative()) {
            throw new IllegalArgumentException("edge.members.update.interval.ms must be positive, not " + interval.toMillis());
        }
        task = executor.scheduleWithFixedDelay(this, interval.toMillis(), interval.toMillis(), TimeUnit.MILLISECONDS);
    }

    public synchronized void stop() {
        if (task != null) {
            task.cancel(false);
        }
    }

    /** One interval's flush; a failure is logged and the next interval runs. */
    @Override
    public void run() {
        try {
            flush();
        } catch (RuntimeException e) {
            log.warn("member list flush failed", e);
        }
    }

    /** Sends every subscription on this edge what changed in its ranges since its last frame. */
    void flush() {
        for (ServerMemberList list : subscriptions.lists()) {
            List<String> unknown = list.prepare();
            Map<String, String> looked = subscriptions.presenceOf(unknown);
            for (int n : list.flush(looked, holdPresence.getAsBoolean())) {
                updates.increment();
                items.record(n);
            }
        }
    }
}
