package dev.kchat.moderation;

import java.time.Duration;
import java.time.Instant;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Distinct keys (conversations) seen within a sliding window of event time, for one subject.
 * Shared by {@link Flood} and {@link StrangerSpam}.
 *
 * <p>A key counts while less than the window has passed since it was last seen. Times must not go
 * backwards (the detectors clamp late events); the map is then in last-seen order, so expiry only
 * looks at its head. It holds at most {@code limit + 1} keys: to know whether more than
 * {@code limit} are in the window no more are needed, which bounds the state of a spammer.
 */
final class DistinctWindow {

    private final Duration window;
    private final int limit;
    private final LinkedHashMap<String, Instant> lastSeen = new LinkedHashMap<>();
    private Instant lastVerdict;

    DistinctWindow(Duration window, int limit) {
        this.window = window;
        this.limit = limit;
    }

    /** Records {@code key} at {@code at} and returns how many distinct keys are in the window now. */
    int add(String key, Instant at) {
        expire(at);
        lastSeen.remove(key);
        lastSeen.put(key, at);
        Iterator<String> oldest = lastSeen.keySet().iterator();
        while (lastSeen.size() > limit + 1) {
            oldest.next();
            oldest.remove();
        }
        return lastSeen.size();
    }

    /** Drops the keys the window has passed at {@code now}; true if none is left. */
    boolean expire(Instant now) {
        Iterator<Map.Entry<String, Instant>> it = lastSeen.entrySet().iterator();
        while (it.hasNext() && !inWindow(it.next().getValue(), now)) {
            it.remove();
        }
        return lastSeen.isEmpty();
    }

    /** True if more than {@code limit} keys are in the window and no verdict was given within the last window. */
    boolean shouldReport(int distinct, Instant at) {
        if (distinct <= limit || (lastVerdict != null && inWindow(lastVerdict, at))) {
            return false;
        }
        lastVerdict = at;
        return true;
    }

    /** The oldest time still counted, for evidence. */
    Instant oldest() {
        return lastSeen.values().iterator().next();
    }

    private boolean inWindow(Instant seen, Instant now) {
        return Duration.between(seen, now).compareTo(window) < 0;
    }
}
