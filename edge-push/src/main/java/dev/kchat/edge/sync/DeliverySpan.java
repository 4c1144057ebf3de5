package dev.kchat.edge.sync;

import dev.kchat.events.chat.InboxEntry;
import dev.kchat.service.tracing.SpanAttributes;
import dev.kchat.service.tracing.Tracing;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.ContextKey;
import io.opentelemetry.context.Scope;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * The edge's span of one live inbox entry ({@value #SPAN_NAME}): from the record consumed to the last
 * WebSocket frame made of it written to its socket, a child of fanout's inbox stage. While the
 * dispatcher hands the entry to the user's sessions it is the current one ({@link #makeCurrent}); a
 * session writing a frame then ({@link #current()}) counts the frame in and, from the write's callback,
 * out. The span ends when the dispatcher is done and every counted frame is written (or failed), with
 * the number of frames: 0 when no device of the user is connected here, or when the entry is held back
 * for a device still catching up (it goes out with the replay, outside the span). Long polls are not
 * counted: their answer is written after the dispatch, on another thread.
 */
public final class DeliverySpan {

    static final String SPAN_NAME = "edge.deliver";
    private static final ContextKey<DeliverySpan> KEY = ContextKey.named("kchat-delivery");
    /** No delivery is being traced: every call is a no-op. */
    private static final DeliverySpan NONE = new DeliverySpan(Span.getInvalid());

    private final Span span;
    /** Frames not yet written, plus one while the dispatcher hands the entry out. */
    private final AtomicInteger pending = new AtomicInteger(1);
    private final AtomicInteger frames = new AtomicInteger();

    private DeliverySpan(Span span) {
        this.span = span;
    }

    /** The span of a consumed inbox record, or a no-op if the record carries no trace context (or tracing is off). */
    static DeliverySpan start(Tracing tracing, ConsumerRecord<String, byte[]> record, InboxEntry entry) {
        Span span = tracing.continueFrom(record.headers(), SPAN_NAME, SpanKind.CONSUMER);
        if (!span.getSpanContext().isValid()) {
            return NONE;
        }
        span.setAttribute(SpanAttributes.USER_ID, entry.getUserId());
        span.setAttribute(SpanAttributes.INBOX_SEQ, entry.getInboxSeq());
        if (entry.getConversationId() != null) {
            span.setAttribute(SpanAttributes.CONVERSATION_ID, entry.getConversationId());
        }
        return new DeliverySpan(span);
    }

    /** The delivery the current thread is handing out, or a no-op one. */
    public static DeliverySpan current() {
        DeliverySpan current = Context.current().get(KEY);
        return current == null ? NONE : current;
    }

    /** Makes this the current delivery of this thread until the scope closes. */
    Scope makeCurrent() {
        return this == NONE ? Scope.noop() : Context.current().with(KEY, this).makeCurrent();
    }

    /** A frame of this delivery was queued for the socket. */
    public void frameQueued() {
        if (this != NONE) {
            frames.incrementAndGet();
            pending.incrementAndGet();
        }
    }

    /** A queued frame was written to the socket. */
    public void frameWritten() {
        release(null);
    }

    /** A queued frame could not be written (the connection is being closed). */
    public void frameFailed(Throwable failure) {
        release(failure);
    }

    /** The dispatcher has handed the entry to every session of the user. */
    void dispatched() {
        release(null);
    }

    private void release(Throwable failure) {
        if (this == NONE) {
            return;
        }
        if (failure != null) {
            span.recordException(failure);
        }
        if (pending.decrementAndGet() == 0) {
            span.setAttribute(SpanAttributes.FRAMES, frames.get());
            span.end();
        }
    }
}
