package dev.kchat.routing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kchat.events.chat.ChatCommand;
import dev.kchat.events.chat.ConversationEvent;
import dev.kchat.events.chat.InboxEntry;
import dev.kchat.schemas.registry.InMemorySchemaRegistry;
import dev.kchat.schemas.topic.Topics;
import dev.kchat.service.Settings;
import dev.kchat.service.tracing.Tracing;
import dev.kchat.streams.ErrorTopicHandler;
import dev.kchat.streams.StageTracer;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.propagation.ContextPropagators;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The spans of routing's fan-out stage: {@code fanout.conversation} is {@code routing.decide}'s
 * child; the log record stays {@code routing.decide}'s child (forwarded before the stage writes its
 * context), the unsequenced entries are {@code fanout.conversation}'s.
 */
class FanoutStageTracingTest {

    private static final String UPSTREAM = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";

    @TempDir
    Path stateDir;

    private final InMemorySpanExporter exported = InMemorySpanExporter.create();
    private final Tracing tracing = Tracing.of(OpenTelemetrySdk.builder()
            .setTracerProvider(SdkTracerProvider.builder().addSpanProcessor(SimpleSpanProcessor.create(exported)).build())
            .setPropagators(ContextPropagators.create(W3CTraceContextPropagator.getInstance()))
            .build());

    @AfterEach
    void close() {
        tracing.close();
    }

    @Test
    void shouldWriteTheLogAsTheDecisionsChildAndTheEntriesAsTheFanOutsChild() {
        Topics topics = Topics.create(new InMemorySchemaRegistry());
        RoutingConfig config = RoutingConfig.from(Settings.of(Map.of(
                RoutingConfig.KEYS.applicationId(), "routing-tracing-test",
                RoutingConfig.KEYS.stateDir(), stateDir.toString())));
        Properties props = ErrorTopicHandler.bind(RoutingApp.streamsConfig(config), topics);
        props.put(StageTracer.TRACING_CONFIG, tracing);
        try (TopologyTestDriver driver = new TopologyTestDriver(RoutingApp.buildTopology(config, topics), props, Commands.T0)) {
            TestInputTopic<String, ChatCommand> commands = driver.createInputTopic(Topics.COMMANDS,
                    topics.commands().keySerde().serializer(), topics.commands().valueSerde().serializer());
            TestOutputTopic<String, ConversationEvent> log = driver.createOutputTopic(Topics.CONVERSATION_LOG,
                    topics.conversationLog().keySerde().deserializer(), topics.conversationLog().valueSerde().deserializer());
            TestOutputTopic<String, InboxEntry> entries = driver.createOutputTopic(Topics.INBOX_UNSEQUENCED,
                    topics.inboxUnsequenced().keySerde().deserializer(), topics.inboxUnsequenced().valueSerde().deserializer());

            // When: a traced command creates a group of two
            ChatCommand create = Commands.createGroup(Commands.GROUP, "alice", "bob");
            commands.pipeInput(new TestRecord<>(Commands.GROUP, create,
                    new RecordHeaders().add("traceparent", UPSTREAM.getBytes(StandardCharsets.UTF_8)), Commands.T0));

            // Then
            SpanData decide = span("routing.decide");
            SpanData fanout = span("fanout.conversation");
            assertThat(decide.getParentSpanId()).isEqualTo("b7ad6b7169203331");
            assertThat(fanout.getParentSpanId()).isEqualTo(decide.getSpanId());
            assertThat(fanout.getTraceId()).isEqualTo(decide.getTraceId());
            assertThat(traceparents(log.readRecordsToList())).containsExactly(context(decide));
            assertThat(traceparents(entries.readRecordsToList())).containsExactly(context(fanout), context(fanout));
        }
    }

    private SpanData span(String name) {
        return exported.getFinishedSpanItems().stream().filter(s -> s.getName().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError("no span " + name + " in " + exported.getFinishedSpanItems()));
    }

    private static String context(SpanData span) {
        return "00-" + span.getTraceId() + "-" + span.getSpanId() + "-01";
    }

    private static List<String> traceparents(List<? extends TestRecord<?, ?>> records) {
        return records.stream().map(r -> new String(r.headers().lastHeader("traceparent").value(), StandardCharsets.UTF_8)).toList();
    }
}
