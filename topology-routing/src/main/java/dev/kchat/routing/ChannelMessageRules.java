package dev.kchat.routing;

import dev.kchat.events.chat.AddReaction;
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
import dev.kchat.events.chat.RemoveReaction;
import dev.kchat.events.chat.SendMessage;
import dev.kchat.events.common.ChannelType;
import dev.kchat.events.moderation.UserMute;
import dev.kchat.routing.ServerDecision.Write;
import dev.kchat.routing.state.MessageRef;
import dev.kchat.routing.state.SentMessage;
import dev.kchat.routing.state.ServerChannelState;
import dev.kchat.routing.state.ServerMemberState;
import dev.kchat.routing.state.ServerRoleState;
import dev.kchat.routing.state.SnowflakeState;
import dev.kchat.schemas.Ids;
import dev.kchat.schemas.Snowflake;
import dev.kchat.servers.permissions.EffectivePermissions;
import dev.kchat.servers.permissions.Member;
import dev.kchat.servers.permissions.Permission;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;

/**
 * Messages in a server's channels (conversation_id = the channel id), each channel with its own
 * gap-free seq, checked against the sender's effective permission in the channel: nothing without
 * VIEW_CHANNEL; posting needs SEND_MESSAGES, and in an ANNOUNCEMENT channel also MANAGE_MESSAGES or
 * an overwrite that allows SEND_MESSAGES; deleting another's message needs MANAGE_MESSAGES; adding a
 * reaction ADD_REACTIONS. Mentions of @everyone are kept only with MENTION_EVERYONE, of a role only
 * if it is mentionable or the sender has MENTION_EVERYONE (Discord drops the ping, not the message).
 * Every posted message gets a snowflake ({@link Snowflake}) from the command's issued_at and this
 * worker's counter.
 */
final class ChannelMessageRules {

    private final Duration editWindow;
    private final Duration recallWindow;

    ChannelMessageRules(Duration editWindow, Duration recallWindow) {
        this.editWindow = editWindow;
        this.recallWindow = recallWindow;
    }

    ServerDecision decide(ServerContext c, String channelId, UserMute mute) {
        ServerChannelState channel = c.state().channel(channelId);
        if (channel == null) {
            return c.reject(CommandRules.CONVERSATION_NOT_FOUND, "no channel " + channelId);
        }
        if (ChannelType.CATEGORY.name().equals(channel.getType())) {
            return c.reject(CommandRules.INVALID_COMMAND, channelId + " is a category: it holds channels, not messages");
        }
        Object payload = c.command().getPayload();
        if (payload instanceof RedactMessage p) {
            return redact(c, channelId, channel, p);
        }
        if (payload instanceof SendMessage p) {
            SentMessage prior = c.state().sent(channelId, c.senderId(), p.getClientMsgId());
            if (prior != null) {
                // A retry: answer with the seq the first attempt got, append nothing (also when muted since).
                return c.duplicate(prior.getSeq(), prior.getMessageId());
            }
        }
        if (mute != null) {
            return c.muted(mute);
        }
        ServerMemberState senderState = c.state().serverMember(c.serverId(), c.senderId());
        if (senderState == null) {
            return c.reject(CommandRules.NOT_A_MEMBER, c.senderId() + " is not a member of " + c.serverId());
        }
        Member sender = ServerContext.member(c.senderId(), senderState);
        long permissions = c.inChannel(sender, channelId);
        if (!Permission.VIEW_CHANNEL.in(permissions)) {
            return c.reject(CommandRules.FORBIDDEN, c.senderId() + " cannot see " + channelId);
        }
        if (payload instanceof SendMessage p) {
            return send(c, channelId, channel, sender, permissions, p);
        } else if (payload instanceof EditMessage p) {
            return edit(c, channelId, channel, p);
        } else if (payload instanceof RecallMessage p) {
            return recall(c, channelId, channel, p);
        } else if (payload instanceof DeleteMessage p) {
            return delete(c, channelId, channel, permissions, p);
        } else if (payload instanceof AddReaction p) {
            ServerDecision refused = c.requireOr(permissions, Permission.ADD_REACTIONS, "reacting in " + channelId);
            return refused != null ? refused : react(c, channelId, channel, p.getTargetSeq(), p.getEmoji(), true);
        } else if (payload instanceof RemoveReaction p) {
            return react(c, channelId, channel, p.getTargetSeq(), p.getEmoji(), false);
        }
        return c.reject(CommandRules.INVALID_COMMAND, payload.getClass().getSimpleName() + " is not a channel command"
                + " (server commands go to the server id)");
    }

