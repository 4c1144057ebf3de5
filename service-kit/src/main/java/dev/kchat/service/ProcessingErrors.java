package dev.kchat.service;

import dev.kchat.events.platform.ProcessingError;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.ByteBuffer;
import java.time.Instant;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/** Builds the {@code platform.errors} record for a record a component could not process. */
public final class ProcessingErrors {

    /** Stack traces are cut to this many characters; the head carries the cause. */
    public static final int MAX_STACK_TRACE_CHARS = 8_000;

    private ProcessingErrors() {
    }

    /** The error record for a consumed record, carrying its raw bytes and the cause. */
    public static ProcessingError of(String appId, ConsumerRecord<byte[], byte[]> record, Throwable cause) {
        return of(appId, record.topic(), record.partition(), record.offset(), record.key(), record.value(), cause);
    }

    public static ProcessingError of(String appId, String topic, int partition, long offset,
            byte[] key, byte[] value, Throwable cause) {
        return ProcessingError.newBuilder()
                .setAppId(appId)
                .setSourceTopic(topic)
                .setSourcePartition(partition)
                .setSourceOffset(offset)
                .setKey(key == null ? null : ByteBuffer.wrap(key))
                .setValue(value == null ? null : ByteBuffer.wrap(value))
                .setErrorClass(cause.getClass().getName())
                .setErrorMessage(String.valueOf(cause.getMessage()))
                .setStackTrace(stackTrace(cause))
                .setFailedAt(Instant.now())
                .build();
    }

    static String stackTrace(Throwable cause) {
        StringWriter out = new StringWriter();
        cause.printStackTrace(new PrintWriter(out));
        String text = out.toString();
        return text.length() <= MAX_STACK_TRACE_CHARS ? text : text.substring(0, MAX_STACK_TRACE_CHARS);
    }
}
