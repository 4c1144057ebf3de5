package dev.kchat.routing;

import dev.kchat.events.common.ConversationKind;
import dev.kchat.routing.state.ConversationMeta;
import dev.kchat.routing.state.MemberState;
import org.apache.kafka.streams.processor.api.ProcessingContext;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * The conversations as routing's receipt processor sees them: {@link RoutingApp#CONVERSATIONS_STORE}
 * ({@link ConversationMeta}: kind, last seq, member count) and {@link RoutingApp#MEMBERS_STORE} (a
 * member has an entry), the stores {@link CommandProcessor} decides from. They are as of the last
 * command the task decided, and so as new as any seq a device can name.
 */
final class MemberStoreLookup implements ConversationLookup {

    private final KeyValueStore<String, ConversationMeta> conversations;
    private final KeyValueStore<String, MemberState> members;

    MemberStoreLookup(ProcessingContext context) {
        this.conversations = context.getStateStore(RoutingApp.CONVERSATIONS_STORE);
        this.members = context.getStateStore(RoutingApp.MEMBERS_STORE);
    }

    @Override
    public Conversation find(String conversationId) {
        ConversationMeta meta = conversations.get(conversationId);
        return meta == null ? null
                : new Conversation(ConversationKind.valueOf(meta.getKind()), meta.getLastSeq(), meta.getMemberCount());
    }

    @Override
    public boolean isMember(String conversationId, String userId) {
        return members.get(StoreKeys.member(conversationId, userId)) != null;
    }
}
