package dev.kchat.push.deliver;

import dev.kchat.events.push.PushKind;
import dev.kchat.events.push.PushRequest;

/**
 * What a device shows for a request, the same for every provider: the sender and text, or a generic
 * line when the user hides previews (or the text was recalled), and a count for a collapsed burst.
 */
final class NotificationText {

    private NotificationText() {
    }

    /** The title: the sender, or the generic "kchat" when hidden. */
    static String title(PushRequest r) {
        return r.getHidden() || r.getTitle() == null ? "kchat" : r.getTitle();
    }

    /** The body: the latest text (with how many more), or a generic line. */
    static String body(PushRequest r) {
        String generic = r.getKind() == PushKind.MOMENT ? "New Moments activity" : r.getKind() == PushKind.MENTION
                ? "You were mentioned" : "New message";
        if (r.getHidden() || r.getBody() == null) {
            return r.getCount() > 1 ? generic + " (" + r.getCount() + ")" : generic;
        }
        return r.getCount() > 1 ? r.getBody() + " (+" + (r.getCount() - 1) + " more)" : r.getBody();
    }
}
