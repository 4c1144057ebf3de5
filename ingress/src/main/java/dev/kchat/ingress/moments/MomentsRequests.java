package dev.kchat.ingress.moments;

import java.util.List;

/**
 * Request bodies of the Moments API (JSON, snake_case, bound strictly by {@code ApiJson}).
 * Validation lives in {@link MomentsFactory}.
 */
public final class MomentsRequests {

    private MomentsRequests() {
    }

    /** {@code POST /v1/friends/requests}: ask {@code user_id} to be friends. */
    public record FriendRequest(String userId, String message) {
    }

    /** {@code POST /v1/friends/blocks}: block {@code user_id}. */
    public record Block(String userId) {
    }

    /**
     * {@code POST /v1/moments}: a post. {@code visibility} is {@code FRIENDS} (default), {@code LISTED},
     * {@code ONLY_ME} or {@code EXCEPT_LISTED}; {@code audience} the friends a listed choice names.
     */
    public record CreatePost(String text, List<String> media, String visibility, List<String> audience) {
    }

    /** {@code POST /v1/moments/{post_id}/comments}: a comment, or a reply to one of the post's comments. */
    public record Comment(String text, String replyToCommentId) {
    }

    /** {@code POST /v1/moments/notifications/read}: no body, or an empty object (no field is known). */
    public record NotificationsRead() {
    }
}
