package dev.kchat.service.tracing;

import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceState;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.junit.jupiter.api.Test;

class KafkaHeadersPropagationTest {

    private static final W3CTraceContextPropagator W3C = W3CTraceContextPropagator.getInstance();
    private static final KafkaHeadersPropagation HEADERS = KafkaHeadersPropagation.INSTANCE;

    @Test
    void shouldWriteTheW3cHeadersAsUtf8TextThatReadBackToTheSameContext() {
        // Given a sampled span context with a trace state
        SpanContext sent = SpanContext.create("0af7651916cd43dd8448eb211c80319c", "b7ad6b7169203331", TraceFlags.getSampled(),
                TraceState.builder().put("vendor", "x1").build());
        Headers headers = new RecordHeaders().add("other", "kept".getBytes(StandardCharsets.UTF_8));

        // When it is injected into record headers and extracted again
        W3C.inject(Context.root().with(Span.wrap(sent)), headers, HEADERS);
        SpanContext received = Span.fromContext(W3C.extract(Context.root(), headers, HEADERS)).getSpanContext();

        // Then the headers are the W3C ones, readable by any tool, and carry the same context
        assertThat(text(headers, "traceparent")).isEqualTo("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");
        assertThat(text(headers, "tracestate")).isEqualTo("vendor=x1");
        assertThat(text(headers, "other")).isEqualTo("kept");
        assertThat(received.getTraceId()).isEqualTo(sent.getTraceId());
        assertThat(received.getSpanId()).isEqualTo(sent.getSpanId());
        assertThat(received.isSampled()).isTrue();
        assertThat(received.isRemote()).isTrue();
        assertThat(HEADERS.keys(headers)).containsExactly("other", "traceparent", "tracestate");
    }

    @Test
    void shouldReplaceAnUpstreamContextRatherThanAddASecondHeader() {
        Headers headers = new RecordHeaders();
        HEADERS.set(headers, "traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");

        HEADERS.set(headers, "traceparent", "00-0af7651916cd43dd8448eb211c80319c-00f067aa0ba902b7-01");

        assertThat(headers.headers("traceparent")).hasSize(1);
        assertThat(HEADERS.get(headers, "traceparent")).isEqualTo("00-0af7651916cd43dd8448eb211c80319c-00f067aa0ba902b7-01");
    }

    @Test
    void shouldReadNothingFromRecordsWithoutAContext() {
        Headers empty = new RecordHeaders();
        Headers nullValue = new RecordHeaders().add("traceparent", null);

        assertThat(HEADERS.get(empty, "traceparent")).isNull();
        assertThat(HEADERS.get(nullValue, "traceparent")).isNull();
        assertThat(HEADERS.get(null, "traceparent")).isNull();
        assertThat(Span.fromContext(W3C.extract(Context.root(), empty, HEADERS)).getSpanContext().isValid()).isFalse();
        assertThat(Span.fromContext(W3C.extract(Context.root(), new RecordHeaders().add("traceparent",
                "garbage".getBytes(StandardCharsets.UTF_8)), HEADERS)).getSpanContext().isValid()).isFalse();
    }

    private static String text(Headers headers, String key) {
        return new String(headers.lastHeader(key).value(), StandardCharsets.UTF_8);
    }
}