    private ServerDecision send(ServerContext c, String channelId, ServerChannelState channel, Member sender, long permissions,
            SendMessage send) {
        ServerDecision refused = c.requireOr(permissions, Permission.SEND_MESSAGES, "posting in " + channelId);
        if (refused != null) {
            return refused;
        }
        if (ChannelType.ANNOUNCEMENT.name().equals(channel.getType()) && !Permission.MANAGE_MESSAGES.in(permissions)
                && !EffectivePermissions.allowedByOverwrite(c.server(), sender, c.overwrites(channelId), Permission.SEND_MESSAGES)) {
            return c.reject(CommandRules.FORBIDDEN, channelId + " is an announcement channel: posting needs MANAGE_MESSAGES"
                    + " or an overwrite allowing SEND_MESSAGES");
        }
        if (send.getReplyToSeq() != null && (send.getReplyToSeq() < 1 || send.getReplyToSeq() > channel.getLastSeq())) {
            return c.reject(CommandRules.INVALID_COMMAND, "reply_to_seq " + send.getReplyToSeq() + " is not in 1.." + channel.getLastSeq());
        }
        MediaRules.Checked media = MediaRules.check(c.senderId(), send.getAttachments(), c.state());
        if (media.refused()) {
            return c.reject(media.code(), media.reason());
        }
        long seq = channel.getLastSeq() + 1;
        SnowflakeState snowflake = nextSnowflake(c.state().snowflake(), Snowflake.millisSinceEpoch(c.command().getIssuedAt()));
        List<Write> writes = new ArrayList<>();
        writes.add(Write.put(RoutingApp.SNOWFLAKES_STORE, String.valueOf(c.state().worker()), snowflake));
        writes.add(Write.put(RoutingApp.DEDUPE_STORE, StoreKeys.sent(channelId, c.senderId(), send.getClientMsgId()), SentMessage.newBuilder()
                .setSeq(seq).setMessageId(send.getMessageId()).setCommandId(c.command().getCommandId()).setRecordedAt(c.at()).build()));
        writes.add(Write.put(RoutingApp.MESSAGES_STORE, StoreKeys.message(channelId, seq), MessageRef.newBuilder()
                .setAuthorId(c.senderId()).setMessageId(send.getMessageId()).setPostedAt(c.at()).build()));
        MessagePosted event = MessagePosted.newBuilder()
                .setMessageId(send.getMessageId())
                .setClientMsgId(send.getClientMsgId())
                .setBody(send.getBody())
                .setReplyToSeq(send.getReplyToSeq())
                .setMentions(send.getMentions())
                .setAttachments(media.attachments())
                .setMentionRoles(mentionableRoles(c, send.getMentionRoles(), permissions))
                .setMentionEveryone(send.getMentionEveryone() && Permission.MENTION_EVERYONE.in(permissions))
                .setSnowflake(Snowflake.of(snowflake.getMillis(), c.state().worker(), snowflake.getSequence()))
                .build();
        return c.acceptInChannel(channelId, channel, event, writes, send.getMessageId());
    }

    private ServerDecision edit(ServerContext c, String channelId, ServerChannelState channel, EditMessage edit) {
        MessageRef target = c.state().message(channelId, edit.getTargetSeq());
        if (target == null) {
            return c.reject(CommandRules.TARGET_NOT_FOUND, "no editable message at seq " + edit.getTargetSeq());
        }
        if (!target.getAuthorId().equals(c.senderId())) {
            return c.reject(CommandRules.FORBIDDEN, "only the author edits a message");
        }
        if (Duration.between(target.getPostedAt(), c.at()).compareTo(editWindow) > 0) {
            return c.reject(CommandRules.EDIT_WINDOW_EXPIRED, "messages can be edited for " + editWindow + " after posting");
        }
        if (edit.getBody().isBlank()) {
            return c.reject(CommandRules.INVALID_COMMAND, "the new body is empty");
        }
        return c.acceptInChannel(channelId, channel, MessageEdited.newBuilder().setTargetSeq(edit.getTargetSeq()).setBody(edit.getBody()).build(),
                List.of(), null);
    }

    private ServerDecision recall(ServerContext c, String channelId, ServerChannelState channel, RecallMessage recall) {
        MessageRef target = c.state().message(channelId, recall.getTargetSeq());
        if (target == null) {
            return c.reject(CommandRules.TARGET_NOT_FOUND, "no message to recall at seq " + recall.getTargetSeq());
        }
        if (!target.getAuthorId().equals(c.senderId())) {
            return c.reject(CommandRules.FORBIDDEN, "only the author recalls a message");
        }
        if (Duration.between(target.getPostedAt(), c.at()).compareTo(recallWindow) > 0) {
            return c.reject(CommandRules.EDIT_WINDOW_EXPIRED, "messages can be recalled for " + recallWindow + " after posting");
        }
        return c.acceptInChannel(channelId, channel, MessageRecalled.newBuilder().setTargetSeq(recall.getTargetSeq()).build(),
                List.of(Write.delete(RoutingApp.MESSAGES_STORE, StoreKeys.message(channelId, recall.getTargetSeq()))), null);
    }

