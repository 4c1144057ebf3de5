package dev.kchat.ingress;

import dev.kchat.api.ApiException;
import dev.kchat.api.auth.JwtAuthenticator.Caller;
import dev.kchat.store.read.ChatRepository;
import dev.kchat.store.read.ConversationSummary;
import java.util.Optional;

/**
 * Whether a caller may read a conversation: their line for it, if they are or were a member
 * ({@code 404 conversation_not_found} otherwise, so ids cannot be probed), and whether they are a
 * member now ({@code 403 not_a_member}).
 */
final class ConversationAccess {

    private final ChatRepository repository;

    ConversationAccess(ChatRepository repository) {
        this.repository = repository;
    }

    /** The caller's line for a conversation they are or were a member of; 404 otherwise. */
    ConversationSummary membership(Caller caller, String conversationId) {
        Optional<ConversationSummary> found = repository.membership(caller.userId(), conversationId);
        // Not a member (or unknown): 404 either way, so ids cannot be probed.
        return found.orElseThrow(() -> ApiException.notFound("conversation_not_found",
                "no conversation '" + conversationId + "' that you are a member of"));
    }

    /**
     * The caller's line for a conversation they are a member of now; {@code 403 not_a_member} if they
     * left or were removed (they know the conversation, so 403 tells them nothing new), 404 as above.
     */
    ConversationSummary currentMembership(Caller caller, String conversationId) {
        ConversationSummary membership = membership(caller, conversationId);
        if (!membership.active()) {
            throw new ApiException(403, "not_a_member", "you are no longer a member of '" + conversationId + "'");
        }
        return membership;
    }
}
