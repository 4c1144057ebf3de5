package dev.kchat.api;

import dev.kchat.events.chat.AddMembers;
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

    private final Limits limits;

    public CommandFactory(Limits limits) {
        this.limits = limits;
    }

    /** A command and the ids the client is answered with. */
    public record Accepted(ChatCommand command, String conversationId, String messageId) {
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
        String messageId = Ids.messageId(conversationId, caller.userId(), request.clientMsgId());
        SendMessage payload = SendMessage.newBuilder()
                .setClientMsgId(request.clientMsgId())
                .setMessageId(messageId)
                .setBody(body)
                .setReplyToSeq(request.replyToSeq())
                .setMentions(mentions)
                .setAttachments(attachments)
                .build();
        ChatCommand command = envelope(caller, conversationId,
                Ids.sendCommandId(conversationId, caller.userId(), request.clientMsgId()), now, payload);
        return new Accepted(command, conversationId, messageId);
    }

    /** A conversation id from the path; malformed ids are 404, as they cannot exist. */
    public static void requireConversation(String conversationId) {
        if (!Ids.isConversationId(conversationId)) {
            throw ApiException.notFound("conversation_not_found", "no conversation '" + conversationId + "'");
        }
    }

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
            if (a == null || a.url() == null || a.mimeType() == null || a.sizeBytes() == null) {
                throw ApiException.badRequest("missing_field", where + " needs url, mime_type and size_bytes");
            }
            URI uri;
            try {
                uri = URI.create(a.url());
            } catch (IllegalArgumentException e) {
                throw ApiException.badRequest("invalid_field", where + ".url is not a URL");
            }
            if (!"https".equals(uri.getScheme()) && !"http".equals(uri.getScheme())) {
                throw ApiException.badRequest("invalid_field", where + ".url must be http(s)");
            }
            if (a.sizeBytes() < 0 || !a.mimeType().matches("[\\w.+-]+/[\\w.+-]+")) {
                throw ApiException.badRequest("invalid_field", where + " has an invalid mime_type or size_bytes");
            }
            out.add(Attachment.newBuilder().setUrl(a.url()).setMimeType(a.mimeType())
                    .setSizeBytes(a.sizeBytes()).setName(a.name()).build());
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
        try {
            return ConversationKind.valueOf(kind.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest("invalid_field", "kind must be direct, group or channel");
        }
    }

    private static ChatCommand envelope(Caller caller, String conversationId, String commandId, Instant now, Object payload) {
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
