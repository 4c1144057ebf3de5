package dev.kchat.moments;

import dev.kchat.events.social.CommentAdded;
import dev.kchat.events.social.InteractionKind;
import dev.kchat.events.social.MomentEvent;
import dev.kchat.events.social.MomentNotification;
import dev.kchat.events.social.PostLiked;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Who is told about a like or comment, through their {@code chat.inbox}.
 *
 * <ul>
 *   <li>A like tells the post's author ({@code LIKED}).</li>
 *   <li>A comment tells the post's author ({@code COMMENTED}, or {@code REPLIED} when it answers
 *       the author), and the user it replies to ({@code REPLIED}).</li>
 *   <li>Nobody is told about their own action; unlikes, comment deletions and post events tell
 *       nobody.</li>
 * </ul>
 *
 * <p>Everyone notified sees the interaction under {@link Visibility}: the author sees all of them,
 * and a reply answers a comment its writer could see, so the replier is a friend of the commenter.
 */
public final class InteractionNotifications {

    /**
     * One notification for one user.
     *
     * @param recipientId  whose inbox it goes to
     * @param notification what to tell them
     */
    public record Notification(String recipientId, MomentNotification notification) {
        public Notification {
            Objects.requireNonNull(recipientId, "recipientId");
            Objects.requireNonNull(notification, "notification");
        }
    }

    private InteractionNotifications() {
    }

    /** The notifications one {@code moments.events} record causes; empty for most events. */
    public static List<Notification> of(MomentEvent event) {
        String actor = event.getActorId();
        String author = event.getAuthorId();
        List<Notification> out = new ArrayList<>();
        Object kind = event.getEvent();
        if (kind instanceof PostLiked) {
            if (!actor.equals(author)) {
                out.add(new Notification(author, notification(event, InteractionKind.LIKED, null, null)));
            }
        } else if (kind instanceof CommentAdded comment) {
            String replyTo = comment.getReplyToUserId();
            if (!actor.equals(author)) {
                InteractionKind toAuthor = author.equals(replyTo) ? InteractionKind.REPLIED : InteractionKind.COMMENTED;
                out.add(new Notification(author, notification(event, toAuthor, comment.getCommentId(), comment.getText())));
            }
            if (replyTo != null && !replyTo.equals(actor) && !replyTo.equals(author)) {
                out.add(new Notification(replyTo,
                        notification(event, InteractionKind.REPLIED, comment.getCommentId(), comment.getText())));
            }
        }
        return out;
    }

    private static MomentNotification notification(MomentEvent event, InteractionKind kind, String commentId, String text) {
        return MomentNotification.newBuilder()
                .setPostId(event.getPostId())
                .setActorId(event.getActorId())
                .setKind(kind)
                .setCommentId(commentId)
                .setText(text)
                .build();
    }
}
