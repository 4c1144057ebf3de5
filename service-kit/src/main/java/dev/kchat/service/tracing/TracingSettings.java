package dev.kchat.service.tracing;

import dev.kchat.service.Settings;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * How a component traces (keys in parentheses; environment {@code KCHAT_} + upper case, e.g.
 * {@code KCHAT_TRACING_ENABLED}). Off by default: then the component runs on a no-op OpenTelemetry
 * and a message's path costs a header lookup per stage, nothing else.
 *
 * @param enabled       export spans at all ({@value #ENABLED}, default false)
 * @param endpoint      where spans go: an OTLP/HTTP traces endpoint taking protobuf
 *                      ({@value #ENDPOINT}, default {@value #DEFAULT_ENDPOINT}), a collector or Jaeger
 * @param sampleRatio   share of new traces kept, decided at the door that starts a trace; every later
 *                      stage follows its parent's decision ({@value #SAMPLE_RATIO}, default 1.0)
 * @param serviceName   {@code service.name} of the spans ({@value #SERVICE_NAME}; default per app:
 *                      kchat-ingress, kchat-edge, kchat-routing, kchat-fanout, kchat-sink, ...)
 * @param queueSize     spans held for export; beyond it new spans are dropped, never waited for
 *                      ({@value #QUEUE_SIZE}, default {@value #DEFAULT_QUEUE_SIZE})
 * @param batchSize     spans per export request ({@value #BATCH_SIZE}, default {@value #DEFAULT_BATCH_SIZE})
 * @param batchDelay    longest a finished span waits before its batch is sent ({@value #BATCH_DELAY},
 *                      default 1 s)
 * @param exportTimeout how long one export request may take ({@value #EXPORT_TIMEOUT}, default 10 s);
 *                      also the bound of the flush when the component stops
 */
public record TracingSettings(boolean enabled, URI endpoint, double sampleRatio, String serviceName, int queueSize,
        int batchSize, Duration batchDelay, Duration exportTimeout) {

    public static final String ENABLED = "tracing.enabled";
    public static final String ENDPOINT = "tracing.otlp.endpoint";
    public static final String SAMPLE_RATIO = "tracing.sample.ratio";
    public static final String SERVICE_NAME = "tracing.service.name";
    public static final String QUEUE_SIZE = "tracing.queue.size";
    public static final String BATCH_SIZE = "tracing.batch.size";
    public static final String BATCH_DELAY = "tracing.batch.delay";
    public static final String EXPORT_TIMEOUT = "tracing.export.timeout";

    /** OTLP/HTTP's standard port and path on this machine (an OpenTelemetry Collector or Jaeger). */
    public static final String DEFAULT_ENDPOINT = "http://localhost:4318/v1/traces";
    public static final double DEFAULT_SAMPLE_RATIO = 1.0;
    /** The SDK's default: about 2,048 spans of a few hundred bytes each, under a megabyte. */
    public static final int DEFAULT_QUEUE_SIZE = 2_048;
    public static final int DEFAULT_BATCH_SIZE = 512;
    public static final Duration DEFAULT_BATCH_DELAY = Duration.ofSeconds(1);
    public static final Duration DEFAULT_EXPORT_TIMEOUT = Duration.ofSeconds(10);

    public TracingSettings {
        Objects.requireNonNull(endpoint, "endpoint");
        Objects.requireNonNull(serviceName, "serviceName");
        Objects.requireNonNull(batchDelay, "batchDelay");
        Objects.requireNonNull(exportTimeout, "exportTimeout");
        String scheme = endpoint.getScheme();
        if (!"http".equals(scheme) && !"https".equals(scheme) || endpoint.getHost() == null) {
            throw new Settings.ConfigException(ENDPOINT, "must be an http(s) URL with a host, was " + endpoint);
        }
        if (!(sampleRatio >= 0.0 && sampleRatio <= 1.0)) {
            throw new Settings.ConfigException(SAMPLE_RATIO, "must be between 0.0 and 1.0, was " + sampleRatio);
        }
        if (serviceName.isBlank()) {
            throw new Settings.ConfigException(SERVICE_NAME, "must not be blank");
        }
        if (queueSize < 1) {
            throw new Settings.ConfigException(QUEUE_SIZE, "must be >= 1, was " + queueSize);
        }
        if (batchSize < 1 || batchSize > queueSize) {
            throw new Settings.ConfigException(BATCH_SIZE, "must be 1 to " + QUEUE_SIZE + " (" + queueSize + "), was " + batchSize);
        }
        if (batchDelay.isNegative() || batchDelay.isZero()) {
            throw new Settings.ConfigException(BATCH_DELAY, "must be a positive duration, was " + batchDelay);
        }
        if (exportTimeout.isNegative() || exportTimeout.isZero()) {
            throw new Settings.ConfigException(EXPORT_TIMEOUT, "must be a positive duration, was " + exportTimeout);
        }
    }

    /**
     * Reads the tracing settings, applying the documented defaults.
     *
     * @param defaultServiceName the app's {@code service.name} when {@value #SERVICE_NAME} is not set
     */
    public static TracingSettings from(Settings settings, String defaultServiceName) {
        String ratio = settings.string(SAMPLE_RATIO, String.valueOf(DEFAULT_SAMPLE_RATIO));
        double sampleRatio;
        try {
            sampleRatio = Double.parseDouble(ratio);
        } catch (NumberFormatException e) {
            throw new Settings.ConfigException(SAMPLE_RATIO, "has invalid value '" + ratio + "': expected a number from 0.0 to 1.0");
        }
        String endpoint = settings.string(ENDPOINT, DEFAULT_ENDPOINT);
        URI uri;
        try {
            uri = URI.create(endpoint);
        } catch (IllegalArgumentException e) {
            throw new Settings.ConfigException(ENDPOINT, "has invalid value '" + endpoint + "': " + e.getMessage());
        }
        return new TracingSettings(
                settings.bool(ENABLED, false),
                uri,
                sampleRatio,
                settings.string(SERVICE_NAME, defaultServiceName),
                settings.integer(QUEUE_SIZE, DEFAULT_QUEUE_SIZE),
                settings.integer(BATCH_SIZE, DEFAULT_BATCH_SIZE),
                settings.duration(BATCH_DELAY, DEFAULT_BATCH_DELAY),
                settings.duration(EXPORT_TIMEOUT, DEFAULT_EXPORT_TIMEOUT));
    }

    /** Tracing off, for components started without settings (tests, tools). */
    public static TracingSettings off(String serviceName) {
        return from(Settings.of(java.util.Map.of()), serviceName);
    }

    /** The documented settings (key, default, meaning), for an app's {@code --help}. */
    public static List<String[]> documented(String defaultServiceName) {
        return List.of(
                new String[] {ENABLED, "false", "export spans (OpenTelemetry, W3C trace context in Kafka headers)"},
                new String[] {ENDPOINT, DEFAULT_ENDPOINT, "OTLP/HTTP (protobuf) traces endpoint: a collector or Jaeger"},
                new String[] {SAMPLE_RATIO, String.valueOf(DEFAULT_SAMPLE_RATIO),
                        "share of traces kept, decided at the door; later stages follow the parent"},
                new String[] {SERVICE_NAME, defaultServiceName, "service.name of this component's spans"},
                new String[] {QUEUE_SIZE, String.valueOf(DEFAULT_QUEUE_SIZE), "spans held for export; more are dropped, never waited for"},
                new String[] {BATCH_SIZE, String.valueOf(DEFAULT_BATCH_SIZE), "spans per export request"},
                new String[] {BATCH_DELAY, "1s", "longest a finished span waits for its export"},
                new String[] {EXPORT_TIMEOUT, "10s", "time limit of one export, and of the flush at shutdown"});
    }
}
