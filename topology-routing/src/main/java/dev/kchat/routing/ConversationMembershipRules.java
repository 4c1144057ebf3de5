package dev.kchat.routing;

import static dev.kchat.routing.CommandRules.FORBIDDEN;
import static dev.kchat.routing.CommandRules.INVALID_COMMAND;
import static dev.kchat.routing.CommandRules.MAX_NAME_LENGTH;
import static dev.kchat.routing.CommandRules.TARGET_NOT_FOUND;
import static dev.kchat.routing.CommandRules.isManager;
import static dev.kchat.routing.CommandRules.member;
import static dev.kchat.routing.CommandRules.memberState;
import static dev.kchat.routing.CommandRules.role;
import static dev.kchat.routing.CommandRules.withSeq;

import dev.kchat.events.chat.AddMembers;
import dev.kchat.events.chat.ChangeRole;
import dev.kchat.events.chat.ConversationRenamed;
import dev.kchat.events.chat.LeaveConversation;
import dev.kchat.events.chat.MemberJoined;
import dev.kchat.events.chat.MemberLeft;
import dev.kchat.events.chat.OwnershipTransferred;
import dev.kchat.events.chat.RemoveMember;
import dev.kchat.events.chat.RenameConversation;
import dev.kchat.events.chat.RoleChanged;
import dev.kchat.events.chat.TransferOwnership;
import dev.kchat.events.common.ConversationKind;
import dev.kchat.events.common.Member;
import dev.kchat.events.common.MemberRole;
import dev.kchat.routing.Decision.Change;
import dev.kchat.routing.Decision.DeleteMember;
import dev.kchat.routing.Decision.PutConversation;
import dev.kchat.routing.Decision.PutMember;
import dev.kchat.routing.state.ConversationMeta;
import dev.kchat.routing.state.MemberState;
import dev.kchat.schemas.Ids;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;

/**
 * Who is in a group or channel conversation and what it is called: adding and removing members,
 * leaving, roles, ownership and renames (the OWNER and ADMINs manage members and the name, the OWNER
 * alone changes roles and hands ownership over; direct chats have two fixed members).
 */
final class ConversationMembershipRules {

    Decision addMembers(ConversationContext c, AddMembers add) {
        if (c.kind() == ConversationKind.DIRECT) {
            return c.reject(FORBIDDEN, "a direct conversation cannot have more members");
        }
        if (!isManager(c.sender())) {
            return c.reject(FORBIDDEN, "only the owner and admins add members");
        }
        List<Member> joined = new ArrayList<>();
        for (String userId : new LinkedHashSet<>(add.getUserIds())) {
            if (!Ids.isUserId(userId)) {
                return c.reject(INVALID_COMMAND, "'" + userId + "' is not a valid user id");
            }
            if (c.state().member(c.conversationId(), userId) == null) {
                joined.add(member(userId, MemberRole.MEMBER));
            }
        }
        if (joined.isEmpty()) {
            return c.reject(INVALID_COMMAND, "every user named is already a member");
        }
        long seq = c.nextSeq();
        List<Change> changes = new ArrayList<>();
        changes.add(new PutConversation(c.conversationId(), ConversationMeta.newBuilder(c.meta())
                .setLastSeq(seq).setMemberCount(c.meta().getMemberCount() + joined.size()).build()));
        joined.forEach(m -> changes.add(new PutMember(c.conversationId(), m.getUserId(), memberState(MemberRole.MEMBER, seq))));
        return c.accept(seq, MemberJoined.newBuilder().setMembers(joined).build(), changes);
    }

    Decision removeMember(ConversationContext c, RemoveMember remove) {
        String targetId = remove.getUserId();
        if (c.kind() == ConversationKind.DIRECT) {
            return c.reject(FORBIDDEN, "nobody can be removed from a direct conversation");
        }
        if (targetId.equals(c.senderId())) {
            return c.reject(INVALID_COMMAND, "to leave, send LeaveConversation");
        }
        if (!isManager(c.sender())) {
            return c.reject(FORBIDDEN, "only the owner and admins remove members");
        }
        MemberState target = c.state().member(c.conversationId(), targetId);
        if (target == null) {
            return c.reject(TARGET_NOT_FOUND, targetId + " is not a member of " + c.conversationId());
        }
        if (role(target) == MemberRole.OWNER) {
            return c.reject(FORBIDDEN, "the owner cannot be removed");
        }
        if (role(target) == MemberRole.ADMIN && role(c.sender()) != MemberRole.OWNER) {
            return c.reject(FORBIDDEN, "only the owner removes an admin");
        }
        return leaving(c, targetId, true);
    }

