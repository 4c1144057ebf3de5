package dev.kchat.edge.protocol;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kchat.api.ApiJson;
import dev.kchat.store.servers.ServerRows.MemberLine;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * The server's frames about member-list subscriptions (docs/edge-protocol.md, "Member lists"): the
 * first answer to {@code subscribe_members} ({@code member_list}), the aggregated updates after it
 * ({@code member_list_update}), the end of a subscription the client did not ask for
 * ({@code member_list_ended}) and a refused subscription (an {@code error} naming the server).
 */
public final class MemberListMessages {

    /** A range as sent: its first position and the members from there, in the list's order. */
    public record Range(int offset, List<MemberLine> members) {
    }

    private MemberListMessages() {
    }

    /**
     * The subscribed ranges as they stand: {@code total} members in the server, each range's members
     * with their presence ({@code presenceOf} answers {@code online}, {@code idle}, {@code dnd} or
     * {@code offline}).
     */
    public static String memberList(String serverId, int total, List<Range> ranges, Function<String, String> presenceOf) {
        ObjectNode frame = ApiJson.JSON.createObjectNode().put("type", "member_list").put("server_id", serverId).put("total", total);
        ranges(frame, ranges, presenceOf);
        return Frames.text(frame);
    }

    /**
     * What changed in the subscribed ranges over one interval: the ranges whose content or order
     * changed (whole, as in {@link #memberList}), and the latest presence of each member of a range
     * whose presence changed (one item per user).
     */
    public static String update(String serverId, int total, List<Range> ranges, Function<String, String> presenceOf,
            Map<String, String> presence) {
        ObjectNode frame = ApiJson.JSON.createObjectNode().put("type", "member_list_update").put("server_id", serverId)
                .put("total", total);
        ranges(frame, ranges, presenceOf);
        ArrayNode items = frame.putArray("presence");
        presence.forEach((userId, state) -> items.addObject().put("user_id", userId).put("presence", state));
        return Frames.text(frame);
    }

    /** The subscription ended without the client asking: {@code reason} is {@code left}, {@code kicked} or {@code banned}. */
    public static String ended(String serverId, String reason) {
        return Frames.text(ApiJson.JSON.createObjectNode().put("type", "member_list_ended").put("server_id", serverId)
                .put("reason", reason));
    }

    /** A refused {@code subscribe_members}: an {@code error} frame naming the server; {@code ref} as the frame sent it, or null. */
    public static String refused(String code, String message, String serverId, String ref) {
        ObjectNode frame = ApiJson.JSON.createObjectNode().put("type", "error").put("code", code).put("message", message)
                .put("server_id", serverId);
        if (ref != null) {
            frame.put("ref", ref);
        }
        return Frames.text(frame);
    }

    private static void ranges(ObjectNode frame, List<Range> ranges, Function<String, String> presenceOf) {
        ArrayNode out = frame.putArray("ranges");
        for (Range r : ranges) {
            ObjectNode range = out.addObject().put("offset", r.offset());
            ArrayNode members = range.putArray("members");
            for (MemberLine m : r.members()) {
                ObjectNode member = members.addObject().put("user_id", m.userId()).put("top_role_id", m.topRoleId());
                ArrayNode roles = member.putArray("roles");
                m.roleIds().forEach(roles::add);
                member.put("presence", presenceOf.apply(m.userId()));
            }
        }
    }
}
