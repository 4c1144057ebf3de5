package dev.kchat.routing;

import static dev.kchat.routing.CommandRules.EDIT_WINDOW_EXPIRED;
import static dev.kchat.routing.CommandRules.FORBIDDEN;
import static dev.kchat.routing.CommandRules.INVALID_COMMAND;
import static dev.kchat.routing.CommandRules.MAX_EMOJI_LENGTH;
import static dev.kchat.routing.CommandRules.NOT_A_MEMBER;
import static dev.kchat.routing.CommandRules.TARGET_NOT_FOUND;
import static dev.kchat.routing.CommandRules.accepted;
import static dev.kchat.routing.CommandRules.expired;
import static dev.kchat.routing.CommandRules.isManager;
import static dev.kchat.routing.CommandRules.kind;
import static dev.kchat.routing.CommandRules.muted;
import static dev.kchat.routing.CommandRules.reject;
import static dev.kchat.routing.CommandRules.result;
import static dev.kchat.routing.CommandRules.withSeq;

import dev.kchat.events.chat.ChatCommand;
import dev.kchat.events.chat.DeleteMessage;
import dev.kchat.events.chat.EditMessage;
import dev.kchat.events.chat.MessageDeleted;
import dev.kchat.events.chat.MessageEdited;
import dev.kchat.events.chat.MessagePosted;
import dev.kchat.events.chat.MessageRecalled;
import dev.kchat.events.chat.MessageRedacted;
import dev.kchat.events.chat.ReactionAdded;
import dev.kchat.events.chat.ReactionRemoved;
import dev.kchat.events.chat.RecallMessage;
import dev.kchat.events.chat.RedactMessage;
import dev.kchat.events.chat.SendMessage;
import dev.kchat.events.common.ConversationKind;
import dev.kchat.events.moderation.UserMute;
import dev.kchat.routing.Decision.Change;
import dev.kchat.routing.Decision.PutConversation;
import dev.kchat.routing.Decision.PutMessage;
import dev.kchat.routing.Decision.PutSent;
import dev.kchat.routing.state.ConversationMeta;
import dev.kchat.routing.state.MemberState;
import dev.kchat.routing.state.MessageRef;
import dev.kchat.routing.state.SentMessage;
import dev.kchat.schemas.Ids;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Messages in a conversation: sends (dedupe by client_msg_id, membership, channels' posters,
 * replies, attachments through {@link MediaRules}), edits and recalls by the author within their
 * windows, deletes by the author or a group's OWNER and ADMINs, reactions, and moderation's
 * redactions.
 */
final class ConversationMessageRules {

    private final Duration editWindow;
    private final Duration recallWindow;

    ConversationMessageRules(Duration editWindow, Duration recallWindow) {
        this.editWindow = editWindow;
        this.recallWindow = recallWindow;
    }

    Decision send(ChatCommand command, SendMessage send, ConversationMeta meta, Instant at, RoutingState state,
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

    Decision edit(ConversationContext c, EditMessage edit) {
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

    Decision recall(ConversationContext c, RecallMessage recall) {
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

    Decision delete(ConversationContext c, DeleteMessage delete) {
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

    Decision react(ConversationContext c, long targetSeq, String emoji, boolean add) {
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
    Decision redact(ChatCommand command, RedactMessage redact, ConversationMeta meta, Instant at, RoutingState state) {
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
}
