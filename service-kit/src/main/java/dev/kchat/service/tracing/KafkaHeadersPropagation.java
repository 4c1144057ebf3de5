package dev.kchat.service.tracing;

import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.context.propagation.TextMapSetter;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;

/**
 * Reads and writes a trace context in Kafka record headers: with the W3C propagator, the
 * {@code traceparent} and {@code tracestate} headers as UTF-8 text, as OpenTelemetry's own Kafka
 * instrumentation writes them, so other tools reading the topics see the same trace.
 *
 * <p>Writing replaces a header of the same name: a stage forwards the record it read with its own
 * context, not beside the upstream one (Kafka headers allow repeats, and readers disagree on whether
 * the first or the last counts). Reading takes the last.
 */
public final class KafkaHeadersPropagation implements TextMapGetter<Headers>, TextMapSetter<Headers> {

    /** The one instance; stateless. */
    public static final KafkaHeadersPropagation INSTANCE = new KafkaHeadersPropagation();

    private KafkaHeadersPropagation() {
    }

    @Override
    public Iterable<String> keys(Headers carrier) {
        List<String> keys = new ArrayList<>();
        for (Header header : carrier) {
            keys.add(header.key());
        }
        return keys;
    }

    @Override
    public String get(Headers carrier, String key) {
        if (carrier == null) {
            return null;
        }
        Header header = carrier.lastHeader(key);
        return header == null || header.value() == null ? null : new String(header.value(), StandardCharsets.UTF_8);
    }

    @Override
    public void set(Headers carrier, String key, String value) {
        if (carrier == null) {
            return;
        }
        carrier.remove(key);
        carrier.add(key, value.getBytes(StandardCharsets.UTF_8));
    }
}
