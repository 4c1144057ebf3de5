package dev.kchat.schemas;

import dev.kchat.events.chat.MessagePosted;

/**
 * The text a notification shows for a message, shared by routing (which puts it into a
 * {@code PushCandidate}) and the push decider (which takes it from an inbox entry), so both show the
 * same: the body, or {@value #ATTACHMENT} for attachments only, at most {@value #MAX_CODE_POINTS}
 * code points.
 */
public final class MessagePreview {

    /** Longest notification text carried, in code points; the provider shows less anyway. */
    public static final int MAX_CODE_POINTS = 200;
    /** The text of a message with attachments and no body. */
    public static final String ATTACHMENT = "[attachment]";

    private MessagePreview() {
    }

    /** The preview of a posted message. */
    public static String of(MessagePosted posted) {
        String body = posted.getBody().isEmpty() && !posted.getAttachments().isEmpty() ? ATTACHMENT : posted.getBody();
        return truncate(body);
    }

    /** The text cut to {@value #MAX_CODE_POINTS} code points, the last being an ellipsis when it was cut. */
    public static String truncate(String text) {
        if (text.codePointCount(0, text.length()) <= MAX_CODE_POINTS) {
            return text;
        }
        return text.substring(0, text.offsetByCodePoints(0, MAX_CODE_POINTS - 1)) + "…";
    }
}
