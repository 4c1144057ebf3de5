package dev.kchat.api;

import dev.kchat.events.chat.AddMembers;
import dev.kchat.events.chat.AddReaction;
import dev.kchat.events.chat.ChangeRole;
import dev.kchat.events.chat.DeleteMessage;
import dev.kchat.events.chat.EditMessage;
import dev.kchat.events.chat.RecallMessage;
import dev.kchat.events.chat.RemoveReaction;
import dev.kchat.events.chat.RenameConversation;
import dev.kchat.events.chat.TransferOwnership;
import dev.kchat.events.common.MemberRole;
import dev.kchat.events.chat.ChatCommand;
import dev.kchat.events.chat.CreateConversation;
import dev.kchat.events.chat.LeaveConversation;
import dev.kchat.events.chat.RemoveMember;
import dev.kchat.events.chat.SendMessage;
import dev.kchat.events.common.Attachment;
import dev.kchat.events.common.ConversationKind;
import dev.kchat.api.auth.JwtAuthenticator.Caller;

import dev.kchat.schemas.Ids;
import java.net.URI;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.UUID;

/**
 * Turns validated requests into commands: pure functions, no I/O. Every refusal is a 400 (or 404)
 * {@link ApiException} with a machine code, and then nothing is produced.
 */
public final class CommandFactory {

    /** Emoji (possibly with skin tone and joiners) are short sequences of code points. */
    public static final int MAX_EMOJI_CODE_POINTS = 16;

    private final Limits limits;

    public CommandFactory(Limits limits) {
        this.limits = limits;
    }

    /**
     * A command and the ids the client is answered with; {@code answerFields} are more fields of the
     * answer (an invite's {@code code}).
     */
    public record Accepted(ChatCommand command, String conversationId, String messageId, java.util.Map<String, String> answerFields) {

        public Accepted {
            answerFields = java.util.Map.copyOf(answerFields);
        }

        public Accepted(ChatCommand command, String conversationId, String messageId) {
            this(command, conversationId, messageId, java.util.Map.of());
        }
    }

    public Accepted createConversation(Caller caller, Requests.CreateConversation request, Instant now) {
        ConversationKind kind = parseKind(request.kind());
        List<String> members = userIds("members", request.members(), true);
        members.remove(caller.userId());
        String name = request.name();
        String conversationId;
        if (kind == ConversationKind.DIRECT) {
            if (members.size() != 1) {
                throw ApiException.badRequest("invalid_members", "a direct conversation has exactly one other member");
            }
            if (name != null) {
                throw ApiException.badRequest("invalid_field", "a direct conversation has no name");
            }
            conversationId = Ids.directConversation(caller.userId(), members.get(0));
        } else {
            if (name == null || name.isBlank() || name.codePointCount(0, name.length()) > 100) {
                throw ApiException.badRequest("invalid_name", "a group or channel needs a name of 1-100 characters");
            }
            conversationId = Ids.newGroupConversation();
        }
        ChatCommand command = envelope(caller, conversationId, "create:" + UUID.randomUUID(), now,
                CreateConversation.newBuilder().setKind(kind).setName(name).setMemberIds(members).build());
        return new Accepted(command, conversationId, null);
    }

    public Accepted addMembers(Caller caller, String conversationId, Requests.AddMembers request, Instant now) {
        requireConversation(conversationId);
        List<String> users = userIds("user_ids", request.userIds(), true);
        if (users.isEmpty()) {
            throw ApiException.badRequest("invalid_members", "user_ids must name at least one user");
        }
        return new Accepted(envelope(caller, conversationId, "add:" + UUID.randomUUID(), now,
                AddMembers.newBuilder().setUserIds(users).build()), conversationId, null);
    }

    /** Removing oneself is leaving. */
    public Accepted removeMember(Caller caller, String conversationId, String userId, Instant now) {
        requireConversation(conversationId);
        if (!Ids.isUserId(userId)) {
            throw ApiException.badRequest("invalid_user_id", "'" + userId + "' is not a user id");
        }
        Object payload = userId.equals(caller.userId())
                ? new LeaveConversation()
                : RemoveMember.newBuilder().setUserId(userId).build();
        return new Accepted(envelope(caller, conversationId, "remove:" + UUID.randomUUID(), now, payload),
                conversationId, null);
    }

