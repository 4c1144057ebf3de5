package dev.kchat.routing;

import dev.kchat.events.chat.ConversationCreated;
import dev.kchat.events.chat.MemberJoined;
import dev.kchat.events.chat.MemberLeft;
import dev.kchat.events.chat.OwnershipTransferred;
import dev.kchat.events.chat.RoleChanged;
import dev.kchat.events.common.ConversationKind;
import dev.kchat.events.common.Member;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The fan-out rules as plain functions over values: which users an event concerns and whether a
 * conversation is read-diffused.
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
}
