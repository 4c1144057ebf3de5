package dev.kchat.routing;

import dev.kchat.events.chat.CommandResult;
import dev.kchat.events.chat.ConversationEvent;
import java.util.List;
import org.apache.avro.specific.SpecificRecord;

/**
 * The outcome of one server command: the sequenced events to append, in order (none for a
 * rejection or a duplicate; two for a ban of a member), the result for the sender, and the store
 * writes to apply before either is emitted.
 */
record ServerDecision(List<ConversationEvent> events, CommandResult result, List<Write> writes) {

    ServerDecision {
        events = List.copyOf(events);
        writes = List.copyOf(writes);
    }

    /** One write: {@code value} under {@code key} in the store named {@code store}; a null value deletes. */
    record Write(String store, String key, SpecificRecord value) {

        static Write put(String store, String key, SpecificRecord value) {
            return new Write(store, key, value);
        }

        static Write delete(String store, String key) {
            return new Write(store, key, null);
        }
    }
}
