package dev.kchat.routing;

import dev.kchat.events.common.ConversationKind;

/**
 * What {@link ReceiptProcessor} needs to know of a conversation, over whichever stores of the task
 * hold it: routing's conversations and members ({@link MemberStoreLookup}; fanout's roster, until issue
 * 12's step 5, was the other). Read on the task's thread, one record at a time.
 */
public interface ConversationLookup {

    /** The conversation as of the last event the task applied, or null if the task does not know it. */
    Conversation find(String conversationId);

    /** Whether the user is a member as of the last event the task applied. */
    boolean isMember(String conversationId, String userId);

    /** A conversation's kind, its last seq and its number of members. */
    record Conversation(ConversationKind kind, long lastSeq, int memberCount) {
    }
}
