package dev.kchat.routing;

import dev.kchat.events.chat.CommandResult;
import dev.kchat.events.chat.ConversationEvent;
import dev.kchat.routing.state.ConversationMeta;
import dev.kchat.routing.state.MemberState;
import dev.kchat.routing.state.MessageRef;
import dev.kchat.routing.state.SentMessage;
import java.util.List;

/**
 * The outcome of one command: the sequenced event to append (null for rejections and duplicates),
 * the result for the sender, and the state changes to apply before either is emitted.
 */
record Decision(ConversationEvent event, CommandResult result, List<Change> changes) {

    Decision {
        changes = List.copyOf(changes);
    }

    /** One write to a store. */
    sealed interface Change permits PutConversation, PutMember, DeleteMember, PutSent, PutMessage, DeleteMessage {
    }

    record PutConversation(String conversationId, ConversationMeta meta) implements Change {
    }

    record PutMember(String conversationId, String userId, MemberState member) implements Change {
    }

    record DeleteMember(String conversationId, String userId) implements Change {
    }

    record PutSent(String conversationId, String senderId, String clientMsgId, SentMessage sent) implements Change {
    }

    record PutMessage(String conversationId, long seq, MessageRef message) implements Change {
    }

    record DeleteMessage(String conversationId, long seq) implements Change {
    }
}
