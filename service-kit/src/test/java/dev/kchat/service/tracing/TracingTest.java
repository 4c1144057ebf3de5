package dev.kchat.service.tracing;

import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.context.Context;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.propagation.ContextPropagators;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.SpanProcessor;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import io.opentelemetry.sdk.common.CompletableResultCode;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import io.opentelemetry.sdk.trace.samplers.Sampler;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.junit.jupiter.api.Test;

class TracingTest {

    private final InMemorySpanExporter exported = InMemorySpanExporter.create();

    private Tracing tracing(SpanProcessor processor, Sampler sampler) {
        return Tracing.of(OpenTelemetrySdk.builder()
                .setTracerProvider(SdkTracerProvider.builder().setSampler(sampler).addSpanProcessor(processor).build())
                .setPropagators(ContextPropagators.create(W3CTraceContextPropagator.getInstance()))
                .build());
    }

    private Tracing tracing() {
        return tracing(SimpleSpanProcessor.create(exported), Sampler.parentBased(Sampler.alwaysOn()));
    }

    @Test
    void shouldMakeEachStageTheChildOfTheSpanWhoseContextTheRecordCarries() {
        try (Tracing tracing = tracing()) {
            // Given a door's span, whose context goes into the record it produces
            Span door = tracing.startTrace("door", SpanKind.SERVER);
            Headers produced = new RecordHeaders();
            tracing.headers(door).forEach((k, v) -> produced.add(k, v.getBytes(StandardCharsets.UTF_8)));
            door.end();

            // When a stage reads that record and writes its own context into what it forwards
            Span stage = tracing.continueFrom(produced, "stage", SpanKind.CONSUMER);
            tracing.inject(stage, produced);
            stage.end();
            Span next = tracing.continueFrom(produced, "next", SpanKind.CONSUMER);
            next.end();

            // Then the three are one trace: door <- stage <- next, and the record holds one traceparent
            SpanData doorData = span("door");
            SpanData stageData = span("stage");
            SpanData nextData = span("next");
            assertThat(doorData.getParentSpanContext().isValid()).isFalse();
            assertThat(stageData.getTraceId()).isEqualTo(doorData.getTraceId());
            assertThat(stageData.getParentSpanId()).isEqualTo(doorData.getSpanId());
            assertThat(nextData.getParentSpanId()).isEqualTo(stageData.getSpanId());
            assertThat(stageData.getKind()).isEqualTo(SpanKind.CONSUMER);
            assertThat(produced.headers("traceparent")).hasSize(1);
        }
    }

    @Test
    void shouldStartNoTraceForARecordWithoutContext() {
        try (Tracing tracing = tracing()) {
            Headers headers = new RecordHeaders();

            Span stage = tracing.continueFrom(headers, "stage", SpanKind.CONSUMER);
            tracing.inject(stage, headers);
            stage.end();

            assertThat(stage.getSpanContext().isValid()).isFalse();
            assertThat(headers.toArray()).isEmpty();
            assertThat(exported.getFinishedSpanItems()).isEmpty();
        }
    }

    @Test
    void shouldFollowTheDoorsSamplingDecisionDownstream() {
        try (Tracing tracing = tracing(SimpleSpanProcessor.create(exported), Sampler.parentBased(Sampler.alwaysOff()))) {
            // Given a door that does not sample this trace
            Span door = tracing.startTrace("door", SpanKind.SERVER);
            Headers headers = new RecordHeaders();
            tracing.headers(door).forEach((k, v) -> headers.add(k, v.getBytes(StandardCharsets.UTF_8)));

            // When a stage continues it
            Span stage = tracing.continueFrom(headers, "stage", SpanKind.CONSUMER);
            tracing.inject(stage, headers);
            stage.end();
            door.end();

            // Then nothing is recorded, and the decision (not sampled) travels on in the same trace
            assertThat(stage.isRecording()).isFalse();
            assertThat(exported.getFinishedSpanItems()).isEmpty();
            SpanContext carried = Span.fromContext(W3CTraceContextPropagator.getInstance()
                    .extract(Context.root(), headers, KafkaHeadersPropagation.INSTANCE)).getSpanContext();
            assertThat(carried.getTraceId()).isEqualTo(door.getSpanContext().getTraceId());
            assertThat(carried.getSpanId()).isEqualTo(stage.getSpanContext().getSpanId());
            assertThat(carried.isSampled()).isFalse();
        }
    }

    @Test
    void shouldMarkAFailedSpan() {
        try (Tracing tracing = tracing()) {
            Span door = tracing.startTrace("door", SpanKind.SERVER);

            Tracing.end(door, new IllegalStateException("broker down"));

            assertThat(span("door").getStatus().getStatusCode()).isEqualTo(StatusCode.ERROR);
            assertThat(span("door").getEvents()).extracting(e -> e.getName()).containsExactly("exception");
        }
    }

    @Test
    void shouldExportWhatIsQueuedWhenClosed() {
        // Given a batch processor that would wait an hour before exporting (to an exporter that keeps
        // what it got after shutdown, unlike the in-memory one)
        List<SpanData> flushed = new CopyOnWriteArrayList<>();
        SpanExporter keeping = new SpanExporter() {
            @Override
            public CompletableResultCode export(Collection<SpanData> spans) {
                flushed.addAll(spans);
                return CompletableResultCode.ofSuccess();
            }

            @Override
            public CompletableResultCode flush() {
                return CompletableResultCode.ofSuccess();
            }

            @Override
            public CompletableResultCode shutdown() {
                return CompletableResultCode.ofSuccess();
            }
        };
        Tracing tracing = tracing(BatchSpanProcessor.builder(keeping).setScheduleDelay(Duration.ofHours(1)).build(),
                Sampler.alwaysOn());
        tracing.startTrace("door", SpanKind.SERVER).end();
        assertThat(flushed).isEmpty();

        // When the component stops
        tracing.close();

        // Then the span was flushed
        assertThat(flushed).extracting(SpanData::getName).containsExactly("door");
    }

    @Test
    void shouldDoNothingWhenOff() {
        Tracing off = Tracing.start(TracingSettings.off("kchat-test"));
        Headers headers = new RecordHeaders().add("traceparent",
                "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01".getBytes(StandardCharsets.UTF_8));

        Span door = off.startTrace("door", SpanKind.SERVER);
        Span stage = off.continueFrom(headers, "stage", SpanKind.CONSUMER);
        off.inject(stage, headers);

        assertThat(off).isSameAs(Tracing.off());
        assertThat(off.enabled()).isFalse();
        assertThat(door.getSpanContext().isValid()).isFalse();
        assertThat(stage.getSpanContext().isValid()).isFalse();
        assertThat(off.headers(door)).isEqualTo(Map.of());
        assertThat(new String(headers.lastHeader("traceparent").value(), StandardCharsets.UTF_8))
                .as("an upstream context passes through untouched").endsWith("b7ad6b7169203331-01");
        off.close();
    }

    private SpanData span(String name) {
        return exported.getFinishedSpanItems().stream().filter(s -> s.getName().equals(name)).findFirst().orElseThrow();
    }
}