    private ServerDecision delete(ServerContext c, String channelId, ServerChannelState channel, long permissions, DeleteMessage delete) {
        MessageRef target = c.state().message(channelId, delete.getTargetSeq());
        if (target == null) {
            return c.reject(CommandRules.TARGET_NOT_FOUND, "no message to delete at seq " + delete.getTargetSeq());
        }
        if (!target.getAuthorId().equals(c.senderId()) && !Permission.MANAGE_MESSAGES.in(permissions)) {
            return c.reject(CommandRules.FORBIDDEN, "deleting another's message needs MANAGE_MESSAGES in " + channelId);
        }
        return c.acceptInChannel(channelId, channel, MessageDeleted.newBuilder().setTargetSeq(delete.getTargetSeq()).build(),
                List.of(Write.delete(RoutingApp.MESSAGES_STORE, StoreKeys.message(channelId, delete.getTargetSeq()))), null);
    }

    private ServerDecision react(ServerContext c, String channelId, ServerChannelState channel, long targetSeq, String emoji, boolean add) {
        if (c.state().message(channelId, targetSeq) == null) {
            return c.reject(CommandRules.TARGET_NOT_FOUND, "no message at seq " + targetSeq);
        }
        if (emoji.isBlank() || emoji.length() > CommandRules.MAX_EMOJI_LENGTH) {
            return c.reject(CommandRules.INVALID_COMMAND, "a reaction has 1 to " + CommandRules.MAX_EMOJI_LENGTH + " characters");
        }
        Object event = add
                ? ReactionAdded.newBuilder().setTargetSeq(targetSeq).setEmoji(emoji).build()
                : ReactionRemoved.newBuilder().setTargetSeq(targetSeq).setEmoji(emoji).build();
        return c.acceptInChannel(channelId, channel, event, List.of(), null);
    }

    /** Trust and safety removes a message's content (routing's moderation relay, never a door). */
    private ServerDecision redact(ServerContext c, String channelId, ServerChannelState channel, RedactMessage redact) {
        if (Ids.isUserId(c.senderId())) {
            return c.reject(CommandRules.FORBIDDEN, "only moderation redacts messages");
        }
        long target = redact.getTargetSeq();
        if (target < 1 || target > channel.getLastSeq()) {
            return c.reject(CommandRules.TARGET_NOT_FOUND, "no seq " + target + " in " + channelId);
        }
        return c.acceptInChannel(channelId, channel, MessageRedacted.newBuilder().setTargetSeq(target).setRule(redact.getRule())
                        .setVerdictId(redact.getVerdictId()).build(),
                List.of(Write.delete(RoutingApp.MESSAGES_STORE, StoreKeys.message(channelId, target))), null);
    }

    /** The mentioned roles the sender may mention: the server's, mentionable or with MENTION_EVERYONE; @everyone is a flag, not a role. */
    private static List<String> mentionableRoles(ServerContext c, List<String> requested, long permissions) {
        Map<String, ServerRoleState> roles = c.roles();
        boolean all = Permission.MENTION_EVERYONE.in(permissions);
        List<String> kept = new ArrayList<>();
        for (String roleId : new LinkedHashSet<>(requested)) {
            ServerRoleState role = roles.get(roleId);
            if (role != null && !roleId.equals(c.serverId()) && (all || role.getMentionable())) {
                kept.add(roleId);
            }
        }
        return kept;
    }

    /**
     * The next snowflake time and sequence of this worker: its own millisecond if later than the
     * last, else the last millisecond's next sequence, else the next millisecond. Ids stay unique
     * and increasing per worker even when issued_at goes back (another door's clock).
     */
    static SnowflakeState nextSnowflake(SnowflakeState last, long millis) {
        if (last == null || millis > last.getMillis()) {
            return SnowflakeState.newBuilder().setMillis(millis).setSequence(0).build();
        }
        if (last.getSequence() < Snowflake.MAX_SEQUENCE) {
            return SnowflakeState.newBuilder().setMillis(last.getMillis()).setSequence(last.getSequence() + 1).build();
        }
        return SnowflakeState.newBuilder().setMillis(last.getMillis() + 1).setSequence(0).build();
    }
}
