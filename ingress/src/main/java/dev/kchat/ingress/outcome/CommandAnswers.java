package dev.kchat.ingress.outcome;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kchat.api.ApiJson;
import dev.kchat.api.CommandFactory;
import dev.kchat.api.CommandPublisher;
import dev.kchat.events.chat.ChatCommand;
import dev.kchat.events.chat.CommandResult;
import dev.kchat.api.http.ApiAnswers;
import dev.kchat.service.tracing.SpanAttributes;
import dev.kchat.service.tracing.Tracing;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.micrometer.core.instrument.MeterRegistry;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.SameThreadExecutor;
import java.time.Duration;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * Answers a command request: produces the command and answers {@code 202} once Kafka has it, or, if
 * the caller sent {@code Prefer: wait=N}, waits up to N seconds (at most the configured maximum) for
 * routing's decision and answers it ({@link OutcomeAnswers}), falling back to {@code 202} when the
 * wait runs out. The wait costs no thread: the exchange is answered from the reply reader's
 * callback.
 *
 * <p>Each command starts a trace here ({@value #SPAN_NAME}, ended with the answer), whose context
 * travels in the command's record headers to routing and on.
 */
public final class CommandAnswers {

    static final String METRIC_ANSWERS = "kchat.ingress.command.answers";
    static final String SPAN_NAME = "ingress.command";

    private final CommandPublisher commands;
    private final CommandReplies replies;
    private final Duration maxWait;
    private final MeterRegistry metrics;
    private final Tracing tracing;

    public CommandAnswers(CommandPublisher commands, CommandReplies replies, Duration maxWait, MeterRegistry metrics,
            Tracing tracing) {
        this.tracing = tracing;
        this.commands = commands;
        this.replies = replies;
        this.maxWait = maxWait;
        this.metrics = metrics;
    }

    /**
     * Produces {@code accepted}'s command and answers the exchange.
     *
     * @param onFailure answers the exchange when Kafka did not take the command
     */
    public void answer(HttpServerExchange ex, CommandFactory.Accepted accepted, Consumer<Throwable> onFailure) {
        Optional<Duration> wait = OutcomeAnswers.requestedWait(ex.getRequestHeaders().get("Prefer"), maxWait);
        OptionalInt replyPartition = wait.isPresent() ? replies.replyPartition() : OptionalInt.empty();
        ChatCommand command = accepted.command();
        CompletableFuture<Optional<CommandResult>> decision = null;
        if (replyPartition.isPresent()) {
            command = ChatCommand.newBuilder(command).setReplyPartition(replyPartition.getAsInt()).build();
            // Registered before the command exists, so a fast decision cannot pass unseen.
            decision = replies.await(command.getCommandId(), wait.get());
        }
        ObjectNode queued = ApiJson.JSON.createObjectNode()
                .put("conversation_id", accepted.conversationId())
                .put("command_id", command.getCommandId());
        if (accepted.messageId() != null) {
            queued.put("message_id", accepted.messageId());
        }
        accepted.answerFields().forEach(queued::put);
        CompletableFuture<Optional<CommandResult>> decided = decision;
        ChatCommand toPublish = command;
        Span span = tracing.startTrace(SPAN_NAME, SpanKind.SERVER);
        if (span.isRecording()) {
            span.setAttribute(SpanAttributes.CONVERSATION_ID, accepted.conversationId());
            span.setAttribute(SpanAttributes.COMMAND_ID, toPublish.getCommandId());
            span.setAttribute(SpanAttributes.COMMAND, toPublish.getPayload().getClass().getSimpleName());
        }
        ex.dispatch(SameThreadExecutor.INSTANCE, () -> commands.publish(toPublish, tracing.headers(span)).whenComplete((metadata, failure) -> {
            if (failure != null) {
                Tracing.end(span, failure);
                onFailure.accept(failure);
                return;
            }
            if (decided == null) {
                count("queued");
                ApiAnswers.json(ex, 202, queued);
                answered(span, 202, "queued");
                return;
            }
            decided.thenAccept(result -> {
                ex.getResponseHeaders().put(io.undertow.util.HttpString.tryFromString("Preference-Applied"),
                        "wait=" + wait.get().toSeconds());
                if (result.isEmpty()) {
                    count("wait_ran_out");
                    ApiAnswers.json(ex, 202, queued);
                    answered(span, 202, "wait_ran_out");
                } else {
                    int status = OutcomeAnswers.status(result.get());
                    count(status < 300 ? "accepted" : "rejected");
                    ApiAnswers.json(ex, status, OutcomeAnswers.body(queued, result.get()));
                    answered(span, status, status < 300 ? "accepted" : "rejected");
                }
            });
        }));
    }

    /** Ends the door's span with the HTTP status and the answer, as counted. */
    private static void answered(Span span, int status, String answer) {
        if (span.isRecording()) {
            span.setAttribute(SpanAttributes.HTTP_STATUS, status);
            span.setAttribute(SpanAttributes.OUTCOME, answer);
        }
        span.end();
    }

    private void count(String answer) {
        metrics.counter(METRIC_ANSWERS, "answer", answer).increment();
    }
}
