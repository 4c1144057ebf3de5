package dev.kchat.api;

import java.util.List;

/** Request bodies of the HTTP API (JSON, snake_case). Validation lives in {@link CommandFactory}. */
public final class Requests {

    private Requests() {
    }

    /** {@code POST /v1/conversations}. */
    public record CreateConversation(String kind, String name, List<String> members) {
    }

    /** {@code POST /v1/conversations/{id}/members}. */
    public record AddMembers(List<String> userIds) {
    }

    /**
     * {@code POST /v1/conversations/{id}/messages}. In a server channel, {@code mention_roles} (role ids, the
     * server id for @everyone's role) and {@code mention_everyone} name what the body mentions besides users.
     */
    public record SendMessage(String clientMsgId, String body, Long replyToSeq, List<String> mentions,
            List<Attachment> attachments, List<String> mentionRoles, Boolean mentionEveryone) {

        /** A send without role or @everyone mentions. */
        public SendMessage(String clientMsgId, String body, Long replyToSeq, List<String> mentions, List<Attachment> attachments) {
            this(clientMsgId, body, replyToSeq, mentions, attachments, null, null);
        }
    }

    /** {@code PATCH /v1/conversations/{id}/messages/{seq}}. */
    public record EditMessage(String body) {
    }

    /** {@code PUT /v1/conversations/{id}/members/{user}/role}. */
    public record ChangeRole(String role) {
    }

    /** {@code PATCH /v1/conversations/{id}}. */
    public record Rename(String name) {
    }

    /** {@code POST /v1/conversations/{id}/read}. */
    public record MarkRead(Long seq) {
    }

    /** {@code POST /v1/conversations/{id}/messages/{seq}/reactions}. */
    public record React(String emoji) {
    }

    /**
     * A file: {@code media_id} names a completed upload of the sender's ({@code POST /v1/media/uploads});
     * its type, size and dimensions come from the upload, not from here. {@code url}, {@code mime_type}
     * and {@code size_bytes} are what attachments were before uploads, read only to refuse them precisely.
     */
    public record Attachment(String url, String mimeType, Long sizeBytes, String name, String mediaId) {
    }
}
