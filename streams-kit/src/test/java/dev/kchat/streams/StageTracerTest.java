package dev.kchat.streams;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kchat.service.tracing.Tracing;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.propagation.ContextPropagators;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.nio.charset.StandardCharsets;
import java.util.Properties;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class StageTracerTest {

    private static final String UPSTREAM = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";

    private final InMemorySpanExporter exported = InMemorySpanExporter.create();
    private final Tracing tracing = Tracing.of(OpenTelemetrySdk.builder()
            .setTracerProvider(SdkTracerProvider.builder().addSpanProcessor(SimpleSpanProcessor.create(exported)).build())
            .setPropagators(ContextPropagators.create(W3CTraceContextPropagator.getInstance()))
            .build());

    /** A stage that forwards two records made from its input (as fanout forwards one per recipient). */
    static final class TwoRecipients implements Processor<String, String, String, String> {
        private ProcessorContext<String, String> context;
        private StageTracer stage;

        @Override
        public void init(ProcessorContext<String, String> context) {
            this.context = context;
            stage = StageTracer.of(context, "test.stage");
        }

        @Override
        public void process(Record<String, String> record) {
            stage.trace(record, (r, span) -> {
                if (r.value().equals("poison")) {
                    throw new IllegalArgumentException("cannot process");
                }
                context.forward(r.withKey("alice"));
                context.forward(r.withKey("bob").withValue(r.value().toUpperCase()));
            });
        }
    }

    private TopologyTestDriver driver(boolean traced) {
        StreamsBuilder builder = new StreamsBuilder();
        builder.stream("in", Consumed.with(Serdes.String(), Serdes.String()))
                .process(TwoRecipients::new)
                .to("out", Produced.with(Serdes.String(), Serdes.String()));
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "stage-tracer-test");
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        if (traced) {
            props.put(StageTracer.TRACING_CONFIG, tracing);
        }
        return new TopologyTestDriver(builder.build(), props);
    }

    @AfterEach
    void close() {
        tracing.close();
    }

    @Test
    void shouldMakeEveryRecordTheStageForwardsAChildOfItsSpanThroughTheSink() {
        try (TopologyTestDriver driver = driver(true)) {
            TestInputTopic<String, String> in = driver.createInputTopic("in", Serdes.String().serializer(), Serdes.String().serializer());
            TestOutputTopic<String, String> out = driver.createOutputTopic("out", Serdes.String().deserializer(),
                    Serdes.String().deserializer());

            // When a record with the upstream stage's context is processed
            Headers headers = new RecordHeaders().add("traceparent", UPSTREAM.getBytes(StandardCharsets.UTF_8));
            in.pipeInput(new TestRecord<>("conv", "hi", headers));

            // Then the stage's span is the upstream span's child, and both records written carry its context
            SpanData stage = exported.getFinishedSpanItems().get(0);
            assertThat(exported.getFinishedSpanItems()).hasSize(1);
            assertThat(stage.getName()).isEqualTo("test.stage");
            assertThat(stage.getTraceId()).isEqualTo("0af7651916cd43dd8448eb211c80319c");
            assertThat(stage.getParentSpanId()).isEqualTo("b7ad6b7169203331");
            String expected = "00-" + stage.getTraceId() + "-" + stage.getSpanId() + "-01";
            assertThat(out.readRecordsToList()).hasSize(2).allSatisfy(r -> {
                assertThat(r.headers().headers("traceparent")).hasSize(1);
                assertThat(new String(r.headers().lastHeader("traceparent").value(), StandardCharsets.UTF_8)).isEqualTo(expected);
            });
        }
    }

    @Test
    void shouldMarkTheSpanOfARecordThatFails() {
        try (TopologyTestDriver driver = driver(true)) {
            TestInputTopic<String, String> in = driver.createInputTopic("in", Serdes.String().serializer(), Serdes.String().serializer());
            Headers headers = new RecordHeaders().add("traceparent", UPSTREAM.getBytes(StandardCharsets.UTF_8));

            // (without an error-topic handler the test driver fails on it)
            assertThatThrownBy(() -> in.pipeInput(new TestRecord<>("conv", "poison", headers)))
                    .hasRootCauseInstanceOf(IllegalArgumentException.class);

            assertThat(exported.getFinishedSpanItems()).singleElement()
                    .satisfies(s -> assertThat(s.getStatus().getStatusCode()).isEqualTo(io.opentelemetry.api.trace.StatusCode.ERROR));
        }
    }

    @Test
    void shouldLeaveHeadersAloneWithoutTracing() {
        try (TopologyTestDriver driver = driver(false)) {
            TestInputTopic<String, String> in = driver.createInputTopic("in", Serdes.String().serializer(), Serdes.String().serializer());
            TestOutputTopic<String, String> out = driver.createOutputTopic("out", Serdes.String().deserializer(),
                    Serdes.String().deserializer());

            in.pipeInput(new TestRecord<>("conv", "hi", new RecordHeaders().add("traceparent", UPSTREAM.getBytes(StandardCharsets.UTF_8))));
            in.pipeInput(new TestRecord<>("conv", "plain"));

            assertThat(exported.getFinishedSpanItems()).isEmpty();
            assertThat(out.readRecordsToList()).extracting(r -> r.headers().lastHeader("traceparent") == null ? "none"
                    : new String(r.headers().lastHeader("traceparent").value(), StandardCharsets.UTF_8))
                    .containsExactly(UPSTREAM, UPSTREAM, "none", "none");
        }
    }
}
