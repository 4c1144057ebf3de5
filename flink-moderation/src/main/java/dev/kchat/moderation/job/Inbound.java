package dev.kchat.moderation.job;

/**
 * What a content source yields per Kafka record: the content to judge and, for a
 * {@code chat.conversation.log} event, the actor's {@link Activity} (every event has one, a
 * {@code MessagePosted} has both); or the failure to decode it (which goes to
 * {@code platform.errors} instead of failing the job).
 */
public record Inbound(Content content, Activity activity, Failure failure) {

    public static Inbound of(Content content) {
        return new Inbound(content, null, null);
    }

    public static Inbound of(Content content, Activity activity) {
        return new Inbound(content, activity, null);
    }

    public static Inbound failed(Failure failure) {
        return new Inbound(null, null, failure);
    }

    /** Event time, epoch ms; {@link Long#MIN_VALUE} for a failure, which has none and must not move the watermark. */
    public long at() {
        return content != null ? content.at() : activity != null ? activity.at() : Long.MIN_VALUE;
    }
}
