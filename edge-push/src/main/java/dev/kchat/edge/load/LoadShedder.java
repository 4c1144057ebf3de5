package dev.kchat.edge.load;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.EnumMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Priority shedding at an edge ("sacrifice pawns to save the king"): under overload the edge gives up
 * signals in a fixed order, one more per check while the overload lasts: typing first, then presence
 * fan-out, then receipts are coalesced and delayed; messages are never shed. Calm for
 * {@link ShedConfig#recoverAfter()} takes back one step at a time.
 *
 * <p>Overload is read from what the edge already sees ({@link Signals}): how late inbox entries reach
 * it after their event (the pipeline behind it is saturated), how far its inbox consumer lags, how
 * many frames wait on its connections (clients or the edge's own I/O behind), and optionally the
 * machine's CPU. The decision is a plain function of the readings ({@link #check}); the edge calls it
 * every {@link ShedConfig#checkInterval()} and its parts ask {@link #level()}.
 */
public final class LoadShedder {

    private static final Logger log = LoggerFactory.getLogger(LoadShedder.class);

    /** What is being shed, in the order it starts. */
    public enum Level { NORMAL, SHED_TYPING, SHED_PRESENCE, COALESCE_RECEIPTS }

    /** What a shed or coalesced signal was, for the {@code kchat.edge.shed} counter. */
    public enum Kind { TYPING_IN, TYPING_OUT, PRESENCE, RECEIPT }

    /** One reading of the overload signals. */
    public record Reading(long delayMillis, long inboxLag, long queuedFrames, double cpu) {
    }

    /** Where the readings come from. */
    public interface Signals {
        Reading read();
    }

    private final ShedConfig config;
    private final Signals signals;
    private final Map<Kind, Counter> shed = new EnumMap<>(Kind.class);
    private volatile Level level = Level.NORMAL;
    private volatile Reading last = new Reading(0, 0, 0, 0);
    private long calmSince = -1;

    public LoadShedder(ShedConfig config, Signals signals, MeterRegistry metrics) {
        this.config = config;
        this.signals = signals;
        for (Kind kind : Kind.values()) {
            shed.put(kind, metrics.counter("kchat.edge.shed", "kind", kind.name().toLowerCase()));
        }
        metrics.gauge("kchat.edge.shed.level", this, s -> s.level.ordinal());
        metrics.gauge("kchat.edge.inbox.delay.ms", this, s -> s.last.delayMillis());
    }

    public Level level() {
        return level;
    }

    public boolean shedsTyping() {
        return level.compareTo(Level.SHED_TYPING) >= 0;
    }

    public boolean shedsPresence() {
        return level.compareTo(Level.SHED_PRESENCE) >= 0;
    }

    public boolean coalescesReceipts() {
        return level == Level.COALESCE_RECEIPTS;
    }

    /** Counts signals given up or held back. */
    public void shed(Kind kind, int n) {
        shed.get(kind).increment(n);
    }

    /**
     * Reads the signals and moves at most one level: up while any signal is at or above its
     * threshold, down after {@link ShedConfig#recoverAfter()} of all being calm.
     *
     * @return the level after the check
     */
    public synchronized Level check(long nowMillis) {
        Reading r = signals.read();
        last = r;
        Level before = level;
        if (overloaded(r, 1.0)) {
            calmSince = -1;
            if (before != Level.COALESCE_RECEIPTS) {
                level = Level.values()[before.ordinal() + 1];
            }
        } else if (!overloaded(r, ShedConfig.CALM_FRACTION)) {
            if (calmSince < 0) {
                calmSince = nowMillis;
            } else if (before != Level.NORMAL && nowMillis - calmSince >= config.recoverAfter().toMillis()) {
                level = Level.values()[before.ordinal() - 1];
                calmSince = nowMillis;
            }
        } else {
            // Between calm and overload: hold the level.
            calmSince = -1;
        }
        if (level != before) {
            log.warn("load shedding {} -> {} (inbox delay {} ms, inbox lag {}, queued frames {}, cpu {})", before, level,
                    r.delayMillis(), r.inboxLag(), r.queuedFrames(), String.format("%.2f", r.cpu()));
        }
        return level;
    }

    /** Whether any signal is at or above {@code fraction} of its threshold (a CPU threshold of 1 or more is off). */
    private boolean overloaded(Reading r, double fraction) {
        return r.delayMillis() >= config.delay().toMillis() * fraction
                || r.inboxLag() >= config.inboxLag() * fraction
                || r.queuedFrames() >= config.queuedFrames() * fraction
                || (config.cpu() < 1.0 && r.cpu() >= config.cpu() * fraction);
    }
}
