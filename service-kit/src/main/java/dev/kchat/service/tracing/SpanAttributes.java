package dev.kchat.service.tracing;

import io.opentelemetry.api.common.AttributeKey;

/**
 * The attributes kchat's spans carry: ids and positions only, never a message's text, a token or
 * anything else a user wrote. Names under {@code kchat.}, the OpenTelemetry convention for
 * attributes of one's own; {@code messaging.*} and {@code http.*} are the semantic conventions'.
 */
public final class SpanAttributes {

    public static final AttributeKey<String> CONVERSATION_ID = AttributeKey.stringKey("kchat.conversation_id");
    public static final AttributeKey<Long> SEQ = AttributeKey.longKey("kchat.seq");
    public static final AttributeKey<Long> INBOX_SEQ = AttributeKey.longKey("kchat.inbox_seq");
    public static final AttributeKey<String> USER_ID = AttributeKey.stringKey("kchat.user_id");
    public static final AttributeKey<String> COMMAND_ID = AttributeKey.stringKey("kchat.command_id");
    /** The command type at a door ({@code SendMessage}, {@code CreateConversation}, ...). */
    public static final AttributeKey<String> COMMAND = AttributeKey.stringKey("kchat.command");
    /**
     * Routing's decision ({@code accepted}, {@code duplicate}, {@code rejected:<code>}), or a door's
     * answer ({@code queued}, {@code accepted}, {@code rejected}, {@code wait_ran_out}).
     */
    public static final AttributeKey<String> OUTCOME = AttributeKey.stringKey("kchat.outcome");
    /** Fanout's conversation stage: inbox entries made for one event. */
    public static final AttributeKey<Long> RECIPIENTS = AttributeKey.longKey("kchat.recipients");
    /** The edge: WebSocket frames written for one inbox entry (0: no device of the user connected here). */
    public static final AttributeKey<Long> FRAMES = AttributeKey.longKey("kchat.frames");
    public static final AttributeKey<String> TOPIC = AttributeKey.stringKey("messaging.destination.name");
    public static final AttributeKey<Long> HTTP_STATUS = AttributeKey.longKey("http.response.status_code");

    private SpanAttributes() {
    }
}