    public Accepted sendMessage(Caller caller, String conversationId, Requests.SendMessage request, Instant now) {
        requireConversation(conversationId);
        if (request.clientMsgId() == null) {
            throw ApiException.badRequest("missing_field", "client_msg_id is required");
        }
        if (!Ids.isClientMsgId(request.clientMsgId())) {
            throw ApiException.badRequest("invalid_client_msg_id", "client_msg_id must be 1-64 printable ASCII characters");
        }
        String body = request.body();
        List<Attachment> attachments = attachments(request.attachments());
        if ((body == null || body.isBlank()) && attachments.isEmpty()) {
            throw ApiException.badRequest("missing_field", "body is required (or at least one attachment)");
        }
        if (body == null) {
            body = "";
        }
        int chars = body.codePointCount(0, body.length());
        if (chars > limits.maxMessageChars()) {
            throw ApiException.badRequest("body_too_long", "body has " + chars + " characters; the limit is " + limits.maxMessageChars());
        }
        if (request.replyToSeq() != null && request.replyToSeq() < 1) {
            throw ApiException.badRequest("invalid_field", "reply_to_seq must be a seq (>= 1)");
        }
        List<String> mentions = userIds("mentions", request.mentions(), false);
        if (mentions.size() > limits.maxMentions()) {
            throw ApiException.badRequest("too_many_mentions", "at most " + limits.maxMentions() + " mentions");
        }
        List<String> mentionRoles = ServerCommandFactory.mentionRoles(conversationId, request.mentionRoles(), limits.maxMentions());
        boolean mentionEveryone = Boolean.TRUE.equals(request.mentionEveryone());
        if (mentionEveryone && !Ids.isServerChannel(conversationId)) {
            throw ApiException.badRequest("invalid_field", "mention_everyone is for server channels only");
        }
        String messageId = Ids.messageId(conversationId, caller.userId(), request.clientMsgId());
        SendMessage payload = SendMessage.newBuilder()
                .setClientMsgId(request.clientMsgId())
                .setMessageId(messageId)
                .setBody(body)
                .setReplyToSeq(request.replyToSeq())
                .setMentions(mentions)
                .setAttachments(attachments)
                .setMentionRoles(mentionRoles)
                .setMentionEveryone(mentionEveryone)
                .build();
        ChatCommand command = envelope(caller, conversationId,
                Ids.sendCommandId(conversationId, caller.userId(), request.clientMsgId()), now, payload);
        return new Accepted(command, conversationId, messageId);
    }

    /** Replace the body of one's own message (routing checks the author and the edit window). */
    public Accepted editMessage(Caller caller, String conversationId, long targetSeq, Requests.EditMessage request, Instant now) {
        requireConversation(conversationId);
        requireSeq(targetSeq);
        String body = request.body();
        if (body == null || body.isBlank()) {
            throw ApiException.badRequest("missing_field", "body is required");
        }
        int chars = body.codePointCount(0, body.length());
        if (chars > limits.maxMessageChars()) {
            throw ApiException.badRequest("body_too_long", "body has " + chars + " characters; the limit is " + limits.maxMessageChars());
        }
        return command(caller, conversationId, "edit", now, EditMessage.newBuilder().setTargetSeq(targetSeq).setBody(body).build());
    }

    /**
     * Take a message back: {@code recall} (its author, within the recall window) or {@code delete}
     * (its author, or an owner/admin of a group).
     */
    public Accepted removeMessage(Caller caller, String conversationId, long targetSeq, String mode, Instant now) {
        requireConversation(conversationId);
        requireSeq(targetSeq);
        Object payload = switch (mode == null ? "delete" : mode) {
            case "recall" -> RecallMessage.newBuilder().setTargetSeq(targetSeq).build();
            case "delete" -> DeleteMessage.newBuilder().setTargetSeq(targetSeq).build();
            default -> throw ApiException.badRequest("invalid_parameter", "mode must be recall or delete");
        };
        return command(caller, conversationId, mode == null ? "delete" : mode, now, payload);
    }

    /** Add ({@code add} true) or remove one's reaction to a message. */
    public Accepted react(Caller caller, String conversationId, long targetSeq, String emoji, boolean add, Instant now) {
        requireConversation(conversationId);
        requireSeq(targetSeq);
        if (emoji == null || emoji.isBlank() || emoji.codePointCount(0, emoji.length()) > MAX_EMOJI_CODE_POINTS
                || emoji.codePoints().anyMatch(Character::isWhitespace)) {
            throw ApiException.badRequest("invalid_emoji", "emoji must be 1-" + MAX_EMOJI_CODE_POINTS + " characters without spaces");
        }
        Object payload = add
                ? AddReaction.newBuilder().setTargetSeq(targetSeq).setEmoji(emoji).build()
                : RemoveReaction.newBuilder().setTargetSeq(targetSeq).setEmoji(emoji).build();
        return command(caller, conversationId, add ? "react" : "unreact", now, payload);
    }

