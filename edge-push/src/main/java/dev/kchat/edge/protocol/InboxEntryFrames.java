package dev.kchat.edge.protocol;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kchat.api.ApiJson;
import dev.kchat.events.chat.CommandAccepted;
import dev.kchat.events.chat.CommandRejected;
import dev.kchat.events.chat.CommandResult;
import dev.kchat.events.chat.ConversationEvent;
import dev.kchat.events.chat.InboxEntry;
import dev.kchat.events.chat.MessagePosted;
import dev.kchat.schemas.CommandTypes;
import dev.kchat.schemas.json.EventJson;
import java.util.List;

/**
 * How an inbox entry reaches a client: the one place that turns an {@link InboxEntry} into what a
 * device receives, over the WebSocket ({@link #frames}) and in a long-poll answer ({@link #pollEntry}).
 *
 * <p>Every entry is an {@code event} frame carrying the entry as JSON, so a client tracks its
 * SyncKey from {@code event} frames alone. An entry that tells the user the outcome of one of their
 * commands is preceded by an {@code accepted} or {@code rejected} frame (no inbox seq of its own):
 * an entry carrying a {@link CommandResult} (a rejection, a repeat, an acceptance in a broadcast
 * conversation), and an entry carrying the user's own event (an accepted command in a
 * write-diffused conversation: fanout sends no separate outcome then). Both come from the inbox, so
 * every device of the user gets them, also when it resumes from its SyncKey after the fact.
 */
public final class InboxEntryFrames {

    private InboxEntryFrames() {
    }

    /** The frames of an inbox entry, in the order to send them: the outcome frame (if any), then the {@code event} frame. */
    public static List<String> frames(InboxEntry entry) {
        String event = frame(entry);
        ObjectNode outcome = outcome(entry);
        return outcome == null ? List.of(event) : List.of(Frames.text(outcome), event);
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

    /**
     * The {@code accepted}/{@code rejected} frame an entry implies for its user, or null:
     * {@code {"type":"rejected","ref":..,"command_id":..,"command_type":..,"conversation_id":..,
     * "device_id":..,"inbox_seq":N,"code":..,"reason":..}}; an {@code accepted} frame has
     * {@code seq}, {@code duplicate} and, for sends, {@code message_id} instead of code and reason.
     */
    static ObjectNode outcome(InboxEntry entry) {
        if (entry.getItem() instanceof CommandResult result) {
            ObjectNode frame = common(result.getCommandId(), result.getRequestId(), result.getCommandType(),
                    result.getConversationId(), result.getSenderDeviceId(), entry.getInboxSeq());
            if (result.getOutcome() instanceof CommandRejected rejected) {
                frame.put("type", "rejected").put("code", rejected.getCode()).put("reason", rejected.getReason());
                return rejected.getUntil() == null ? frame : frame.put("until", rejected.getUntil().toString());
            }
            CommandAccepted accepted = (CommandAccepted) result.getOutcome();
            frame.put("type", "accepted").put("seq", accepted.getSeq()).put("duplicate", accepted.getDuplicate());
            return accepted.getMessageId() == null ? frame : frame.put("message_id", accepted.getMessageId());
        }
        if (entry.getItem() instanceof ConversationEvent event && event.getActorId().equals(entry.getUserId())) {
            String type = ((org.apache.avro.specific.SpecificRecord) event.getPayload()).getSchema().getName();
            ObjectNode frame = common(event.getEventId(), event.getRequestId(), CommandTypes.of(event.getPayload()), event.getConversationId(),
                    event.getActorDeviceId(), entry.getInboxSeq())
                    .put("type", "accepted").put("seq", event.getSeq()).put("duplicate", false).put("event_type", type);
            return event.getPayload() instanceof MessagePosted posted ? frame.put("message_id", posted.getMessageId()) : frame;
        }
        return null;
    }

    private static ObjectNode common(String commandId, String ref, String commandType, String conversationId, String deviceId,
            long inboxSeq) {
        // "type" first, so a client (or a person reading a capture) sees the kind at once.
        ObjectNode frame = ApiJson.JSON.createObjectNode().put("type", "");
        frame.put("ref", ref).put("command_id", commandId).put("command_type", commandType).put("conversation_id", conversationId)
                .put("device_id", deviceId).put("inbox_seq", inboxSeq);
        return frame;
    }

}
