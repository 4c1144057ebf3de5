package dev.kchat.edge.protocol;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kchat.api.ApiJson;
import dev.kchat.events.chat.InboxEntry;
import dev.kchat.schemas.json.EventJson;

/**
 * How an inbox entry reaches a client: the one place that turns an {@link InboxEntry} into what a
 * device receives, over the WebSocket ({@link #frame}) and in a long-poll answer ({@link #pollEntry}).
 *
 * <p>Today every item (conversation events, {@code MessageStatusChanged}, {@code ReadPositionChanged})
 * is an {@code event} frame carrying the entry as JSON. A new kind of item that clients should see
 * as a frame of its own (e.g. the outcome of a user's command) gets its branch here, keyed on the
 * item's class, and its row in docs/edge-protocol.md.
 */
public final class InboxEntryFrames {

    private InboxEntryFrames() {
    }

    /** The WebSocket frame of an inbox entry: {@code {"type":"event","inbox_seq":N,"entry":{...}}}. */
    public static String frame(InboxEntry entry) {
        ObjectNode frame = ApiJson.JSON.createObjectNode().put("type", "event").put("inbox_seq", entry.getInboxSeq());
        frame.set("entry", EventJson.toJson(entry));
        return Frames.text(frame);
    }

    /** An inbox entry as one element of a long-poll answer's {@code entries}. */
    public static ObjectNode pollEntry(InboxEntry entry) {
        return EventJson.toJson(entry);
    }
}
