package dev.kchat.moderation.job;

/**
 * What a content source yields per Kafka record: the content, or the failure to decode it (which
 * goes to {@code platform.errors} instead of failing the job). Exactly one is set.
 */
public record Inbound(Content content, Failure failure) {

    public static Inbound of(Content content) {
        return new Inbound(content, null);
    }

    public static Inbound failed(Failure failure) {
        return new Inbound(null, failure);
    }
}
