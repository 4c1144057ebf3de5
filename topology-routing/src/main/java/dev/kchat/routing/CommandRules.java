package dev.kchat.routing;

import dev.kchat.events.chat.AddMembers;
import dev.kchat.events.chat.AddReaction;
import dev.kchat.events.chat.ChangeRole;
import dev.kchat.events.chat.ChatCommand;
import dev.kchat.events.chat.CommandAccepted;
import dev.kchat.events.chat.CommandRejected;
import dev.kchat.events.chat.CommandResult;
import dev.kchat.events.chat.ConversationCreated;
import dev.kchat.events.chat.ConversationEvent;
import dev.kchat.events.chat.ConversationRenamed;
import dev.kchat.events.chat.CreateConversation;
import dev.kchat.events.chat.DeleteMessage;
import dev.kchat.events.chat.EditMessage;
import dev.kchat.events.chat.LeaveConversation;
import dev.kchat.events.chat.MemberJoined;
import dev.kchat.events.chat.MemberLeft;
import dev.kchat.events.chat.MessageDeleted;
import dev.kchat.events.chat.MessageEdited;
import dev.kchat.events.chat.MessagePosted;
import dev.kchat.events.chat.MessageRecalled;
import dev.kchat.events.chat.MessageRedacted;
import dev.kchat.events.chat.RedactMessage;
import dev.kchat.events.moderation.UserMute;
import dev.kchat.events.chat.OwnershipTransferred;
import dev.kchat.events.chat.ReactionAdded;
import dev.kchat.events.chat.ReactionRemoved;
import dev.kchat.events.chat.RecallMessage;
import dev.kchat.events.chat.RemoveMember;
import dev.kchat.events.chat.RemoveReaction;
import dev.kchat.events.chat.RenameConversation;
import dev.kchat.events.chat.RoleChanged;
import dev.kchat.events.chat.SendMessage;
import dev.kchat.events.chat.TransferOwnership;
import dev.kchat.events.common.ConversationKind;
import dev.kchat.events.common.Member;
import dev.kchat.events.common.MemberRole;
import dev.kchat.routing.Decision.Change;
import dev.kchat.routing.Decision.DeleteMember;
import dev.kchat.routing.Decision.PutConversation;
import dev.kchat.routing.Decision.PutMember;
import dev.kchat.routing.Decision.PutMessage;
import dev.kchat.routing.Decision.PutSent;
import dev.kchat.routing.state.ConversationMeta;
import dev.kchat.routing.state.MemberState;
import dev.kchat.routing.state.MessageRef;
import dev.kchat.routing.state.SentMessage;
import dev.kchat.schemas.CommandTypes;
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

    private final Duration editWindow;
    private final Duration recallWindow;

    CommandRules(Duration editWindow, Duration recallWindow) {
        this.editWindow = editWindow;
        this.recallWindow = recallWindow;
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
            return send(command, send, meta, at, state, mute);
        }
        if (payload instanceof RedactMessage redact) {
            return redact(command, redact, meta, at, state);
        }
        if (mute != null) {
            return muted(command, at, mute);
        }
        MemberState sender = state.member(conversationId, command.getSenderId());
        if (sender == null) {
            return reject(command, at, NOT_A_MEMBER, command.getSenderId() + " is not a member of " + conversationId);
        }
        Context c = new Context(command, meta, sender, at, state);
        if (payload instanceof AddMembers p) {
            return addMembers(c, p);
        } else if (payload instanceof RemoveMember p) {
            return removeMember(c, p);
        } else if (payload instanceof LeaveConversation) {
            return leave(c);
        } else if (payload instanceof ChangeRole p) {
            return changeRole(c, p);
        } else if (payload instanceof TransferOwnership p) {
            return transferOwnership(c, p);
        } else if (payload instanceof RenameConversation p) {
            return rename(c, p);
        } else if (payload instanceof EditMessage p) {
            return edit(c, p);
        } else if (payload instanceof RecallMessage p) {
            return recall(c, p);
        } else if (payload instanceof DeleteMessage p) {
            return delete(c, p);
        } else if (payload instanceof AddReaction p) {
            return react(c, p.getTargetSeq(), p.getEmoji(), true);
        } else if (payload instanceof RemoveReaction p) {
            return react(c, p.getTargetSeq(), p.getEmoji(), false);
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

    private Decision send(ChatCommand command, SendMessage send, ConversationMeta meta, Instant at, RoutingState state,
            UserMute mute) {
        String conversationId = command.getConversationId();
        String senderId = command.getSenderId();
        SentMessage prior = state.sent(conversationId, senderId, send.getClientMsgId());
        if (prior != null) {
            // A retry: answer with the seq the first attempt got, append nothing (also when muted since).
            return new Decision(null, result(command, at, accepted(prior.getSeq(), prior.getMessageId(), true)), List.of());
        }
        if (mute != null) {
            return muted(command, at, mute);
        }
        MemberState sender = state.member(conversationId, senderId);
        if (sender == null) {
            return reject(command, at, NOT_A_MEMBER, senderId + " is not a member of " + conversationId);
        }
        if (kind(meta) == ConversationKind.CHANNEL && !isManager(sender)) {
            return reject(command, at, FORBIDDEN, "only the owner and admins post in a channel");
        }
        if (send.getReplyToSeq() != null && (send.getReplyToSeq() < 1 || send.getReplyToSeq() > meta.getLastSeq())) {
            return reject(command, at, INVALID_COMMAND, "reply_to_seq " + send.getReplyToSeq() + " is not in 1.." + meta.getLastSeq());
        }
        MediaRules.Checked media = MediaRules.check(senderId, send.getAttachments(), state);
        if (media.refused()) {
            return reject(command, at, media.code(), media.reason());
        }
        long seq = meta.getLastSeq() + 1;
        List<Change> changes = new ArrayList<>();
        changes.add(new PutConversation(conversationId, withSeq(meta, seq)));
        changes.add(new PutSent(conversationId, senderId, send.getClientMsgId(), SentMessage.newBuilder()
                .setSeq(seq).setMessageId(send.getMessageId()).setCommandId(command.getCommandId()).setRecordedAt(at).build()));
        changes.add(new PutMessage(conversationId, seq, MessageRef.newBuilder()
                .setAuthorId(senderId).setMessageId(send.getMessageId()).setPostedAt(at).build()));
        MessagePosted event = MessagePosted.newBuilder()
                .setMessageId(send.getMessageId())
                .setClientMsgId(send.getClientMsgId())
                .setBody(send.getBody())
                .setReplyToSeq(send.getReplyToSeq())
                .setMentions(send.getMentions())
                .setAttachments(media.attachments())
                .build();
        return accepted(command, at, seq, event, changes, send.getMessageId(), false);
    }

    private Decision addMembers(Context c, AddMembers add) {
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

    private Decision removeMember(Context c, RemoveMember remove) {
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

    private Decision leave(Context c) {
        if (c.kind() == ConversationKind.DIRECT) {
            return c.reject(FORBIDDEN, "a direct conversation cannot be left");
        }
        if (role(c.sender()) == MemberRole.OWNER) {
            return c.reject(FORBIDDEN, "the owner must transfer ownership before leaving");
        }
        return leaving(c, c.senderId(), false);
    }

    private Decision leaving(Context c, String userId, boolean removed) {
        long seq = c.nextSeq();
        List<Change> changes = List.of(
                new PutConversation(c.conversationId(), ConversationMeta.newBuilder(c.meta())
                        .setLastSeq(seq).setMemberCount(c.meta().getMemberCount() - 1).build()),
                new DeleteMember(c.conversationId(), userId));
        return c.accept(seq, MemberLeft.newBuilder().setUserId(userId).setRemoved(removed).build(), changes);
    }

    private Decision changeRole(Context c, ChangeRole change) {
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

    private Decision transferOwnership(Context c, TransferOwnership transfer) {
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

    private Decision rename(Context c, RenameConversation rename) {
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

    private Decision edit(Context c, EditMessage edit) {
        MessageRef target = c.state().message(c.conversationId(), edit.getTargetSeq());
        if (target == null) {
            return c.reject(TARGET_NOT_FOUND, "no editable message at seq " + edit.getTargetSeq());
        }
        if (!target.getAuthorId().equals(c.senderId())) {
            return c.reject(FORBIDDEN, "only the author edits a message");
        }
        if (expired(target, c.at(), editWindow)) {
            return c.reject(EDIT_WINDOW_EXPIRED, "messages can be edited for " + editWindow + " after posting");
        }
        if (edit.getBody().isBlank()) {
            return c.reject(INVALID_COMMAND, "the new body is empty");
        }
        long seq = c.nextSeq();
        return c.accept(seq, MessageEdited.newBuilder().setTargetSeq(edit.getTargetSeq()).setBody(edit.getBody()).build(),
                List.of(new PutConversation(c.conversationId(), withSeq(c.meta(), seq))));
    }

    private Decision recall(Context c, RecallMessage recall) {
        MessageRef target = c.state().message(c.conversationId(), recall.getTargetSeq());
        if (target == null) {
            return c.reject(TARGET_NOT_FOUND, "no message to recall at seq " + recall.getTargetSeq());
        }
        if (!target.getAuthorId().equals(c.senderId())) {
            return c.reject(FORBIDDEN, "only the author recalls a message");
        }
        if (expired(target, c.at(), recallWindow)) {
            return c.reject(EDIT_WINDOW_EXPIRED, "messages can be recalled for " + recallWindow + " after posting");
        }
        long seq = c.nextSeq();
        return c.accept(seq, MessageRecalled.newBuilder().setTargetSeq(recall.getTargetSeq()).build(), List.of(
                new PutConversation(c.conversationId(), withSeq(c.meta(), seq)),
                new Decision.DeleteMessage(c.conversationId(), recall.getTargetSeq())));
    }

    private Decision delete(Context c, DeleteMessage delete) {
        MessageRef target = c.state().message(c.conversationId(), delete.getTargetSeq());
        if (target == null) {
            return c.reject(TARGET_NOT_FOUND, "no message to delete at seq " + delete.getTargetSeq());
        }
        boolean author = target.getAuthorId().equals(c.senderId());
        if (!author && !(c.kind() != ConversationKind.DIRECT && isManager(c.sender()))) {
            return c.reject(FORBIDDEN, "only the author, or an owner or admin of a group, deletes a message");
        }
        long seq = c.nextSeq();
        return c.accept(seq, MessageDeleted.newBuilder().setTargetSeq(delete.getTargetSeq()).build(), List.of(
                new PutConversation(c.conversationId(), withSeq(c.meta(), seq)),
                new Decision.DeleteMessage(c.conversationId(), delete.getTargetSeq())));
    }

    private Decision react(Context c, long targetSeq, String emoji, boolean add) {
        if (c.state().message(c.conversationId(), targetSeq) == null) {
            return c.reject(TARGET_NOT_FOUND, "no message at seq " + targetSeq);
        }
        if (emoji.isBlank() || emoji.length() > MAX_EMOJI_LENGTH) {
            return c.reject(INVALID_COMMAND, "a reaction has 1 to " + MAX_EMOJI_LENGTH + " characters");
        }
        long seq = c.nextSeq();
        Object event = add
                ? ReactionAdded.newBuilder().setTargetSeq(targetSeq).setEmoji(emoji).build()
                : ReactionRemoved.newBuilder().setTargetSeq(targetSeq).setEmoji(emoji).build();
        return c.accept(seq, event, List.of(new PutConversation(c.conversationId(), withSeq(c.meta(), seq))));
    }

    /**
     * Trust and safety removes a message's content (from routing's moderation relay): any seq of the
     * conversation, also one older than routing keeps message references for (the store and the
     * devices drop the content). The reference is forgotten, so the message can no longer be edited
     * or reacted to.
     */
    private Decision redact(ChatCommand command, RedactMessage redact, ConversationMeta meta, Instant at, RoutingState state) {
        if (Ids.isUserId(command.getSenderId())) {
            // Doors never produce it; a user id here means a misbehaving producer.
            return reject(command, at, FORBIDDEN, "only moderation redacts messages");
        }
        long target = redact.getTargetSeq();
        if (target < 1 || target > meta.getLastSeq()) {
            return reject(command, at, TARGET_NOT_FOUND, "no seq " + target + " in " + command.getConversationId());
        }
        long seq = meta.getLastSeq() + 1;
        String conversationId = command.getConversationId();
        return accepted(command, at, seq, MessageRedacted.newBuilder().setTargetSeq(target).setRule(redact.getRule())
                        .setVerdictId(redact.getVerdictId()).build(),
                List.of(new PutConversation(conversationId, withSeq(meta, seq)), new Decision.DeleteMessage(conversationId, target)),
                null, false);
    }

    /** The user's mute if it is still on at {@code at}, else null. */
    private static UserMute activeMute(String userId, Instant at, RoutingState state) {
        UserMute mute = state.mute(userId);
        return mute != null && mute.getUntil().isAfter(at) ? mute : null;
    }

    private static Decision muted(ChatCommand command, Instant at, UserMute mute) {
        return new Decision(null, result(command, at, CommandRejected.newBuilder().setCode(MUTED)
                .setReason("muted until " + mute.getUntil() + ": " + mute.getReason()).setUntil(mute.getUntil()).build()), List.of());
    }

    private static boolean expired(MessageRef target, Instant at, Duration window) {
        return Duration.between(target.getPostedAt(), at).compareTo(window) > 0;
    }

    private static Decision accepted(ChatCommand command, Instant at, long seq, Object payload, List<Change> changes,
            String messageId, boolean duplicate) {
        ConversationEvent event = ConversationEvent.newBuilder()
                .setConversationId(command.getConversationId())
                .setSeq(seq)
                .setEventId(command.getCommandId())
                .setActorId(command.getSenderId())
                .setActorDeviceId(command.getSenderDeviceId())
                .setRequestId(requestId(command))
                .setOccurredAt(at)
                .setPayload(payload)
                .build();
        return new Decision(event, result(command, at, accepted(seq, messageId, duplicate)), changes);
    }

    private static CommandAccepted accepted(long seq, String messageId, boolean duplicate) {
        return CommandAccepted.newBuilder().setSeq(seq).setMessageId(messageId).setDuplicate(duplicate).build();
    }

    private static Decision reject(ChatCommand command, Instant at, String code, String reason) {
        return new Decision(null, result(command, at, CommandRejected.newBuilder().setCode(code).setReason(reason).build()), List.of());
    }

    private static CommandResult result(ChatCommand command, Instant at, Object outcome) {
        String clientMsgId = command.getPayload() instanceof SendMessage send ? send.getClientMsgId() : null;
        return CommandResult.newBuilder()
                .setCommandId(command.getCommandId())
                .setConversationId(command.getConversationId())
                .setSenderId(command.getSenderId())
                .setSenderDeviceId(command.getSenderDeviceId())
                .setClientMsgId(clientMsgId)
                .setRequestId(requestId(command))
                .setCommandType(CommandTypes.ofCommand(command.getPayload()))
                .setReplyPartition(command.getReplyPartition())
                .setDecidedAt(at)
                .setOutcome(outcome)
                .build();
    }

    /** The client's reference of a command: its request id, else (sends) its client_msg_id. */
    static String requestId(ChatCommand command) {
        if (command.getRequestId() != null) {
            return command.getRequestId();
        }
        return command.getPayload() instanceof SendMessage send ? send.getClientMsgId() : null;
    }

    private static ConversationMeta withSeq(ConversationMeta meta, long seq) {
        return ConversationMeta.newBuilder(meta).setLastSeq(seq).build();
    }

    private static Member member(String userId, MemberRole role) {
        return Member.newBuilder().setUserId(userId).setRole(role).build();
    }

    private static MemberState memberState(MemberRole role, long joinedSeq) {
        return MemberState.newBuilder().setRole(role.name()).setJoinedSeq(joinedSeq).build();
    }

    private static MemberRole role(MemberState member) {
        return MemberRole.valueOf(member.getRole());
    }

    private static ConversationKind kind(ConversationMeta meta) {
        return ConversationKind.valueOf(meta.getKind());
    }

    private static boolean isManager(MemberState member) {
        MemberRole role = role(member);
        return role == MemberRole.OWNER || role == MemberRole.ADMIN;
    }

    /** A command from a current member of an existing conversation. */
    private record Context(ChatCommand command, ConversationMeta meta, MemberState sender, Instant at, RoutingState state) {

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
            return accepted(command, at, seq, payload, changes, null, false);
        }
    }
}
