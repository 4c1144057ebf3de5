package dev.kchat.ingress.moments;

import dev.kchat.api.ApiException;
import dev.kchat.api.Limits;
import dev.kchat.api.RequestIds;
import dev.kchat.api.auth.JwtAuthenticator.Caller;
import dev.kchat.events.common.Attachment;
import dev.kchat.events.social.CommentAdded;
import dev.kchat.events.social.MomentEvent;
import dev.kchat.events.social.NotificationsSeen;
import dev.kchat.events.social.PostCreated;
import dev.kchat.events.social.PostVisibility;
import dev.kchat.moments.FriendIntents;
import dev.kchat.schemas.Ids;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;
import java.util.UUID;

/**
 * Checks Moments requests and builds their records. Every refusal is an {@link ApiException} with a
 * precise code, thrown before anything is produced.
 */
public final class MomentsFactory {

    /** Longest post text, in code points (a post may also be media only). */
    public static final int MAX_POST_CHARS = 2_000;
    /** Longest comment, in code points. */
    public static final int MAX_COMMENT_CHARS = 1_000;
    /** Longest friend-request message, in code points. */
    public static final int MAX_REQUEST_MESSAGE_CHARS = 200;
    /** Media URLs on one post (WeChat allows nine pictures). */
    public static final int MAX_MEDIA = 9;
    /** Longest media URL. */
    public static final int MAX_URL_CHARS = 2_048;
    /** The media type of a media reference, whose type is not known (size 0: not known either). */
    static final String UNKNOWN_MEDIA_TYPE = "application/octet-stream";
    /** Users a LISTED or EXCEPT_LISTED post may name. */
    public static final int MAX_AUDIENCE = 1_000;

    /** HTTP status of each refusal of {@link FriendIntents#check}. */
    private static final Map<String, Integer> INTENT_STATUS = Map.of(
            FriendIntents.INVALID_INTENT, 400,
            FriendIntents.BLOCKED, 403,
            FriendIntents.ALREADY_FRIENDS, 409,
            FriendIntents.REQUEST_ALREADY_SENT, 409,
            FriendIntents.INCOMING_REQUEST_PENDING, 409,
            FriendIntents.ALREADY_BLOCKED, 409,
            FriendIntents.NO_PENDING_REQUEST, 404,
            FriendIntents.NOT_FRIENDS, 404,
            FriendIntents.NOT_BLOCKED, 404);

    private MomentsFactory() {
    }

    /** The refusal of a friend-graph intent as the API answers it. */
    public static ApiException refused(FriendIntents.Refusal refusal) {
        return new ApiException(INTENT_STATUS.getOrDefault(refusal.code(), 409), refusal.code(), refusal.reason());
    }

    /** A user id named by the caller about someone else: {@code 400 invalid_user} or {@code cannot_target_self}. */
    public static String otherUser(Caller caller, String userId, String field) {
        if (userId == null || !Ids.isUserId(userId)) {
            throw ApiException.badRequest("invalid_user", field + " must be a user id (1-64 of A-Z a-z 0-9 _ . -)");
        }
        if (userId.equals(caller.userId())) {
            throw ApiException.badRequest("cannot_target_self", "a user cannot befriend or block themselves");
        }
        return userId;
    }

    /** A friend request's optional message: at most {@value #MAX_REQUEST_MESSAGE_CHARS} code points. */
    public static String requestMessage(String message) {
        if (message != null && message.codePointCount(0, message.length()) > MAX_REQUEST_MESSAGE_CHARS) {
            throw ApiException.badRequest("message_too_long", "message must be at most " + MAX_REQUEST_MESSAGE_CHARS + " characters");
        }
        return message == null || message.isBlank() ? null : message;
    }

    /** A post id in a path: the shape this API hands out. */
    public static String postId(String postId) {
        if (!Ids.isClientMsgId(postId)) {
            throw ApiException.notFound("post_not_found", "no post '" + abbreviated(postId) + "'");
        }
        return postId;
    }

    /**
     * The {@code PostCreated} of a request: text and/or media, media as http(s) URLs, a visibility and
     * its audience. The post id is fixed by the {@code Idempotency-Key} when given, so a retried create
     * makes no second post (topology-moments and the sink ignore a known post id).
     */
    public static MomentEvent post(Caller caller, MomentsRequests.CreatePost request, Instant at, String requestId) {
        String text = request.text() == null ? "" : request.text();
        List<String> media = request.media() == null ? List.of() : request.media();
        if (text.isBlank() && media.isEmpty()) {
            throw ApiException.badRequest("empty_post", "a post needs text or media");
        }
        if (text.codePointCount(0, text.length()) > MAX_POST_CHARS) {
            throw ApiException.badRequest("text_too_long", "text must be at most " + MAX_POST_CHARS + " characters");
        }
        if (media.size() > MAX_MEDIA) {
            throw ApiException.badRequest("too_many_media", "a post takes at most " + MAX_MEDIA + " media URLs");
        }
        List<Attachment> attachments = new ArrayList<>();
        for (int i = 0; i < media.size(); i++) {
            // References for now (upload comes with attachments): type and size are not known.
            attachments.add(Attachment.newBuilder().setUrl(mediaUrl(media.get(i), "media[" + i + "]"))
                    .setMimeType(UNKNOWN_MEDIA_TYPE).setSizeBytes(0).build());
        }
        PostVisibility visibility = visibility(request.visibility());
        List<String> audience = audience(caller, visibility, request.audience());
        String postId = "p_" + (requestId == null ? UUID.randomUUID() : nameUuid("post", caller.userId(), requestId(requestId)));
        return MomentEvent.newBuilder().setEventId(postId).setPostId(postId).setAuthorId(caller.userId())
                .setActorId(caller.userId()).setAt(at)
                .setEvent(PostCreated.newBuilder().setText(text).setMedia(attachments).setVisibility(visibility)
                        .setAudience(audience).build())
                .build();
    }

