package dev.kchat.edge.sync;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kchat.events.chat.InboxEntry;
import dev.kchat.events.chat.ReadPositionChanged;
import dev.kchat.service.tracing.Tracing;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Scope;
import io.opentelemetry.context.propagation.ContextPropagators;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The edge's delivery span: open from the record consumed until the last frame of it is written. */
class DeliverySpanTest {

    private static final String UPSTREAM = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";

    private final List<SpanData> ended = new CopyOnWriteArrayList<>();
    private final Tracing tracing = Tracing.of(OpenTelemetrySdk.builder()
            .setTracerProvider(SdkTracerProvider.builder().addSpanProcessor(SimpleSpanProcessor.create(new SpanExporter() {
                @Override
                public CompletableResultCode export(Collection<SpanData> spans) {
                    ended.addAll(spans);
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
            })).build())
            .setPropagators(ContextPropagators.create(W3CTraceContextPropagator.getInstance()))
            .build());

    @AfterEach
    void close() {
        tracing.close();
    }

    private static ConsumerRecord<String, byte[]> record(boolean withContext) {
        ConsumerRecord<String, byte[]> record = new ConsumerRecord<>("chat.inbox", 3, 41, "bob", new byte[0]);
        if (withContext) {
            record.headers().add("traceparent", UPSTREAM.getBytes(StandardCharsets.UTF_8));
        }
        return record;
    }

    private static InboxEntry entry() {
        return InboxEntry.newBuilder().setUserId("bob").setInboxSeq(7).setConversationId("g:1").setCreatedAt(Instant.EPOCH)
                .setItem(ReadPositionChanged.newBuilder().setConversationId("g:1").setReadSeq(1).setUnread(0).build()).build();
    }

    @Test
    void shouldEndWhenTheDispatchIsDoneAndEveryFrameItQueuedIsWritten() {
        // Given an inbox record with fanout's context, handed to two sessions that each queue a frame
        DeliverySpan delivery = DeliverySpan.start(tracing, record(true), entry());
        DeliverySpan phone;
        DeliverySpan laptop;
        try (Scope current = delivery.makeCurrent()) {
            phone = DeliverySpan.current();
            phone.frameQueued();
            laptop = DeliverySpan.current();
            laptop.frameQueued();
        }
        delivery.dispatched();
        assertThat(DeliverySpan.current()).as("only current while dispatching").isNotSameAs(delivery);

        // When the first frame is written, the span is still open; when the second is, it ends
        phone.frameWritten();
        assertThat(ended).isEmpty();
        laptop.frameWritten();

        // Then one span, the child of fanout's, with the frames counted
        assertThat(ended).singleElement().satisfies(span -> {
            assertThat(span.getName()).isEqualTo("edge.deliver");
            assertThat(span.getParentSpanId()).isEqualTo("b7ad6b7169203331");
            assertThat(span.getAttributes().get(AttributeKey.longKey("kchat.frames"))).isEqualTo(2L);
            assertThat(span.getAttributes().get(AttributeKey.longKey("kchat.inbox_seq"))).isEqualTo(7L);
            assertThat(span.getAttributes().get(AttributeKey.stringKey("kchat.user_id"))).isEqualTo("bob");
        });
    }

    @Test
    void shouldEndAtOnceWithNoFrameWhenNoDeviceTookTheEntryAndRecordAFailedWrite() {
        DeliverySpan nobody = DeliverySpan.start(tracing, record(true), entry());
        nobody.dispatched();

        DeliverySpan failing = DeliverySpan.start(tracing, record(true), entry());
        try (Scope current = failing.makeCurrent()) {
            DeliverySpan.current().frameQueued();
        }
        failing.dispatched();
        failing.frameFailed(new java.io.IOException("connection reset"));

        assertThat(ended).hasSize(2);
        assertThat(ended.get(0).getAttributes().get(AttributeKey.longKey("kchat.frames"))).isZero();
        assertThat(ended.get(1).getEvents()).extracting(e -> e.getName()).containsExactly("exception");
    }

    @Test
    void shouldTraceNothingForARecordWithoutContext() {
        DeliverySpan untraced = DeliverySpan.start(tracing, record(false), entry());
        try (Scope current = untraced.makeCurrent()) {
            DeliverySpan.current().frameQueued();
            DeliverySpan.current().frameWritten();
        }
        untraced.dispatched();

        assertThat(ended).isEmpty();
        assertThat(DeliverySpan.start(Tracing.off(), record(true), entry())).isSameAs(untraced);
    }
}
