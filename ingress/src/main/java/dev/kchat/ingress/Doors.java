package dev.kchat.ingress;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kchat.api.auth.JwtAuthenticator.Caller;
import dev.kchat.api.http.ApiAnswers;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.server.RoutingHandler;
import io.undertow.util.SameThreadExecutor;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Supplier;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.SerializationException;
import org.slf4j.LoggerFactory;

/**
 * How a route of the API is run ({@link ApiDoors}): the body read on the I/O thread up to the limit
 * ({@code 413} past it), then, on a worker, the caller authenticated, the action run, every failure
 * answered in the API's error shape, and the request counted by route and status. Route groups that
 * live in their own package (the trust-and-safety API, Moments) register their routes through it.
 */
public interface Doors {

    /** Routes that live in their own package, added to the API's routing handler. */
    @FunctionalInterface
    interface RouteGroup {
        /** Adds the group's routes to {@code routes}, each run by {@code doors}. */
        void register(RoutingHandler routes, Doors doors);
    }

    /** A route whose body is read before {@code action} runs on a worker. */
    HttpHandler withBody(String route, BodyAction action);

    /** A route without a body; {@code action} runs on a worker. */
    HttpHandler withoutBody(String route, Action action);

    /** Answers a failure as every route does: an {@code ApiException} as itself, the others mapped or 500. */
    void fail(HttpServerExchange ex, String route, Throwable failure);

    /**
     * Sends a record on the worker (a send may block for metadata) and answers {@code 202} with
     * {@code answer} once Kafka acknowledged it; {@code 503 kafka_unavailable} if Kafka did not take it
     * (nothing was done), any other failure as {@link #fail}. The exchange stays open until then.
     */
    default void publish(HttpServerExchange ex, String route, Supplier<CompletableFuture<RecordMetadata>> send,
            Supplier<ObjectNode> answer) {
        ex.dispatch(SameThreadExecutor.INSTANCE, () -> send.get().whenComplete((metadata, failure) -> {
            Throwable cause = failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
            if (cause == null) {
                ApiAnswers.json(ex, 202, answer.get());
            } else if (cause instanceof KafkaException kafka && !(cause instanceof SerializationException)) {
                LoggerFactory.getLogger(Doors.class).warn("{}: Kafka unavailable: {}", route, kafka.toString());
                ApiAnswers.error(ex, 503, "kafka_unavailable", "Kafka did not take it, so nothing was done; retry (with the same"
                        + " Idempotency-Key)");
            } else {
                fail(ex, route, cause);
            }
        }));
    }

    /** A route's work, on a worker thread, for an authenticated caller with the request body. */
    @FunctionalInterface
    interface BodyAction {
        void handle(HttpServerExchange ex, Caller caller, byte[] body) throws Exception;
    }

    /** A route's work, on a worker thread, for an authenticated caller. */
    @FunctionalInterface
    interface Action {
        void handle(HttpServerExchange ex, Caller caller) throws Exception;
    }
}