    /**
     * A comment's record: text of 1 to {@value #MAX_COMMENT_CHARS} code points; {@code replyToUserId} is
     * the author of the comment replied to (the route finds it), or null.
     */
    public static MomentEvent comment(Caller caller, String postId, String authorId, String text, String replyToUserId,
            Instant at, String requestId) {
        if (text == null || text.isBlank()) {
            throw ApiException.badRequest("empty_comment", "text is required");
        }
        if (text.codePointCount(0, text.length()) > MAX_COMMENT_CHARS) {
            throw ApiException.badRequest("text_too_long", "text must be at most " + MAX_COMMENT_CHARS + " characters");
        }
        String commentId = "c_" + (requestId == null ? UUID.randomUUID()
                : nameUuid("comment", caller.userId() + '\u0000' + postId, requestId(requestId)));
        return interaction(caller, postId, authorId, at, CommentAdded.newBuilder().setCommentId(commentId).setText(text)
                .setReplyToUserId(replyToUserId).build());
    }

    /** A like, unlike or comment deletion by the caller on a post of {@code authorId} (the record's key). */
    public static MomentEvent interaction(Caller caller, String postId, String authorId, Instant at, Object kind) {
        return MomentEvent.newBuilder().setEventId(kind.getClass().getSimpleName() + ":" + UUID.randomUUID())
                .setPostId(postId).setAuthorId(authorId).setActorId(caller.userId()).setAt(at).setEvent(kind).build();
    }

    /**
     * The caller read their Moments notifications: keyed by the caller, no post (post_id empty), so
     * topology-moments resets their unread count on the caller's partition.
     */
    public static MomentEvent notificationsSeen(Caller caller, Instant at) {
        return MomentEvent.newBuilder().setEventId("NotificationsSeen:" + UUID.randomUUID()).setPostId("")
                .setAuthorId(caller.userId()).setActorId(caller.userId()).setAt(at).setEvent(new NotificationsSeen()).build();
    }

    private static PostVisibility visibility(String text) {
        if (text == null) {
            return PostVisibility.FRIENDS;
        }
        try {
            return PostVisibility.valueOf(text.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest("invalid_visibility", "visibility must be FRIENDS, LISTED, ONLY_ME or EXCEPT_LISTED");
        }
    }

    private static List<String> audience(Caller caller, PostVisibility visibility, List<String> given) {
        List<String> listed = given == null ? List.of() : given;
        boolean takesList = visibility == PostVisibility.LISTED || visibility == PostVisibility.EXCEPT_LISTED;
        if (!takesList && !listed.isEmpty()) {
            throw ApiException.badRequest("invalid_audience", "audience goes with LISTED or EXCEPT_LISTED only");
        }
        if (visibility == PostVisibility.LISTED && listed.isEmpty()) {
            throw ApiException.badRequest("invalid_audience", "a LISTED post names at least one friend in audience");
        }
        if (listed.size() > MAX_AUDIENCE) {
            throw ApiException.badRequest("invalid_audience", "audience names at most " + MAX_AUDIENCE + " users");
        }
        TreeSet<String> ids = new TreeSet<>();
        for (String id : listed) {
            if (id == null || !Ids.isUserId(id) || id.equals(caller.userId())) {
                throw ApiException.badRequest("invalid_audience", "audience must list other users' ids");
            }
            ids.add(id);
        }
        return new ArrayList<>(ids);
    }

    private static String mediaUrl(String url, String field) {
        if (url == null || url.length() > MAX_URL_CHARS) {
            throw ApiException.badRequest("invalid_media", field + " must be an http(s) URL of at most " + MAX_URL_CHARS + " characters");
        }
        try {
            URI uri = new URI(url);
            String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
            if (!(scheme.equals("https") || scheme.equals("http")) || uri.getHost() == null) {
                throw ApiException.badRequest("invalid_media", field + " must be an http(s) URL with a host");
            }
            return url;
        } catch (URISyntaxException e) {
            throw ApiException.badRequest("invalid_media", field + " is not a URL: " + e.getReason());
        }
    }

    private static String requestId(String requestId) {
        if (!Ids.isClientMsgId(requestId)) {
            throw ApiException.badRequest("invalid_request_id", RequestIds.HEADER + " must be 1-64 printable ASCII characters without spaces");
        }
        return requestId;
    }

    private static UUID nameUuid(String kind, String owner, String requestId) {
        return UUID.nameUUIDFromBytes((kind + '\u0000' + owner + '\u0000' + requestId).getBytes(StandardCharsets.UTF_8));
    }

    private static String abbreviated(String text) {
        return text.length() <= 40 ? text : text.substring(0, 40) + "...";
    }
}