    /** Promote or demote a member (owner only), or hand over ownership ({@code OWNER}). */
    public Accepted changeRole(Caller caller, String conversationId, String userId, Requests.ChangeRole request, Instant now) {
        requireConversation(conversationId);
        if (!Ids.isUserId(userId)) {
            throw ApiException.badRequest("invalid_user_id", "'" + userId + "' is not a user id");
        }
        if (request.role() == null) {
            throw ApiException.badRequest("missing_field", "role is required (owner, admin or member)");
        }
        MemberRole role;
        try {
            role = MemberRole.valueOf(request.role().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest("invalid_field", "role must be owner, admin or member");
        }
        Object payload = role == MemberRole.OWNER
                ? TransferOwnership.newBuilder().setNewOwnerId(userId).build()
                : ChangeRole.newBuilder().setUserId(userId).setRole(role).build();
        return command(caller, conversationId, "role", now, payload);
    }

    /** Rename a group or channel (owner/admin). */
    public Accepted rename(Caller caller, String conversationId, Requests.Rename request, Instant now) {
        requireConversation(conversationId);
        String name = request.name();
        if (name == null || name.isBlank() || name.codePointCount(0, name.length()) > 100) {
            throw ApiException.badRequest("invalid_name", "name must be 1-100 characters");
        }
        return command(caller, conversationId, "rename", now, RenameConversation.newBuilder().setName(name).build());
    }

    private Accepted command(Caller caller, String conversationId, String kind, Instant now, Object payload) {
        return new Accepted(envelope(caller, conversationId, kind + ":" + UUID.randomUUID(), now, payload), conversationId, null);
    }

    private static void requireSeq(long seq) {
        if (seq < 1) {
            throw ApiException.badRequest("invalid_parameter", "a message seq is 1 or more");
        }
    }

    /** A conversation id from the path; malformed ids are 404, as they cannot exist. */
    public static void requireConversation(String conversationId) {
        if (!Ids.isConversationId(conversationId)) {
            throw ApiException.notFound("conversation_not_found", "no conversation '" + conversationId + "'");
        }
    }

    /** A media id as {@code POST /v1/media/uploads} hands them out: a UUID, lower-case. */
    private static final java.util.regex.Pattern MEDIA_ID =
            java.util.regex.Pattern.compile("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");
    /** Longest attachment file name accepted. */
    static final int MAX_ATTACHMENT_NAME = 255;

    private List<Attachment> attachments(List<Requests.Attachment> requested) {
        if (requested == null) {
            return List.of();
        }
        if (requested.size() > limits.maxAttachments()) {
            throw ApiException.badRequest("too_many_attachments", "at most " + limits.maxAttachments() + " attachments");
        }
        List<Attachment> out = new ArrayList<>();
        for (int i = 0; i < requested.size(); i++) {
            Requests.Attachment a = requested.get(i);
            String where = "attachments[" + i + "]";
            if (a == null || a.mediaId() == null) {
                throw ApiException.badRequest("media_required", where + ".media_id is required: attach an upload completed through"
                        + " POST /v1/media/uploads (free URLs are not accepted)");
            }
            if (!MEDIA_ID.matcher(a.mediaId()).matches()) {
                throw ApiException.badRequest("invalid_field", where + ".media_id is not a media id");
            }
            if (a.name() != null && a.name().length() > MAX_ATTACHMENT_NAME) {
                throw ApiException.badRequest("invalid_field", where + ".name is longer than " + MAX_ATTACHMENT_NAME + " characters");
            }
            // Type and size are placeholders: routing replaces them with the completed upload's (MediaRules).
            out.add(Attachment.newBuilder().setMediaId(a.mediaId()).setMimeType("application/octet-stream")
                    .setSizeBytes(0).setName(a.name()).build());
        }
        return out;
    }

    private List<String> userIds(String field, List<String> requested, boolean required) {
        if (requested == null) {
            if (required) {
                throw ApiException.badRequest("missing_field", field + " is required");
            }
            return new ArrayList<>();
        }
        if (requested.size() > limits.maxMembersPerRequest()) {
            throw ApiException.badRequest("too_many_members", field + " has " + requested.size()
                    + " users; the limit is " + limits.maxMembersPerRequest());
        }
        Set<String> unique = new LinkedHashSet<>();
        for (String id : requested) {
            if (!Ids.isUserId(id)) {
                throw ApiException.badRequest("invalid_user_id", field + " contains '" + id + "', which is not a user id");
            }
            unique.add(id);
        }
        return new ArrayList<>(unique);
    }

    private static ConversationKind parseKind(String kind) {
        if (kind == null) {
            throw ApiException.badRequest("missing_field", "kind is required (direct, group or channel)");
        }
        return switch (kind.toLowerCase(Locale.ROOT)) {
            case "direct" -> ConversationKind.DIRECT;
            case "group" -> ConversationKind.GROUP;
            case "channel" -> ConversationKind.CHANNEL;
            // Servers and their channels are made with POST /v1/servers and .../channels, not here.
            default -> throw ApiException.badRequest("invalid_field", "kind must be direct, group or channel");
        };
    }

    static ChatCommand envelope(Caller caller, String conversationId, String commandId, Instant now, Object payload) {
        return ChatCommand.newBuilder()
                .setCommandId(commandId)
                .setConversationId(conversationId)
                .setSenderId(caller.userId())
                .setSenderDeviceId(caller.deviceId())
                .setIssuedAt(now)
                .setPayload(payload)
                .build();
    }
}
