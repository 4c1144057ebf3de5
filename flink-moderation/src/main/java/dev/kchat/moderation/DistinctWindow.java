package dev.kchat.moderation;

import java.util.Arrays;

/**
 * Distinct keys (conversations) seen within a sliding window of event time, for one subject.
 * Shared by {@link Flood} and {@link StrangerSpam}, and held as it is in the Flink job's keyed
 * state: a Flink POJO (public fields, no-argument constructor), the window and limit passed in by
 * the detector that owns it.
 *
 * <p>A key counts while less than the window has passed since it was last seen. Times must not go
 * backwards (the detectors clamp late events); the arrays are then in last-seen order, so expiry
 * only looks at their head. It holds at most {@code limit + 1} keys: to know whether more than
 * {@code limit} are in the window no more are needed, which bounds the state of a spammer.
 */
public final class DistinctWindow {

    /** Keys, least recently seen first. */
    public String[] keys = new String[0];
    /** When each key was last seen, epoch ms, parallel to {@link #keys}. */
    public long[] seen = new long[0];
    /** Event time of the last verdict, epoch ms; {@link Long#MIN_VALUE} if none. */
    public long lastVerdict = Long.MIN_VALUE;

    public DistinctWindow() {
    }

    /** Records {@code key} at {@code at} and returns how many distinct keys are in the window now. */
    int add(String key, long at, long windowMs, int limit) {
        expire(at, windowMs);
        int existing = Arrays.asList(keys).indexOf(key);
        if (existing >= 0) {
            remove(existing);
        }
        keys = Arrays.copyOf(keys, keys.length + 1);
        seen = Arrays.copyOf(seen, seen.length + 1);
        keys[keys.length - 1] = key;
        seen[seen.length - 1] = at;
        while (keys.length > limit + 1) {
            remove(0);
        }
        return keys.length;
    }

    /** Drops the keys the window has passed at {@code now}; true if none is left. */
    boolean expire(long now, long windowMs) {
        int drop = 0;
        while (drop < seen.length && now - seen[drop] >= windowMs) {
            drop++;
        }
        if (drop > 0) {
            keys = Arrays.copyOfRange(keys, drop, keys.length);
            seen = Arrays.copyOfRange(seen, drop, seen.length);
        }
        return keys.length == 0;
    }

    /** True if more than {@code limit} keys are in the window and no verdict was given within the last window. */
    boolean shouldReport(int distinct, long at, long windowMs, int limit) {
        if (distinct <= limit || (lastVerdict != Long.MIN_VALUE && at - lastVerdict < windowMs)) {
            return false;
        }
        lastVerdict = at;
        return true;
    }

    /** The oldest time still counted, for evidence. */
    long oldest() {
        return seen[0];
    }

    /** The latest time seen, epoch ms; {@link Long#MIN_VALUE} when empty. */
    long latest() {
        return seen.length == 0 ? Long.MIN_VALUE : seen[seen.length - 1];
    }

    private void remove(int index) {
        String[] k = new String[keys.length - 1];
        long[] s = new long[seen.length - 1];
        System.arraycopy(keys, 0, k, 0, index);
        System.arraycopy(keys, index + 1, k, index, keys.length - index - 1);
        System.arraycopy(seen, 0, s, 0, index);
        System.arraycopy(seen, index + 1, s, index, seen.length - index - 1);
        keys = k;
        seen = s;
    }
}
