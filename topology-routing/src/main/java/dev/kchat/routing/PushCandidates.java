package dev.kchat.routing;

import dev.kchat.events.chat.ConversationEvent;
import dev.kchat.events.chat.MessageDeleted;
import dev.kchat.events.chat.MessagePosted;
import dev.kchat.events.chat.MessageRecalled;
import dev.kchat.events.chat.MessageRedacted;
import dev.kchat.events.common.ConversationKind;
import dev.kchat.events.push.PushCandidate;
import dev.kchat.schemas.MessagePreview;
import java.util.Set;

/**
 * Which members of a read-diffused group get a {@link PushCandidate} for an event, and what it says,
 * as plain functions for {@link ConversationFanout}. Such members get no inbox entry for a message, so
 * without a candidate the push decider would never hear of it. Small on purpose: ids, seq, and at most
 * 200 characters of text, never the event.
 */
final class PushCandidates {

    private PushCandidates() {
    }

    /**
     * True if the event's members get candidates: a read-diffused GROUP (not a channel, and not a
     * server's channel, which has its own path) of at most {@code maxMembers} members.
     */
    static boolean wanted(ConversationKind kind, boolean readDiffused, int members, int maxMembers) {
        return readDiffused && kind == ConversationKind.GROUP && members <= maxMembers;
    }

    /**
     * The candidate for an event, its {@code user_id} left empty for {@link #forMember}: a message
     * (its preview) or a recall, deletion or redaction (the seq it removes, no text). Null for any
     * other event: edits, reactions, membership changes deserve no push.
     */
    static PushCandidate template(ConversationEvent event) {
        Object payload = event.getPayload();
        String preview = null;
        Long removed = null;
        if (payload instanceof MessagePosted posted) {
            preview = MessagePreview.of(posted);
        } else if (payload instanceof MessageRecalled r) {
            removed = r.getTargetSeq();
        } else if (payload instanceof MessageDeleted d) {
            removed = d.getTargetSeq();
        } else if (payload instanceof MessageRedacted x) {
            removed = x.getTargetSeq();
        } else {
            return null;
        }
        return new PushCandidate("", event.getConversationId(), event.getSeq(), event.getActorId(), preview, removed,
                event.getOccurredAt());
    }

    /**
     * True if {@code member} gets the candidate: not the actor (one is not notified of one's own
     * event), and not among the event's inbox recipients (a mentioned member's inbox entry notifies).
     */
    static boolean receives(String member, ConversationEvent event, Set<String> inboxRecipients) {
        return !member.equals(event.getActorId()) && !inboxRecipients.contains(member);
    }

    /** The template addressed to one member. */
    static PushCandidate forMember(PushCandidate template, String member) {
        return new PushCandidate(member, template.getConversationId(), template.getSeq(), template.getSenderId(),
                template.getPreview(), template.getRemovedSeq(), template.getCreatedAt());
    }
}
