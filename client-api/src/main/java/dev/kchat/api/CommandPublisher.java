package dev.kchat.api;

import dev.kchat.events.chat.ChatCommand;
import dev.kchat.schemas.Ids;
import dev.kchat.schemas.topic.Topic;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.clients.producer.RecordMetadata;

/** Produces commands to {@code chat.commands}, keyed by {@link Ids#routingKey} of their conversation (see {@link TopicPublisher}). */
public final class CommandPublisher extends TopicPublisher<ChatCommand> {

    public CommandPublisher(String bootstrapServers, Topic<String, ChatCommand> topic, String clientId) {
        super(bootstrapServers, topic, clientId);
    }

    /** Sends a command keyed by its conversation. */
    public CompletableFuture<RecordMetadata> publish(ChatCommand command) {
        return publish(command, Map.of());
    }

    /**
     * Sends a command keyed by its conversation, with record headers (the door's trace context:
     * {@code traceparent}, {@code tracestate}).
     */
    public CompletableFuture<RecordMetadata> publish(ChatCommand command, Map<String, String> headers) {
        // A server's channels are keyed by their server: one routing task owns the server's whole state.
        return publish(Ids.routingKey(command.getConversationId()), command, headers);
    }
}
