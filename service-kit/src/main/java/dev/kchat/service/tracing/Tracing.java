package dev.kchat.service.tracing;

import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.ContextPropagators;
import io.opentelemetry.context.propagation.TextMapPropagator;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;
import io.opentelemetry.sdk.trace.samplers.Sampler;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.header.Headers;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A component's tracing: the OpenTelemetry instance built from its {@link TracingSettings}, and the
 * three things the message path does with it. A door (ingress, the edge's {@code send} frame) starts a
 * trace ({@link #startTrace}); every later stage continues the trace of the record it read
 * ({@link #continueFrom}) and writes its own span's context into the records it produces
 * ({@link #inject}), so a message's path is one trace of parent and child spans.
 *
 * <p>Off ({@link #off()}, or {@code tracing.enabled=false}) everything here is a no-op: no SDK, no
 * exporter thread, {@link Span#getInvalid()} for every span, headers left as they are. A stage then
 * costs one header lookup per record.
 *
 * <p>On, spans go through a batch processor with a bounded queue (spans beyond it are dropped, a
 * stage never waits for the exporter) to an OTLP/HTTP exporter on the JDK's HTTP client. The sampler
 * is parent-based: the door keeps {@code tracing.sample.ratio} of new traces and every later stage
 * follows the decision carried in {@code traceparent}. A stage never starts a trace of its own: a
 * record without a trace context (written by a component with tracing off, or a replay of an old
 * one) gets no span. {@link #close()} flushes what is queued.
 */
public final class Tracing implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(Tracing.class);

    /** Instrumentation scope of every kchat span. */
    public static final String SCOPE = "dev.kchat";
    /** The W3C header a trace context travels in; its absence is the cheap check of {@link #continueFrom}. */
    public static final String TRACEPARENT = "traceparent";

    private static final Tracing OFF = new Tracing(OpenTelemetry.noop(), null);

    private final OpenTelemetry openTelemetry;
    private final OpenTelemetrySdk sdk;
    private final Tracer tracer;
    private final TextMapPropagator propagator;

    private Tracing(OpenTelemetry openTelemetry, OpenTelemetrySdk sdk) {
        this.openTelemetry = openTelemetry;
        this.sdk = sdk;
        this.tracer = openTelemetry.getTracer(SCOPE);
        this.propagator = openTelemetry.getPropagators().getTextMapPropagator();
    }

    /** No tracing: every span is a no-op and headers are left alone. */
    public static Tracing off() {
        return OFF;
    }

    /**
     * The tracing of a component: {@link #off()} unless {@code settings.enabled()}, else an SDK
     * exporting over OTLP/HTTP to {@code settings.endpoint()} as {@code settings.serviceName()}.
     * Nothing is registered globally: each component in a JVM (the local runner runs them all in
     * one) has its own and names itself.
     */
    public static Tracing start(TracingSettings settings) {
        if (!settings.enabled()) {
            return OFF;
        }
        OtlpHttpSpanExporter exporter = OtlpHttpSpanExporter.builder()
                .setEndpoint(settings.endpoint().toString())
                .setTimeout(settings.exportTimeout())
                .build();
        BatchSpanProcessor batches = BatchSpanProcessor.builder(exporter)
                .setMaxQueueSize(settings.queueSize())
                .setMaxExportBatchSize(settings.batchSize())
                .setScheduleDelay(settings.batchDelay())
                .setExporterTimeout(settings.exportTimeout())
                .build();
        SdkTracerProvider provider = SdkTracerProvider.builder()
                .setResource(Resource.getDefault().merge(Resource.create(
                        Attributes.of(AttributeKey.stringKey("service.name"), settings.serviceName()))))
                .setSampler(Sampler.parentBased(Sampler.traceIdRatioBased(settings.sampleRatio())))
                .addSpanProcessor(batches)
                .build();
        log.info("tracing on: {} exports to {} (sample ratio {})", settings.serviceName(), settings.endpoint(),
                settings.sampleRatio());
        return of(OpenTelemetrySdk.builder()
                .setTracerProvider(provider)
                .setPropagators(ContextPropagators.create(W3CTraceContextPropagator.getInstance()))
                .build());
    }

    /** Tracing over a given SDK (tests export to memory); {@link #close()} shuts it down. */
    public static Tracing of(OpenTelemetrySdk sdk) {
        return new Tracing(Objects.requireNonNull(sdk, "sdk"), sdk);
    }

    /** Whether spans are recorded and exported at all. */
    public boolean enabled() {
        return sdk != null;
    }

    /** The OpenTelemetry instance (no-op when off), for libraries that take one. */
    public OpenTelemetry openTelemetry() {
        return openTelemetry;
    }

    /**
     * Starts a new trace at a door: a span without a parent (a context the client sent is not trusted
     * as one), sampled at {@code tracing.sample.ratio}. End it when the door has answered.
     */
    public Span startTrace(String name, SpanKind kind) {
        if (sdk == null) {
            return Span.getInvalid();
        }
        return tracer.spanBuilder(name).setNoParent().setSpanKind(kind).startSpan();
    }

    /**
     * Starts a stage's span as the child of the span whose context the record's headers carry; a
     * no-op span if they carry none (or tracing is off). End it when the stage is done with the record.
     */
    public Span continueFrom(Headers headers, String name, SpanKind kind) {
        if (sdk == null || headers == null || headers.lastHeader(TRACEPARENT) == null) {
            return Span.getInvalid();
        }
        Context upstream = propagator.extract(Context.root(), headers, KafkaHeadersPropagation.INSTANCE);
        if (!Span.fromContext(upstream).getSpanContext().isValid()) {
            return Span.getInvalid();
        }
        return tracer.spanBuilder(name).setParent(upstream).setSpanKind(kind).startSpan();
    }

    /**
     * Writes the span's context into record headers (replacing an upstream {@code traceparent}), so
     * the records produced with them are its children. Nothing for a no-op span: the headers keep
     * whatever context they had.
     */
    public void inject(Span span, Headers headers) {
        if (span.getSpanContext().isValid()) {
            propagator.inject(Context.root().with(span), headers, KafkaHeadersPropagation.INSTANCE);
        }
    }

    /** The span's context as header name to text, for producers that take headers as a map; empty for a no-op span. */
    public Map<String, String> headers(Span span) {
        if (!span.getSpanContext().isValid()) {
            return Map.of();
        }
        Map<String, String> out = new HashMap<>(4);
        propagator.inject(Context.root().with(span), out, (carrier, key, value) -> carrier.put(key, value));
        return out;
    }

    /** Ends a span, marked as failed with the failure's type if there is one. */
    public static void end(Span span, Throwable failure) {
        if (failure != null && span.isRecording()) {
            span.recordException(failure);
            span.setStatus(StatusCode.ERROR, failure.getClass().getSimpleName());
        }
        span.end();
    }

    /** Flushes the queued spans (waiting at most 15 s for the exporter) and stops it. Idempotent. */
    @Override
    public void close() {
        if (sdk == null) {
            return;
        }
        CompletableResultCode done = sdk.shutdown().join(15, TimeUnit.SECONDS);
        if (!done.isSuccess()) {
            log.warn("tracing: queued spans not all exported at shutdown");
        }
    }
}
