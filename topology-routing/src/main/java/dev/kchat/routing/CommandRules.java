package dev.kchat.routing;

import dev.kchat.events.chat.AddMembers;
import dev.kchat.events.chat.AddReaction;
import dev.kchat.events.chat.ChangeRole;
import dev.kchat.events.chat.ChatCommand;
import dev.kchat.events.chat.CommandAccepted;
import dev.kchat.events.chat.CommandResult;
import dev.kchat.events.chat.ConversationCreated;
import dev.kchat.events.chat.ConversationEvent;
import dev.kchat.events.chat.CreateConversation;
import dev.kchat.events.chat.DeleteMessage;
import dev.kchat.events.chat.EditMessage;
import dev.kchat.events.chat.LeaveConversation;
import dev.kchat.events.chat.RedactMessage;
import dev.kchat.events.moderation.UserMute;
import dev.kchat.events.chat.RecallMessage;
import dev.kchat.events.chat.RemoveMember;
import dev.kchat.events.chat.RemoveReaction;
import dev.kchat.events.chat.RenameConversation;
import dev.kchat.events.chat.SendMessage;
import dev.kchat.events.chat.TransferOwnership;
import dev.kchat.events.common.ConversationKind;
import dev.kchat.events.common.Member;
import dev.kchat.events.common.MemberRole;
import dev.kchat.routing.Decision.Change;
import dev.kchat.routing.Decision.PutConversation;
import dev.kchat.routing.Decision.PutMember;
import dev.kchat.routing.state.ConversationMeta;
import dev.kchat.routing.state.MemberState;
import dev.kchat.routing.state.MessageRef;
import dev.kchat.schemas.Ids;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The routing rules: decides one command against the state of its conversation and returns the
 * event to append, the result for the sender and the state changes. Reads state only through
 * {@link RoutingState} and never writes it, so a decision is a plain function of (command, time,
 * state): replaying the same commands over the same state yields the same events. Every check
 * runs before any change is produced, so a rejected command changes nothing.
 *
 * <p>Rules: a muted user (routing's global store over {@code moderation.mutes}) may not post or
 * change what others see ({@code muted}, with the mute's end); only members act; in groups and channels the OWNER and ADMINs manage members, names
 * and others' messages, the OWNER alone changes roles and hands ownership over; in channels only
 * the OWNER and ADMINs post; direct chats have two fixed MEMBERs. A message's attachments must be
 * completed uploads of the sender's own ({@link MediaRules}).
 *
 * <p>Dispatch and creation are here; messages are decided by {@link ConversationMessageRules},
 * membership, roles and names by {@link ConversationMembershipRules}, both over a
 * {@link ConversationContext}. Servers and their channels are {@link ServerRules}' (keyed by the
 * server id).
 */
final class CommandRules {

    static final String NOT_A_MEMBER = "not_a_member";
    static final String FORBIDDEN = "forbidden";
    static final String CONVERSATION_NOT_FOUND = "conversation_not_found";
    static final String CONVERSATION_EXISTS = "conversation_exists";
    static final String TARGET_NOT_FOUND = "target_not_found";
    static final String EDIT_WINDOW_EXPIRED = "edit_window_expired";
    static final String INVALID_COMMAND = "invalid_command";
    static final String MUTED = "muted";

    /**
     * What a muted user may not do: anything that puts new content or people in front of others.
     * Leaving, reading, and taking back one's own messages (recall, delete, unreact) stay open.
     */
    private static final Set<Class<?>> MUTED_COMMANDS = Set.of(SendMessage.class, EditMessage.class, AddReaction.class,
            CreateConversation.class, RenameConversation.class, AddMembers.class);

    /** Longest conversation name accepted. */
    static final int MAX_NAME_LENGTH = 256;
    /** Longest reaction (an emoji sequence) accepted. */
    static final int MAX_EMOJI_LENGTH = 64;

    private final ConversationMessageRules messages;
    private final ConversationMembershipRules membership = new ConversationMembershipRules();

    CommandRules(Duration editWindow, Duration recallWindow) {
        this.messages = new ConversationMessageRules(editWindow, recallWindow);
    }

    /**
     * Decides a command.
     *
     * @param key   the record key, which must be the command's conversation id
     * @param at    the command record's timestamp: the event's occurred_at and the result's decided_at
     * @param state the conversation's current state
     */
    Decision decide(String key, ChatCommand command, Instant at, RoutingState state) {
        String conversationId = command.getConversationId();
        if (!conversationId.equals(key)) {
            // Another task may own the conversation: acting here would fork its sequence.
            return reject(command, at, INVALID_COMMAND, "record key '" + key + "' differs from conversation_id '" + conversationId + "'");
        }
        if (Ids.serverOf(conversationId) != null) {
            // A server's commands are decided by ServerRules, keyed by the server id (Ids.routingKey).
            return reject(command, at, INVALID_COMMAND, "'" + conversationId + "' belongs to server " + Ids.serverOf(conversationId)
                    + ": its commands are keyed by the server id");
        }
        Object payload = command.getPayload();
        UserMute mute = MUTED_COMMANDS.contains(payload.getClass()) ? activeMute(command.getSenderId(), at, state) : null;
        if (payload instanceof CreateConversation create) {
            return mute != null ? muted(command, at, mute) : create(command, create, at, state);
        }
        ConversationMeta meta = state.conversation(conversationId);
        if (meta == null) {
            return reject(command, at, CONVERSATION_NOT_FOUND, "conversation " + conversationId + " does not exist");
        }
        if (payload instanceof SendMessage send) {
            return messages.send(command, send, meta, at, state, mute);
        }
        if (payload instanceof RedactMessage redact) {
            return messages.redact(command, redact, meta, at, state);
        }
        if (mute != null) {
            return muted(command, at, mute);
        }
        MemberState sender = state.member(conversationId, command.getSenderId());
        if (sender == null) {
            return reject(command, at, NOT_A_MEMBER, command.getSenderId() + " is not a member of " + conversationId);
        }
        ConversationContext c = new ConversationContext(command, meta, sender, at, state);
        if (payload instanceof AddMembers p) {
            return membership.addMembers(c, p);
        } else if (payload instanceof RemoveMember p) {
            return membership.removeMember(c, p);
        } else if (payload instanceof LeaveConversation) {
            return membership.leave(c);
        } else if (payload instanceof ChangeRole p) {
            return membership.changeRole(c, p);
        } else if (payload instanceof TransferOwnership p) {
            return membership.transferOwnership(c, p);
        } else if (payload instanceof RenameConversation p) {
            return membership.rename(c, p);
        } else if (payload instanceof EditMessage p) {
            return messages.edit(c, p);
        } else if (payload instanceof RecallMessage p) {
            return messages.recall(c, p);
        } else if (payload instanceof DeleteMessage p) {
            return messages.delete(c, p);
        } else if (payload instanceof AddReaction p) {
            return messages.react(c, p.getTargetSeq(), p.getEmoji(), true);
        } else if (payload instanceof RemoveReaction p) {
            return messages.react(c, p.getTargetSeq(), p.getEmoji(), false);
        }
        // A command kind added to the schema after this version was built.
        return reject(command, at, INVALID_COMMAND, "unsupported command " + payload.getClass().getSimpleName());
    }

    private Decision create(ChatCommand command, CreateConversation create, Instant at, RoutingState state) {
        String conversationId = command.getConversationId();
        String senderId = command.getSenderId();
        if (!Ids.isConversationId(conversationId)) {
            return reject(command, at, INVALID_COMMAND, "'" + conversationId + "' is not a valid conversation id");
        }
        ConversationMeta existing = state.conversation(conversationId);
        if (existing != null && command.getCommandId().equals(existing.getCreatedByCommandId())) {
            // A retried create: answer as the first attempt was answered, append nothing.
            return new Decision(null, result(command, at, accepted(1, null, true)), List.of());
        }
        if (existing != null) {
            return reject(command, at, CONVERSATION_EXISTS, "conversation " + conversationId + " already exists");
        }
        if (!Ids.isUserId(senderId)) {
            return reject(command, at, INVALID_COMMAND, "'" + senderId + "' is not a valid user id");
        }
        Set<String> others = new LinkedHashSet<>(create.getMemberIds());
        others.remove(senderId);
        for (String userId : others) {
            if (!Ids.isUserId(userId)) {
                return reject(command, at, INVALID_COMMAND, "'" + userId + "' is not a valid user id");
            }
        }
        List<Member> members = new ArrayList<>();
        String ownerId;
        if (create.getKind() == ConversationKind.DIRECT) {
            if (others.size() != 1) {
                return reject(command, at, INVALID_COMMAND, "a direct conversation has exactly one other member, got " + others.size());
            }
            String other = others.iterator().next();
            String expected = Ids.directConversation(senderId, other);
            if (!expected.equals(conversationId)) {
                return reject(command, at, INVALID_COMMAND, "the direct conversation of " + senderId + " and " + other + " is " + expected);
            }
            members.add(member(senderId, MemberRole.MEMBER));
            members.add(member(other, MemberRole.MEMBER));
            ownerId = null;
        } else {
            if (Ids.isDirectConversation(conversationId)) {
                return reject(command, at, INVALID_COMMAND, "ids of the form dm:a:b are reserved for direct conversations");
            }
            if (create.getName() != null && create.getName().length() > MAX_NAME_LENGTH) {
                return reject(command, at, INVALID_COMMAND, "name is longer than " + MAX_NAME_LENGTH + " characters");
            }
            members.add(member(senderId, MemberRole.OWNER));
            others.forEach(u -> members.add(member(u, MemberRole.MEMBER)));
            ownerId = senderId;
        }
        long seq = 1;
        ConversationMeta meta = ConversationMeta.newBuilder()
                .setKind(create.getKind().name())
                .setName(create.getKind() == ConversationKind.DIRECT ? null : create.getName())
                .setOwnerId(ownerId)
                .setLastSeq(seq)
                .setMemberCount(members.size())
                .setCreatedAt(at)
                .setCreatedByCommandId(command.getCommandId())
                .build();
        List<Change> changes = new ArrayList<>();
        changes.add(new PutConversation(conversationId, meta));
        members.forEach(m -> changes.add(new PutMember(conversationId, m.getUserId(), memberState(m.getRole(), seq))));
        ConversationCreated event = ConversationCreated.newBuilder()
                .setKind(create.getKind())
                .setName(meta.getName())
                .setMembers(members)
                .build();
        return accepted(command, at, seq, event, changes, null, false);
    }

    static UserMute activeMute(String userId, Instant at, RoutingState state) {
        return Outcomes.activeMute(userId, at, state);
    }

    static Decision muted(ChatCommand command, Instant at, UserMute mute) {
        return new Decision(null, result(command, at, Outcomes.muted(mute)), List.of());
    }

    static boolean expired(MessageRef target, Instant at, Duration window) {
        return Duration.between(target.getPostedAt(), at).compareTo(window) > 0;
    }

    static Decision accepted(ChatCommand command, Instant at, long seq, Object payload, List<Change> changes,
            String messageId, boolean duplicate) {
        ConversationEvent event = Outcomes.event(command, at, command.getConversationId(), seq, payload);
        return new Decision(event, result(command, at, accepted(seq, messageId, duplicate)), changes);
    }

    static CommandAccepted accepted(long seq, String messageId, boolean duplicate) {
        return Outcomes.accepted(seq, messageId, duplicate);
    }

    static Decision reject(ChatCommand command, Instant at, String code, String reason) {
        return new Decision(null, result(command, at, Outcomes.rejected(code, reason)), List.of());
    }

    static CommandResult result(ChatCommand command, Instant at, Object outcome) {
        return Outcomes.result(command, at, outcome);
    }

    static ConversationMeta withSeq(ConversationMeta meta, long seq) {
        return ConversationMeta.newBuilder(meta).setLastSeq(seq).build();
    }

    static Member member(String userId, MemberRole role) {
        return Member.newBuilder().setUserId(userId).setRole(role).build();
    }

    static MemberState memberState(MemberRole role, long joinedSeq) {
        return MemberState.newBuilder().setRole(role.name()).setJoinedSeq(joinedSeq).build();
    }

    static MemberRole role(MemberState member) {
        return MemberRole.valueOf(member.getRole());
    }

    static ConversationKind kind(ConversationMeta meta) {
        return ConversationKind.valueOf(meta.getKind());
    }

    static boolean isManager(MemberState member) {
        MemberRole role = role(member);
        return role == MemberRole.OWNER || role == MemberRole.ADMIN;
    }

}
