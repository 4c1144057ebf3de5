package dev.kchat.store.push;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.BoundStatement;
import com.datastax.oss.driver.api.core.cql.BoundStatementBuilder;
import com.datastax.oss.driver.api.core.cql.PreparedStatement;
import dev.kchat.events.push.PushOutcome;
import dev.kchat.events.push.PushSettingsEvent;
import dev.kchat.events.push.PushTokenRegistered;
import dev.kchat.events.push.PushTokenRemoved;
import dev.kchat.events.push.TokenRemovalReason;
import dev.kchat.store.write.ChatWriter;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;

/**
 * The statements that store a user's push devices and what became of their pushes (migration V009):
 * tokens registered and removed from {@code push.settings}, and each {@code push.outcomes} record in
 * its device's partition. Device rows are written {@code USING TIMESTAMP} of the event's time, so a
 * replay in any order leaves the same rows (a registration deletes the device's older tokens; a
 * token the provider reported invalid stays, marked removed, for the user to see; a logout deletes).
 * The other {@code push.settings} events (mutes, do-not-disturb, previews) store nothing.
 *
 * <p>Event times come from different clocks (ingress for what a user did, the delivery side for an
 * invalid token); two events of one device less apart than their clocks' skew may be ordered wrongly.
 */
public final class PushDeviceWriter {

    /** How long outcomes are kept: as long as {@code push.outcomes} keeps them. */
    public static final Duration OUTCOME_RETENTION = Duration.ofDays(7);

    private final Clock clock;
    private final PreparedStatement deviceDeleted;
    private final PreparedStatement tokenDeleted;
    private final PreparedStatement tokenRegistered;
    private final PreparedStatement tokenInvalid;
    private final PreparedStatement outcome;

    public PushDeviceWriter(CqlSession session, String keyspace) {
        this(session, keyspace, Clock.systemUTC());
    }

    /** {@code clock} sets how long an outcome has left to live (its time plus {@link #OUTCOME_RETENTION}). */
    public PushDeviceWriter(CqlSession session, String keyspace, Clock clock) {
        this.clock = clock;
        String devices = keyspace + ".push_devices";
        deviceDeleted = session.prepare("DELETE FROM " + devices + " USING TIMESTAMP :ts WHERE user_id = :user_id"
                + " AND device_id = :device_id");
        tokenDeleted = session.prepare("DELETE FROM " + devices + " USING TIMESTAMP :ts WHERE user_id = :user_id"
                + " AND device_id = :device_id AND token_sha256 = :token_sha256");
        tokenRegistered = session.prepare("INSERT INTO " + devices + " (user_id, device_id, token_sha256, platform, app_id,"
                + " registered_at) VALUES (:user_id, :device_id, :token_sha256, :platform, :app_id, :registered_at)"
                + " USING TIMESTAMP :ts");
        tokenInvalid = session.prepare("UPDATE " + devices + " USING TIMESTAMP :ts SET removed_at = :removed_at,"
                + " removed_detail = :removed_detail WHERE user_id = :user_id AND device_id = :device_id"
                + " AND token_sha256 = :token_sha256");
        outcome = session.prepare("INSERT INTO " + keyspace + ".push_outcomes_by_device (user_id, device_id, at, push_id,"
                + " platform, status, attempts, detail) VALUES (:user_id, :device_id, :at, :push_id, :platform, :status,"
                + " :attempts, :detail) USING TTL :ttl");
    }

    /** A {@code push.settings} event: a token registered or removed; nothing for the other events. */
    public List<BoundStatement> statementsFor(PushSettingsEvent e) {
        long ts = micros(e.getAt());
        if (e.getEvent() instanceof PushTokenRegistered r) {
            return List.of(
                    finish(deviceDeleted.boundStatementBuilder().setString("user_id", e.getUserId())
                            .setString("device_id", r.getDeviceId()).setLong("ts", ts)),
                    // One microsecond later than the delete, which would otherwise hide it.
                    finish(tokenRegistered.boundStatementBuilder().setString("user_id", e.getUserId())
                            .setString("device_id", r.getDeviceId()).setString("token_sha256", sha256(r.getToken()))
                            .setString("platform", r.getPlatform().name()).setString("app_id", r.getAppId())
                            .setInstant("registered_at", e.getAt()).setLong("ts", ts + 1)));
        }
        if (e.getEvent() instanceof PushTokenRemoved r) {
            if (r.getToken() == null) {
                return List.of(finish(deviceDeleted.boundStatementBuilder().setString("user_id", e.getUserId())
                        .setString("device_id", r.getDeviceId()).setLong("ts", ts)));
            }
            if (r.getReason() == TokenRemovalReason.INVALID) {
                return List.of(finish(tokenInvalid.boundStatementBuilder().setString("user_id", e.getUserId())
                        .setString("device_id", r.getDeviceId()).setString("token_sha256", sha256(r.getToken()))
                        .setInstant("removed_at", e.getAt()).setString("removed_detail", r.getDetail()).setLong("ts", ts)));
            }
            return List.of(finish(tokenDeleted.boundStatementBuilder().setString("user_id", e.getUserId())
                    .setString("device_id", r.getDeviceId()).setString("token_sha256", sha256(r.getToken()))
                    .setLong("ts", ts)));
        }
        return List.of();
    }

    /**
     * A push's outcome in its device's partition, living until {@link #OUTCOME_RETENTION} after its
     * time; none for an outcome older than that (a replay of a topic kept longer).
     */
    public List<BoundStatement> statementsFor(PushOutcome o) {
        long ttl = OUTCOME_RETENTION.minus(Duration.between(o.getAt(), clock.instant())).toSeconds();
        if (ttl <= 0) {
            return List.of();
        }
        return List.of(finish(outcome.boundStatementBuilder().setString("user_id", o.getUserId())
                .setString("device_id", o.getDeviceId()).setInstant("at", o.getAt()).setString("push_id", o.getPushId())
                .setString("platform", o.getPlatform().name()).setString("status", o.getStatus().name())
                .setInt("attempts", o.getAttempts()).setString("detail", o.getDetail())
                .setInt("ttl", (int) Math.min(ttl, OUTCOME_RETENTION.toSeconds()))));
    }

    /** The hex SHA-256 of a token: which token a row is, without keeping the token. */
    static String sha256(String token) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }

    /** Microseconds, as the driver's own write timestamps. */
    private static long micros(Instant at) {
        return at.toEpochMilli() * 1000;
    }

    private static BoundStatement finish(BoundStatementBuilder b) {
        return b.setConsistencyLevel(ChatWriter.WRITE_CONSISTENCY).setIdempotence(true).build();
    }
}
