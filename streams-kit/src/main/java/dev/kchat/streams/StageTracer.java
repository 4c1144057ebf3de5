package dev.kchat.streams;

import dev.kchat.service.tracing.Tracing;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import java.util.function.BiConsumer;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;

/**
 * The span of one stage of a Streams app (routing's decision, fanout's conversation and inbox stages)
 * around each record it processes: a child of the span whose context the record's headers carry,
 * whose own context then replaces it in those headers. Kafka Streams copies a record's headers into
 * every record made from it ({@code withValue}, {@code withKey}; a {@code new Record(...)} starts
 * empty) and its sinks write them, so whatever the stage forwards, to a topic or through a
 * repartition, is the span's child.
 *
 * <p>Explicit calls at each stage rather than Kafka Streams' processor wrapper (KIP-1112,
 * {@code processor.wrapper.class}): the wrapper must be handed to the {@code StreamsBuilder} through a
 * {@code TopologyConfig} (every {@code buildTopology} and its tests would change), it wraps every DSL
 * node ({@code mapValues}, {@code peek}, the branches) where only three stages mean something, and a
 * stage's attributes (seq, inbox seq) are known only inside it.
 *
 * <p>The app's {@link Tracing} travels in the Streams properties under {@link #TRACING_CONFIG}
 * ({@link StreamsService} puts it there); without it (topology tests) every span is a no-op.
 */
public final class StageTracer {

    /** Streams property holding the app's {@link Tracing} (an object, not a string). */
    public static final String TRACING_CONFIG = "kchat.tracing";

    private final Tracing tracing;
    private final String spanName;

    private StageTracer(Tracing tracing, String spanName) {
        this.tracing = tracing;
        this.spanName = spanName;
    }

    /** The tracer of a stage, from the app's properties; call it in {@code init} (the properties are copied per call). */
    public static StageTracer of(ProcessorContext<?, ?> context, String spanName) {
        Object tracing = context.appConfigs().get(TRACING_CONFIG);
        return new StageTracer(tracing instanceof Tracing t ? t : Tracing.off(), spanName);
    }

    /**
     * Starts the stage's span for a record, a child of the context in its headers (a no-op span if there
     * is none), and writes the span's context into the record's headers, so that the records forwarded
     * from it afterwards carry it. The caller ends the span; {@link #trace} does both.
     */
    public Span start(Record<?, ?> record) {
        Span span = tracing.continueFrom(record.headers(), spanName, SpanKind.CONSUMER);
        tracing.inject(span, record.headers());
        return span;
    }

    /**
     * Processes a record within the stage's span ({@link #start}): {@code body} gets the record and the
     * span (for its attributes); the span ends when {@code body} returns, marked failed if it throws,
     * and the failure is thrown on (to the app's processing exception handler).
     */
    public <K, V> void trace(Record<K, V> record, BiConsumer<Record<K, V>, Span> body) {
        Span span = start(record);
        Throwable failure = null;
        try {
            body.accept(record, span);
        } catch (RuntimeException | Error e) {
            failure = e;
            throw e;
        } finally {
            Tracing.end(span, failure);
        }
    }
}
