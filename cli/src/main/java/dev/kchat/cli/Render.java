package dev.kchat.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;

/** How events, conversations and frames read as text lines (pure functions, so they are unit tested). */
public final class Render {

    private Render() {
    }

    /** A line of the conversation list: id, title, unread, last message. */
    public static String conversation(JsonNode c, String me) {
        String id = c.path("conversation_id").asText();
        String title = c.path("name").isTextual() ? c.path("name").asText() : peerOrId(id, me);
        StringBuilder line = new StringBuilder(String.format("%-40s %-20s", id, title));
        long unread = c.path("unread").asLong(0);
        line.append(unread > 0 ? String.format(" %3d unread", unread) : "           ");
        if (c.path("last_message_preview").isTextual()) {
            line.append("  ").append(c.path("last_message_sender").asText("?")).append(": ").append(c.path("last_message_preview").asText());
        }
        return line.toString().stripTrailing();
    }

    /** The other member of a direct chat ({@code dm:a:b}), else the id. */
    static String peerOrId(String id, String me) {
        if (!id.startsWith("dm:")) {
            return id;
        }
        String[] users = id.substring(3).split(":", 2);
        return users.length < 2 ? id : users[0].equals(me) ? users[1] : users[0];
    }

    /** A stored event of history (GET .../messages), or null for one that shows nothing by itself. */
    public static String stored(JsonNode e) {
        String type = e.path("event_type").asText();
        String head = "#" + e.path("seq").asLong() + " " + e.path("actor_id").asText();
        if (type.equals("MessagePosted")) {
            String status = e.path("status").asText("POSTED");
            String reply = e.path("reply_to_seq").canConvertToLong() ? " (reply to #" + e.path("reply_to_seq").asLong() + ")" : "";
            String body = switch (status) {
                case "RECALLED", "DELETED", "REDACTED" -> "[message " + status.toLowerCase() + "]";
                default -> e.path("body").asText("") + (status.equals("EDITED") ? " (edited)" : "");
            };
            return head + reply + ": " + body + reactions(e.path("reactions"));
        }
        if (type.startsWith("Message") || type.startsWith("Reaction")) {
            return null;
        }
        // History keeps the kind and the actor of a membership event, not its details.
        return head + " " + switch (type) {
            case "ConversationCreated" -> "created the chat";
            case "MemberJoined" -> "added members";
            case "MemberLeft" -> "(a member left or was removed)";
            case "ConversationRenamed" -> "renamed the chat";
            case "RoleChanged" -> "changed a role";
            case "OwnershipTransferred" -> "handed over the ownership";
            default -> type;
        };
    }

    /** An item of the inbox or a broadcast's event ({@code entry.item}), or null if it shows nothing. */
    public static String live(JsonNode item) {
        String type = item.path("type").asText();
        if (type.equals("MessageStatusChanged")) {
            return item.path("conversation_id").asText() + " up to #" + item.path("up_to_seq").asLong() + " "
                    + item.path("status").asText().toLowerCase() + (item.path("by_user_id").isTextual() ? " by " + item.path("by_user_id").asText() : "");
        }
        JsonNode p = item.path("payload");
        if (!p.isObject()) {
            return null;
        }
        String head = item.path("conversation_id").asText() + " #" + item.path("seq").asLong() + " " + item.path("actor_id").asText();
        return switch (p.path("type").asText()) {
            case "MessagePosted" -> head + (p.path("reply_to_seq").canConvertToLong() ? " (reply to #" + p.path("reply_to_seq").asLong() + ")" : "")
                    + ": " + p.path("body").asText("");
            case "MessageEdited" -> head + " edited #" + p.path("target_seq").asLong() + ": " + p.path("body").asText("");
            case "MessageRecalled" -> head + " recalled #" + p.path("target_seq").asLong();
            case "MessageDeleted" -> head + " deleted #" + p.path("target_seq").asLong();
            case "ReactionAdded" -> head + " reacted " + p.path("emoji").asText() + " to #" + p.path("target_seq").asLong();
            case "ReactionRemoved" -> head + " took back " + p.path("emoji").asText() + " from #" + p.path("target_seq").asLong();
            case "MemberJoined" -> head + " added " + String.join(", ", userIds(p.path("members")));
            case "MemberLeft" -> head + ": " + p.path("user_id").asText() + (p.path("removed").asBoolean() ? " was removed" : " left");
            default -> head + " " + p.path("type").asText();
        };
    }

    /** Whether an item is a message posted (what {@code tail --count} counts). */
    public static boolean isMessage(JsonNode item) {
        return item.path("payload").path("type").asText().equals("MessagePosted");
    }

    private static List<String> userIds(JsonNode members) {
        List<String> out = new ArrayList<>();
        members.forEach(m -> out.add(m.isTextual() ? m.asText() : m.path("user_id").asText()));
        return out;
    }

    private static String reactions(JsonNode reactions) {
        if (!reactions.isObject() || reactions.isEmpty()) {
            return "";
        }
        StringBuilder out = new StringBuilder("  [");
        reactions.fields().forEachRemaining(r -> out.append(out.length() > 3 ? " " : "").append(r.getKey()).append(r.getValue().asLong()));
        return out.append(']').toString();
    }
}