    Decision leave(ConversationContext c) {
        if (c.kind() == ConversationKind.DIRECT) {
            return c.reject(FORBIDDEN, "a direct conversation cannot be left");
        }
        if (role(c.sender()) == MemberRole.OWNER) {
            return c.reject(FORBIDDEN, "the owner must transfer ownership before leaving");
        }
        return leaving(c, c.senderId(), false);
    }

    Decision leaving(ConversationContext c, String userId, boolean removed) {
        long seq = c.nextSeq();
        List<Change> changes = List.of(
                new PutConversation(c.conversationId(), ConversationMeta.newBuilder(c.meta())
                        .setLastSeq(seq).setMemberCount(c.meta().getMemberCount() - 1).build()),
                new DeleteMember(c.conversationId(), userId));
        return c.accept(seq, MemberLeft.newBuilder().setUserId(userId).setRemoved(removed).build(), changes);
    }

    Decision changeRole(ConversationContext c, ChangeRole change) {
        if (c.kind() == ConversationKind.DIRECT) {
            return c.reject(FORBIDDEN, "a direct conversation has no roles");
        }
        if (role(c.sender()) != MemberRole.OWNER) {
            return c.reject(FORBIDDEN, "only the owner changes roles");
        }
        if (change.getRole() == MemberRole.OWNER) {
            return c.reject(INVALID_COMMAND, "to make someone owner, send TransferOwnership");
        }
        MemberState target = c.state().member(c.conversationId(), change.getUserId());
        if (target == null) {
            return c.reject(TARGET_NOT_FOUND, change.getUserId() + " is not a member of " + c.conversationId());
        }
        if (role(target) == MemberRole.OWNER) {
            return c.reject(FORBIDDEN, "the owner's role changes only by TransferOwnership");
        }
        if (role(target) == change.getRole()) {
            return c.reject(INVALID_COMMAND, change.getUserId() + " already is " + change.getRole());
        }
        long seq = c.nextSeq();
        List<Change> changes = List.of(
                new PutConversation(c.conversationId(), withSeq(c.meta(), seq)),
                new PutMember(c.conversationId(), change.getUserId(),
                        MemberState.newBuilder(target).setRole(change.getRole().name()).build()));
        return c.accept(seq, RoleChanged.newBuilder().setUserId(change.getUserId()).setRole(change.getRole()).build(), changes);
    }

    Decision transferOwnership(ConversationContext c, TransferOwnership transfer) {
        String newOwnerId = transfer.getNewOwnerId();
        if (c.kind() == ConversationKind.DIRECT) {
            return c.reject(FORBIDDEN, "a direct conversation has no owner");
        }
        if (role(c.sender()) != MemberRole.OWNER) {
            return c.reject(FORBIDDEN, "only the owner transfers ownership");
        }
        if (newOwnerId.equals(c.senderId())) {
            return c.reject(INVALID_COMMAND, c.senderId() + " already is the owner");
        }
        MemberState target = c.state().member(c.conversationId(), newOwnerId);
        if (target == null) {
            return c.reject(TARGET_NOT_FOUND, newOwnerId + " is not a member of " + c.conversationId());
        }
        long seq = c.nextSeq();
        List<Change> changes = List.of(
                new PutConversation(c.conversationId(), ConversationMeta.newBuilder(c.meta()).setLastSeq(seq).setOwnerId(newOwnerId).build()),
                new PutMember(c.conversationId(), c.senderId(), MemberState.newBuilder(c.sender()).setRole(MemberRole.ADMIN.name()).build()),
                new PutMember(c.conversationId(), newOwnerId, MemberState.newBuilder(target).setRole(MemberRole.OWNER.name()).build()));
        return c.accept(seq, OwnershipTransferred.newBuilder().setPreviousOwnerId(c.senderId()).setNewOwnerId(newOwnerId).build(), changes);
    }

    Decision rename(ConversationContext c, RenameConversation rename) {
        if (c.kind() == ConversationKind.DIRECT) {
            return c.reject(FORBIDDEN, "a direct conversation has no name");
        }
        if (!isManager(c.sender())) {
            return c.reject(FORBIDDEN, "only the owner and admins rename");
        }
        String name = rename.getName().strip();
        if (name.isEmpty() || name.length() > MAX_NAME_LENGTH) {
            return c.reject(INVALID_COMMAND, "a name has 1 to " + MAX_NAME_LENGTH + " characters");
        }
        long seq = c.nextSeq();
        List<Change> changes = List.of(new PutConversation(c.conversationId(),
                ConversationMeta.newBuilder(c.meta()).setLastSeq(seq).setName(name).build()));
        return c.accept(seq, ConversationRenamed.newBuilder().setName(name).build(), changes);
    }
}
