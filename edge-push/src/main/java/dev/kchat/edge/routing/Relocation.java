package dev.kchat.edge.routing;

import dev.kchat.api.EdgeDirectory;
import dev.kchat.edge.session.Session;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends the clients of partitions this edge lost in a rebalance to their new edge. Cooperative
 * rebalancing revokes a partition one round before it assigns it elsewhere, so at revocation the new
 * owner is not known yet: the clients wait while the group is read again, once per round for all.
 */
public final class Relocation {

    private static final Logger log = LoggerFactory.getLogger(Relocation.class);
    /** How long clients of a lost partition wait for the group to name its new owner before they are told to reconnect without one. */
    private static final Duration NEW_OWNER_WAIT = Duration.ofSeconds(5);
    private static final Duration NEW_OWNER_POLL = Duration.ofMillis(200);

    private final EdgeDirectory directory;
    private final Owners owners;
    private final ScheduledExecutorService workers;
    private final BooleanSupplier stopping;
    /** Sessions of lost partitions waiting to learn the new owner, with the deadline of that wait. */
    private final Map<Session, Long> relocating = new ConcurrentHashMap<>();
    private final AtomicBoolean scheduled = new AtomicBoolean();

    public Relocation(EdgeDirectory directory, Owners owners, ScheduledExecutorService workers, BooleanSupplier stopping) {
        this.directory = directory;
        this.owners = owners;
        this.workers = workers;
        this.stopping = stopping;
    }

    /** The session's partition moved away. Called on the consumer thread inside a rebalance: does not block. */
    public void partitionLost(Session session) {
        if (stopping.getAsBoolean()) {
            return; // its client is being told that this edge stops
        }
        relocating.putIfAbsent(session, System.nanoTime() + NEW_OWNER_WAIT.toNanos());
        schedule();
    }

    /** The session is gone. */
    public void forget(Session session) {
        relocating.remove(session);
    }

    private void schedule() {
        if (scheduled.compareAndSet(false, true)) {
            workers.schedule(this::relocate, NEW_OWNER_POLL.toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    /**
     * One round: reads the group once for all waiting clients; a client whose new owner is not known
     * by its deadline is told to reconnect without one (it asks GET /v1/edge).
     */
    private void relocate() {
        scheduled.set(false);
        Map<Integer, String> byPartition;
        try {
            byPartition = directory.ownersNow();
        } catch (RuntimeException e) {
            log.warn("edge directory unavailable while relocating {} clients: {}", relocating.size(), e.toString());
            byPartition = Map.of();
        }
        long now = System.nanoTime();
        for (Map.Entry<Session, Long> waiting : relocating.entrySet()) {
            Session session = waiting.getKey();
            String owner = byPartition.get(owners.partitionOf(session.userId()));
            if (owners.edgeUrl().equals(owner)) {
                owner = null; // the group still shows this edge: not the new owner
            }
            if (owner != null || now - waiting.getValue() >= 0) {
                relocating.remove(session);
                session.reconnectTo(owner);
            }
        }
        if (!relocating.isEmpty()) {
            schedule();
        }
    }
}
