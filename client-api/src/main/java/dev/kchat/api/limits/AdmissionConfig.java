package dev.kchat.api.limits;

import dev.kchat.service.Settings;
import java.time.Duration;
import java.util.List;

/**
 * Settings of {@link WriteAdmission} and {@link PipelineBacklog}.
 *
 * <p>Sizing of the marks: a message in a group of ten is about a dozen records of backlog (its command,
 * its log event, one repartitioned entry per member), and this two-core box clears ~3,000 such records a
 * second (docs/benchmarks.md), so the defaults (3,000 and 15,000) start refusing at about one second of
 * queued work and refuse everything at about five. A larger deployment clears more per second and can
 * raise both.
 *
 * @param enabled       whether writes are ever refused
 * @param low           backlog (records) up to which nothing is refused
 * @param high          backlog from which every admissible write is refused
 * @param retryAfter    the wait told to a refused client
 * @param checkInterval how often the backlog is read from Kafka
 * @param groups        the consumer groups (Streams application ids) whose backlog counts
 */
public record AdmissionConfig(boolean enabled, long low, long high, Duration retryAfter, Duration checkInterval,
        List<String> groups) {

    public static final String PREFIX = "limits.admission.";

    public static final List<String[]> DOCUMENTED = List.of(
            new String[] {PREFIX + "enabled", "true", "refuse writes at the door (503 overloaded) while the pipeline's backlog is high"},
            new String[] {PREFIX + "backlog.low", "3000", "backlog (records routing and fanout have not consumed) up to which nothing is refused"},
            new String[] {PREFIX + "backlog.high", "15000", "backlog from which every send, create and member change is refused; between the marks a rising share"},
            new String[] {PREFIX + "retry.after", "1s", "the wait told to a refused client (Retry-After, retry_after_ms)"},
            new String[] {PREFIX + "check.interval", "1s", "how often each door reads the backlog from Kafka"},
            new String[] {PREFIX + "groups", "kchat-routing,kchat-fanout", "the Streams application ids whose backlog counts"});

    public AdmissionConfig {
        if (enabled && (low < 0 || high <= low)) {
            throw new IllegalArgumentException(PREFIX + "backlog.low must be 0 or more and below " + PREFIX + "backlog.high");
        }
        groups = List.copyOf(groups);
    }

    public static AdmissionConfig from(Settings s) {
        return new AdmissionConfig(
                s.bool(PREFIX + "enabled", true),
                s.longValue(PREFIX + "backlog.low", 3_000),
                s.longValue(PREFIX + "backlog.high", 15_000),
                s.duration(PREFIX + "retry.after", Duration.ofSeconds(1)),
                s.duration(PREFIX + "check.interval", Duration.ofSeconds(1)),
                List.of(s.string(PREFIX + "groups", "kchat-routing,kchat-fanout").split("\\s*,\\s*")));
    }

    /** Never refuses. */
    public static AdmissionConfig off() {
        return new AdmissionConfig(false, 0, 1, Duration.ofSeconds(1), Duration.ofSeconds(1), List.of());
    }
}
