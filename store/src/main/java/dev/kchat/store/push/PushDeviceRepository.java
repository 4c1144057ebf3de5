package dev.kchat.store.push;

import com.datastax.oss.driver.api.core.ConsistencyLevel;
import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.AsyncResultSet;
import com.datastax.oss.driver.api.core.cql.PreparedStatement;
import com.datastax.oss.driver.api.core.cql.Row;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;

/**
 * What a user reads about their own push devices (migration V009, written by {@link PushDeviceWriter}):
 * each registered device with its platform, when its token was registered, whether the provider
 * reported the token invalid, its last push's outcome and the counts per status of its recent pushes.
 * Bounded: at most {@link #MAX_TOKEN_ROWS} token rows of a user and {@link #RECENT_OUTCOMES} outcomes
 * of a device are read, the devices' outcomes all at once.
 */
public final class PushDeviceRepository {

    /** Token rows of one user read at most (one per device, plus a few removed ones not yet cleaned up). */
    public static final int MAX_TOKEN_ROWS = 500;
    /** Outcomes of one device counted at most, newest first, within {@link PushDeviceWriter#OUTCOME_RETENTION}. */
    public static final int RECENT_OUTCOMES = 100;

    /** What became of one push. {@code status}: DELIVERED, TOKEN_INVALID, REJECTED or FAILED. */
    public record Outcome(String pushId, String status, int attempts, String detail, Instant at) {
    }

    /**
     * A registered device. {@code removedAt}/{@code removedDetail}: when and why the provider reported
     * its token invalid (null while the token is live). {@code recent}: the device's last
     * {@code recentPushes} outcomes (at most {@link #RECENT_OUTCOMES}, at most 7 days old) counted per status.
     */
    public record Device(String deviceId, String platform, String appId, Instant registeredAt, Instant removedAt,
            String removedDetail, Optional<Outcome> lastOutcome, int recentPushes, Map<String, Integer> recent) {

        /** Whether the provider reported the device's token invalid: it gets no pushes until it registers again. */
        public boolean tokenInvalid() {
            return removedAt != null;
        }
    }

    private final CqlSession session;
    private final PreparedStatement tokens;
    private final PreparedStatement outcomes;

    public PushDeviceRepository(CqlSession session, String keyspace) {
        this.session = session;
        tokens = session.prepare("SELECT device_id, platform, app_id, registered_at, removed_at, removed_detail FROM "
                + keyspace + ".push_devices WHERE user_id = ? LIMIT " + MAX_TOKEN_ROWS);
        outcomes = session.prepare("SELECT at, push_id, status, attempts, detail FROM " + keyspace
                + ".push_outcomes_by_device WHERE user_id = ? AND device_id = ? LIMIT " + RECENT_OUTCOMES);
    }

    /**
     * The user's devices in device id order, each with its outcomes. A device whose token was
     * reported invalid is listed (marked) until it registers again or logs out; one logged out is not.
     *
     * @throws com.datastax.oss.driver.api.core.DriverException when the store cannot answer
     */
    public List<Device> devices(String userId) {
        Map<String, Row> current = new LinkedHashMap<>();
        for (Row r : session.execute(tokens.bind(userId).setConsistencyLevel(ConsistencyLevel.LOCAL_QUORUM))) {
            if (r.getInstant("registered_at") == null) {
                continue; // an invalid-token mark on a token the device had already replaced
            }
            current.merge(r.getString("device_id"), r, PushDeviceRepository::newer);
        }
        List<CompletableFuture<List<Outcome>>> pending = new ArrayList<>(current.size());
        for (String device : current.keySet()) {
            pending.add(session.executeAsync(outcomes.bind(userId, device).setConsistencyLevel(ConsistencyLevel.LOCAL_QUORUM))
                    .thenCompose(first -> collect(first, new ArrayList<>())).toCompletableFuture());
        }
        List<Device> out = new ArrayList<>(current.size());
        int i = 0;
        for (Row r : current.values()) {
            List<Outcome> recent = join(pending.get(i++));
            Map<String, Integer> counts = new LinkedHashMap<>();
            recent.forEach(o -> counts.merge(o.status(), 1, Integer::sum));
            out.add(new Device(r.getString("device_id"), r.getString("platform"), r.getString("app_id"),
                    r.getInstant("registered_at"), r.getInstant("removed_at"), r.getString("removed_detail"),
                    recent.stream().findFirst(), recent.size(), counts));
        }
        out.sort(Comparator.comparing(Device::deviceId));
        return out;
    }

    /** Of two token rows of one device: a live one over a removed one, then the later registration. */
    private static Row newer(Row a, Row b) {
        boolean aLive = a.getInstant("removed_at") == null;
        boolean bLive = b.getInstant("removed_at") == null;
        if (aLive != bLive) {
            return aLive ? a : b;
        }
        return a.getInstant("registered_at").isBefore(b.getInstant("registered_at")) ? b : a;
    }

    private static CompletionStage<List<Outcome>> collect(AsyncResultSet page, List<Outcome> into) {
        for (Row r : page.currentPage()) {
            into.add(new Outcome(r.getString("push_id"), r.getString("status"), r.getInt("attempts"), r.getString("detail"),
                    r.getInstant("at")));
        }
        return page.hasMorePages() ? page.fetchNextPage().thenCompose(next -> collect(next, into))
                : CompletableFuture.completedFuture(into);
    }

    private static <T> T join(CompletableFuture<T> future) {
        try {
            return future.join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof RuntimeException cause) {
                throw cause;
            }
            throw e;
        }
    }
}
