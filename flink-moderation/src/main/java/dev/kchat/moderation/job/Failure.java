package dev.kchat.moderation.job;

import dev.kchat.events.platform.ProcessingError;
import dev.kchat.service.ProcessingErrors;
import java.time.Instant;

/**
 * A record the job could not process, on its way to {@code platform.errors}: its coordinates,
 * raw bytes and cause. A Flink POJO; {@link #toError} gives the error record.
 */
public record Failure(String sourceTopic, int sourcePartition, long sourceOffset, byte[] key, byte[] value,
        String errorClass, String errorMessage, String stackTrace, long failedAt) {

    /** The app id of the job's error records ({@code platform.errors} key). */
    public static final String APP_ID = "flink-moderation";

    /** A failure of a record read from Kafka. */
    public static Failure of(String topic, int partition, long offset, byte[] key, byte[] value, Throwable cause) {
        ProcessingError error = ProcessingErrors.of(APP_ID, topic, partition, offset, key, value, cause);
        return new Failure(topic, partition, offset, key, value, error.getErrorClass(), error.getErrorMessage(),
                error.getStackTrace(), error.getFailedAt().toEpochMilli());
    }

    /**
     * A failure to process decoded content; the coordinates find the raw record (not kept past
     * decoding).
     */
    public static Failure of(Sourced record, Throwable cause) {
        return of(record.sourceTopic(), record.sourcePartition(), record.sourceOffset(), null, null, cause);
    }

    /** The record for {@code platform.errors}. */
    public ProcessingError toError() {
        return ProcessingError.newBuilder()
                .setAppId(APP_ID)
                .setSourceTopic(sourceTopic)
                .setSourcePartition(sourcePartition)
                .setSourceOffset(sourceOffset)
                .setKey(key == null ? null : java.nio.ByteBuffer.wrap(key))
                .setValue(value == null ? null : java.nio.ByteBuffer.wrap(value))
                .setErrorClass(errorClass)
                .setErrorMessage(errorMessage)
                .setStackTrace(stackTrace)
                .setFailedAt(Instant.ofEpochMilli(failedAt))
                .build();
    }
}
