package dev.kchat.fanout;

import dev.kchat.events.common.ConversationKind;
import dev.kchat.fanout.state.Roster;
import dev.kchat.routing.ConversationLookup;
import org.apache.kafka.streams.processor.api.ProcessingContext;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * The conversations as fanout's receipt processor sees them: {@link FanoutApp#CONVERSATIONS_STORE}
 * ({@link Roster}) and {@link FanoutApp#MEMBERS_STORE}, kept from the log by {@link MembershipProcessor}.
 */
final class RosterLookup implements ConversationLookup {

    private final KeyValueStore<String, Roster> rosters;
    private final KeyValueStore<String, String> members;

    RosterLookup(ProcessingContext context) {
        this.rosters = context.getStateStore(FanoutApp.CONVERSATIONS_STORE);
        this.members = context.getStateStore(FanoutApp.MEMBERS_STORE);
    }

    @Override
    public Conversation find(String conversationId) {
        Roster roster = rosters.get(conversationId);
        return roster == null ? null
                : new Conversation(ConversationKind.valueOf(roster.getKind()), roster.getLastSeq(), roster.getMemberCount());
    }

    @Override
    public boolean isMember(String conversationId, String userId) {
        return members.get(MembershipProcessor.memberKey(conversationId, userId)) != null;
    }
}
