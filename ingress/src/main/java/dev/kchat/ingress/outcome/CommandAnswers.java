package dev.kchat.ingress.outcome;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kchat.api.ApiJson;
import dev.kchat.api.CommandFactory;
import dev.kchat.api.CommandPublisher;
import dev.kchat.events.chat.ChatCommand;
import dev.kchat.events.chat.CommandResult;
import dev.kchat.api.http.ApiAnswers;
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
 */
public final class CommandAnswers {

    static final String METRIC_ANSWERS = "kchat.ingress.command.answers";

    private final CommandPublisher commands;
    private final CommandReplies replies;
    private final Duration maxWait;
    private final MeterRegistry metrics;

    public CommandAnswers(CommandPublisher commands, CommandReplies replies, Duration maxWait, MeterRegistry metrics) {
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
        CompletableFuture<Optional<CommandResult>> decided = decision;
        ChatCommand toPublish = command;
        ex.dispatch(SameThreadExecutor.INSTANCE, () -> commands.publish(toPublish).whenComplete((metadata, failure) -> {
            if (failure != null) {
                onFailure.accept(failure);
                return;
            }
            if (decided == null) {
                count("queued");
                ApiAnswers.json(ex, 202, queued);
                return;
            }
            decided.thenAccept(result -> {
                ex.getResponseHeaders().put(io.undertow.util.HttpString.tryFromString("Preference-Applied"),
                        "wait=" + wait.get().toSeconds());
                if (result.isEmpty()) {
                    count("wait_ran_out");
                    ApiAnswers.json(ex, 202, queued);
                } else {
                    int status = OutcomeAnswers.status(result.get());
                    count(status < 300 ? "accepted" : "rejected");
                    ApiAnswers.json(ex, status, OutcomeAnswers.body(queued, result.get()));
                }
            });
        }));
    }

    private void count(String answer) {
        metrics.counter(METRIC_ANSWERS, "answer", answer).increment();
    }
}
