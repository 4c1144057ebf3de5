package dev.kchat.routing;

import dev.kchat.events.chat.BroadcastEntry;
import dev.kchat.events.chat.CommandResult;
import dev.kchat.events.chat.ConversationCreated;
import dev.kchat.events.chat.ConversationEvent;
import dev.kchat.events.chat.InboxEntry;
import dev.kchat.events.chat.MemberJoined;
import dev.kchat.events.chat.MemberLeft;
import dev.kchat.events.chat.MessagePosted;
import dev.kchat.events.chat.OwnershipTransferred;
import dev.kchat.events.chat.RoleChanged;
import dev.kchat.events.common.ConversationKind;
import dev.kchat.events.common.Member;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Predicate;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.streams.KeyValue;

/**
 * The fan-out rules as plain functions over values: which users an event concerns, whether a
 * conversation is read-diffused, and what an event becomes for its readers, for routing's
 * {@link ConversationFanout} (topology-fanout's {@code MembershipProcessor} shared them until issue 12's
 * step 5).
 */
public final class Fanout {

    private Fanout() {
    }

    /**
     * Whether an event goes to {@code chat.broadcast} (read diffusion) rather than to every member's
     * inbox: always for channels, and for any conversation whose members as of the event (those
     * joining included, those leaving not yet removed) outnumber the threshold.
     */
    public static boolean readDiffused(ConversationKind kind, int membersAsOfEvent, int threshold) {
        return kind == ConversationKind.CHANNEL || membersAsOfEvent > threshold;
    }

    /** Members an event brings in: the initial members of a creation, the joiners of a join. */
    public static List<Member> incoming(Object payload) {
        if (payload instanceof ConversationCreated created) {
            return created.getMembers();
        }
        if (payload instanceof MemberJoined joined) {
            return joined.getMembers();
        }
        return List.of();
    }

    /**
     * Users whose own membership an event changes. In a read-diffused conversation they still get
     * the event in their inbox, so that a user learns they joined, left or changed role.
     */
    public static Set<String> affectedUsers(Object payload) {
        Set<String> users = new LinkedHashSet<>();
        incoming(payload).forEach(m -> users.add(m.getUserId()));
        if (payload instanceof MemberLeft left) {
            users.add(left.getUserId());
        } else if (payload instanceof RoleChanged changed) {
            users.add(changed.getUserId());
        } else if (payload instanceof OwnershipTransferred transferred) {
            users.add(transferred.getPreviousOwnerId());
            users.add(transferred.getNewOwnerId());
        }
        return users;
    }

    /**
     * Who gets an event of a read-diffused conversation in their inbox besides the broadcast: the
     * users whose own membership it changes ({@link #affectedUsers}), and the members a message
     * mentions, so a mention still reaches the mentioned member's inbox (every device of theirs, with a badge).
     */
    public static Set<String> broadcastRecipients(Object payload, Predicate<String> isMember) {
        Set<String> users = affectedUsers(payload);
        if (payload instanceof MessagePosted posted) {
            for (String mentioned : posted.getMentions()) {
                if (isMember.test(mentioned)) {
                    users.add(mentioned);
                }
            }
        }
        return users;
    }

    /**
     * What an event becomes for its readers, keyed as it is forwarded: in a read-diffused conversation
     * the broadcast (keyed by conversation, with the member count after the event) and, if the actor
     * is not among the recipients, the command's acceptance for the actor's inbox (the actor's inbox
     * does not get a broadcast event; {@link InboxOutcomes}); then one unsequenced inbox entry
     * ({@code inbox_seq} 0) per recipient, keyed by user, in the recipients' order.
     */
    public static List<KeyValue<String, SpecificRecord>> deliveries(ConversationEvent event, Set<String> recipients,
            boolean readDiffused, int memberCountAfter) {
        List<KeyValue<String, SpecificRecord>> out = new ArrayList<>(recipients.size() + 2);
        if (readDiffused) {
            out.add(KeyValue.pair(event.getConversationId(), BroadcastEntry.newBuilder().setConversationId(event.getConversationId())
                    .setSeq(event.getSeq()).setMemberCount(memberCountAfter).setEvent(event).build()));
            CommandResult accepted = recipients.contains(event.getActorId()) ? null : InboxOutcomes.acceptedFromEvent(event);
            if (accepted != null) {
                out.add(KeyValue.pair(accepted.getSenderId(), InboxOutcomes.entry(accepted)));
            }
        }
        for (String userId : recipients) {
            out.add(KeyValue.pair(userId, InboxEntry.newBuilder()
                    .setUserId(userId)
                    .setInboxSeq(0)
                    .setConversationId(event.getConversationId())
                    .setConvSeq(event.getSeq())
                    .setCreatedAt(event.getOccurredAt())
                    .setItem(event)
                    .build()));
        }
        return out;
    }
}
