package dev.kchat.store.sink;

import dev.kchat.service.tracing.SpanAttributes;
import dev.kchat.service.tracing.Tracing;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * The sink's span per record stored ({@code sink.write}): from the record's statements being handed to
 * the driver to the last of them acknowledged, a child of the span that wrote the record (routing's
 * for the log, fanout's inbox stage for an inbox entry). A record without a trace context gets none;
 * a retried write gets a span per attempt, the failed ones marked as such. Owns the sink's
 * {@link Tracing} and flushes it on {@link #close()}.
 */
final class WriteSpans implements AutoCloseable {

    static final String SPAN_NAME = "sink.write";
    private static final AttributeKey<Long> OFFSET = AttributeKey.longKey("messaging.kafka.offset");

    private final Tracing tracing;

    WriteSpans(Tracing tracing) {
        this.tracing = tracing;
    }

    /** A record's write: its statements handed to the driver (which may wait for room among the writes in flight). */
    @FunctionalInterface
    interface Write {
        CompletableFuture<Void> start() throws InterruptedException;
    }

    /** Runs {@code write} (the record's statements) within the record's span, ended when the returned write completes. */
    CompletableFuture<Void> write(ConsumerRecord<byte[], byte[]> record, Write write) throws InterruptedException {
        Span span = tracing.continueFrom(record.headers(), SPAN_NAME, SpanKind.CONSUMER);
        if (!span.getSpanContext().isValid()) {
            return write.start();
        }
        span.setAttribute(SpanAttributes.TOPIC, record.topic());
        span.setAttribute(OFFSET, record.offset());
        CompletableFuture<Void> done;
        try {
            done = write.start();
        } catch (RuntimeException | InterruptedException e) {
            Tracing.end(span, e);
            throw e;
        }
        done.whenComplete((ok, failure) -> Tracing.end(span, failure));
        return done;
    }

    @Override
    public void close() {
        tracing.close();
    }
}
