package dev.kchat.edge.frames;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kchat.api.ApiException;
import dev.kchat.api.ApiJson;
import dev.kchat.api.CommandFactory;
import dev.kchat.api.CommandPublisher;
import dev.kchat.api.Requests;
import dev.kchat.edge.protocol.Frames;
import dev.kchat.edge.session.Session;
import dev.kchat.edge.sync.InboxCursor;
import dev.kchat.service.tracing.SpanAttributes;
import dev.kchat.service.tracing.Tracing;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import java.time.Clock;
import java.util.concurrent.Executor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code send}: validated as the HTTP API does ({@link CommandFactory}), produced to
 * {@code chat.commands}, answered {@code sent} once Kafka has it (or {@code kafka_unavailable}).
 * Each send starts a trace ({@value #SPAN_NAME}, ended with the answer) whose context travels in the
 * command's record headers.
 */
public final class SendFrames {

    private static final Logger log = LoggerFactory.getLogger(SendFrames.class);
    static final String SPAN_NAME = "edge.send";

    private final CommandFactory commandFactory;
    private final CommandPublisher commands;
    private final Executor workers;
    private final Tracing tracing;

    public SendFrames(CommandFactory commandFactory, CommandPublisher commands, Executor workers, Tracing tracing) {
        this.tracing = tracing;
        this.commandFactory = commandFactory;
        this.commands = commands;
        this.workers = workers;
    }

    public void send(Session session, ObjectNode fields) {
        if (session.state() == InboxCursor.State.AWAITING_HELLO) {
            throw ApiException.badRequest("hello_first", "send hello before anything else");
        }
        JsonNode conversation = fields.remove("conversation_id");
        if (conversation == null || !conversation.isTextual()) {
            throw ApiException.badRequest("missing_field", "conversation_id is required");
        }
        Requests.SendMessage request = ApiJson.convert(fields, Requests.SendMessage.class);
        CommandFactory.Accepted accepted = commandFactory.sendMessage(session.caller(), conversation.asText(), request,
                Clock.systemUTC().instant());
        Span span = tracing.startTrace(SPAN_NAME, SpanKind.SERVER);
        if (span.isRecording()) {
            span.setAttribute(SpanAttributes.CONVERSATION_ID, accepted.conversationId());
            span.setAttribute(SpanAttributes.COMMAND_ID, accepted.command().getCommandId());
            span.setAttribute(SpanAttributes.USER_ID, session.userId());
        }
        workers.execute(() -> commands.publish(accepted.command(), tracing.headers(span)).whenComplete((metadata, failure) -> {
            Tracing.end(span, failure);
            if (failure != null) {
                log.warn("send of {} not accepted by Kafka: {}", session, failure.toString());
                session.send(Frames.error("kafka_unavailable", "not accepted; retry with the same client_msg_id",
                        request.clientMsgId()));
            } else {
                session.send(Frames.sent(accepted.conversationId(), request.clientMsgId(), accepted.messageId()));
            }
        }));
    }
}
