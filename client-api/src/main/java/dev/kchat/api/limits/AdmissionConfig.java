package dev.kchat.api.limits;

import dev.kchat.service.Settings;
import java.time.Duration;
import java.util.List;

/**
 * Settings of {@link WriteAdmission} and {@link PipelineBacklog}.
 *
 * <p>The marks are times, not record counts, so the same settings fit a two-core box and a cluster: the
 * wait of a message admitted now is about the backlog divided by the rate the pipeline clears it at, both
 * read from Kafka. Below {@code backlog.min} records nothing is refused whatever the estimate says (an
 * idle pipeline clears nothing and still shows a transaction marker per partition).
 *
 * @param enabled       whether writes are ever refused
 * @param minBacklog    backlog (records) up to which nothing is refused
 * @param low           estimated wait up to which nothing is refused
 * @param high          estimated wait from which every admissible write is refused
 * @param retryAfter    the wait told to a refused client
 * @param checkInterval how often the backlog is read from Kafka
 * @param rateWindow    over how long the pipeline's clearing rate is measured (longer than the apps'
 *                      commit interval: under at-least-once, 30 s by default)
 * @param groups        the consumer groups (Streams application ids) whose backlog counts
 */
public record AdmissionConfig(boolean enabled, long minBacklog, Duration low, Duration high, Duration retryAfter,
        Duration checkInterval, Duration rateWindow, List<String> groups) {

    public static final String PREFIX = "limits.admission.";

    public static final List<String[]> DOCUMENTED = List.of(
            new String[] {PREFIX + "enabled", "true", "refuse writes at the door (503 overloaded) while the pipeline is too far behind"},
            new String[] {PREFIX + "wait.low", "500ms", "estimated wait (backlog / clearing rate) up to which nothing is refused"},
            new String[] {PREFIX + "wait.high", "2s", "estimated wait from which every send, create and member change is refused; between the marks a rising share"},
            new String[] {PREFIX + "backlog.min", "200", "backlog (records routing and fanout have not consumed) up to which nothing is refused"},
            new String[] {PREFIX + "retry.after", "1s", "the wait told to a refused client (Retry-After, retry_after_ms)"},
            new String[] {PREFIX + "check.interval", "1s", "how often each door reads the backlog from Kafka"},
            new String[] {PREFIX + "rate.window", "10s", "over how long the clearing rate is measured (above the apps' commit interval)"},
            new String[] {PREFIX + "groups", "kchat-routing,kchat-fanout", "the Streams application ids whose backlog counts"});

    public AdmissionConfig {
        if (enabled && (minBacklog < 0 || high.compareTo(low) <= 0 || low.isNegative())) {
            throw new IllegalArgumentException(PREFIX + "wait.low must be 0 or more and below " + PREFIX + "wait.high, and "
                    + PREFIX + "backlog.min 0 or more");
        }
        groups = List.copyOf(groups);
    }

    public static AdmissionConfig from(Settings s) {
        return new AdmissionConfig(
                s.bool(PREFIX + "enabled", true),
                s.longValue(PREFIX + "backlog.min", 200),
                s.duration(PREFIX + "wait.low", Duration.ofMillis(500)),
                s.duration(PREFIX + "wait.high", Duration.ofSeconds(2)),
                s.duration(PREFIX + "retry.after", Duration.ofSeconds(1)),
                s.duration(PREFIX + "check.interval", Duration.ofSeconds(1)),
                s.duration(PREFIX + "rate.window", Duration.ofSeconds(10)),
                List.of(s.string(PREFIX + "groups", "kchat-routing,kchat-fanout").split("\\s*,\\s*")));
    }

    /** Never refuses. */
    public static AdmissionConfig off() {
        return new AdmissionConfig(false, 0, Duration.ZERO, Duration.ofSeconds(1), Duration.ofSeconds(1), Duration.ofSeconds(1),
                Duration.ofSeconds(10), List.of());
    }
}
