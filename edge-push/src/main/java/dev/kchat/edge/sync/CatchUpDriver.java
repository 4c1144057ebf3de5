package dev.kchat.edge.sync;

import dev.kchat.edge.protocol.Frames;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the replays from the store on the workers: reads a page after the device's last written
 * seq, applies it to its {@link InboxCursor}, and decides the next step. Each replay has a deadline
 * ({@code edge.catch.up.timeout}) that restarts whenever the replay moves on; it ends a wait for the
 * sink (4009 {@code resync}), for a client that stopped reading (4008), or for an inbox that never
 * reaches the device's SyncKey (4009 {@code sync_key_ahead}, with the newest inbox seq known).
 */
public final class CatchUpDriver {

    private static final Logger log = LoggerFactory.getLogger(CatchUpDriver.class);
    private static final Duration RETRY = Duration.ofMillis(100);
    /** Pause of a replay while its client reads what was written (see {@link InboxCursor#applyReplay}). */
    private static final Duration PAUSE = Duration.ofMillis(10);

    private final StoredInbox store;
    private final ScheduledExecutorService workers;
    private final Duration timeout;
    private final Map<ReplayTarget, Long> deadlines = new ConcurrentHashMap<>();

    public CatchUpDriver(StoredInbox store, ScheduledExecutorService workers, Duration timeout) {
        this.store = store;
        this.workers = workers;
        this.timeout = timeout;
    }

    /** Starts (or continues) replaying to the target, on a worker. Does not block. */
    public void schedule(ReplayTarget target) {
        deadlines.putIfAbsent(target, System.nanoTime() + timeout.toNanos());
        workers.execute(() -> catchUp(target));
    }

    /** The target is gone: drop its deadline. */
    public void forget(ReplayTarget target) {
        deadlines.remove(target);
    }

    private void catchUp(ReplayTarget target) {
        try {
            if (target.isClosed()) {
                deadlines.remove(target);
                return;
            }
            applyPage(target, store.after(target.userId(), target.lastWritten()));
        } catch (RuntimeException e) {
            log.warn("{}: catch-up failed: {}", target, e.toString());
            deadlines.remove(target);
            target.send(Frames.error("store_unavailable", "history is unavailable; reconnect shortly", null));
            target.close(Frames.CLOSE_RESYNC, "store_unavailable");
        }
    }

    /** Applies the same page again after a pause for the client to read. */
    private void resume(ReplayTarget target, StoredInbox.Page page) {
        try {
            applyPage(target, page);
        } catch (RuntimeException e) {
            log.error("{}: replay failed", target, e);
            deadlines.remove(target);
            target.send(Frames.error("internal_error", "replay failed; reconnect with your last inbox_seq", null));
            target.close(Frames.CLOSE_RESYNC, "internal_error");
        }
    }

    private void applyPage(ReplayTarget target, StoredInbox.Page page) {
        long before = target.lastWritten();
        InboxCursor.Step next = target.applyReplay(page.entries(), page.hasMore(), page.head());
        if (target.lastWritten() > before) {
            deadlines.put(target, System.nanoTime() + timeout.toNanos());
        }
        long now = System.nanoTime();
        boolean expired = now - deadlines.computeIfAbsent(target, t -> now + timeout.toNanos()) >= 0;
        switch (next) {
            case DONE -> deadlines.remove(target);
            case NEXT_PAGE -> workers.execute(() -> catchUp(target));
            case PAUSED -> {
                if (expired) {
                    deadlines.remove(target);
                    target.cutOffSlow();
                } else {
                    workers.schedule(() -> resume(target, page), PAUSE.toMillis(), TimeUnit.MILLISECONDS);
                }
            }
            case WAITING_FOR_STORE -> {
                if (expired) {
                    deadlines.remove(target);
                    log.warn("{}: inbox gap after {} did not reach the store within {}", target, target.lastWritten(), timeout);
                    target.send(Frames.error("resync", "history is behind; reconnect with inbox_seq " + target.lastWritten(), null));
                    target.close(Frames.CLOSE_RESYNC, "resync");
                } else {
                    retry(target);
                }
            }
            case AHEAD_OF_INBOX -> {
                if (expired) {
                    deadlines.remove(target);
                    long head = target.newestKnown();
                    log.info("{}: SyncKey {} is ahead of the newest inbox seq {} after {}", target, target.lastWritten(), head, timeout);
                    target.send(Frames.error("sync_key_ahead", "since_inbox_seq " + target.lastWritten()
                            + " is ahead of your inbox; reconnect with inbox_seq " + head, head));
                    target.close(Frames.CLOSE_RESYNC, "sync_key_ahead");
                } else {
                    retry(target);
                }
            }
        }
    }

    private void retry(ReplayTarget target) {
        workers.schedule(() -> catchUp(target), RETRY.toMillis(), TimeUnit.MILLISECONDS);
    }
}
