package dev.kchat.routing;

import dev.kchat.events.chat.ChatCommand;
import dev.kchat.events.common.ConversationKind;
import dev.kchat.routing.Decision.Change;
import dev.kchat.routing.state.ConversationMeta;
import dev.kchat.routing.state.MemberState;
import java.time.Instant;
import java.util.List;

/** A command from a current member of an existing conversation, as the conversation rules see it. */
record ConversationContext(ChatCommand command, ConversationMeta meta, MemberState sender, Instant at, RoutingState state) {

    String conversationId() {
        return command.getConversationId();
    }

    String senderId() {
        return command.getSenderId();
    }

    ConversationKind kind() {
        return CommandRules.kind(meta);
    }

    long nextSeq() {
        return meta.getLastSeq() + 1;
    }

    Decision reject(String code, String reason) {
        return CommandRules.reject(command, at, code, reason);
    }

    Decision accept(long seq, Object payload, List<Change> changes) {
        return CommandRules.accepted(command, at, seq, payload, changes, null, false);
    }
}
