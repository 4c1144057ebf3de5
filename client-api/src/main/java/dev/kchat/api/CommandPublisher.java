package dev.kchat.api;

import dev.kchat.events.chat.ChatCommand;
import dev.kchat.schemas.topic.Topic;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.clients.producer.RecordMetadata;

/** Produces commands to {@code chat.commands}, keyed by conversation (see {@link TopicPublisher}). */
public final class CommandPublisher extends TopicPublisher<ChatCommand> {

    public CommandPublisher(String bootstrapServers, Topic<String, ChatCommand> topic, String clientId) {
        super(bootstrapServers, topic, clientId);
    }

    /** Sends a command keyed by its conversation. */
    public CompletableFuture<RecordMetadata> publish(ChatCommand command) {
        return publish(command.getConversationId(), command);
    }
}
