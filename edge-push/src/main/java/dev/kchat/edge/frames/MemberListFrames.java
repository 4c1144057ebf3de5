package dev.kchat.edge.frames;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kchat.api.ApiException;
import dev.kchat.edge.members.ListRange;
import dev.kchat.edge.members.MemberListSubscriptions;
import dev.kchat.edge.protocol.MemberListMessages;
import dev.kchat.edge.session.Session;
import dev.kchat.schemas.Ids;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * {@code subscribe_members {server_id, ranges}} and {@code unsubscribe_members {server_id}}: the ranges
 * of a server's member list a connection shows (Discord's lazy member list). The frame's shape is
 * checked here (a refusal changes nothing); membership and the answers are {@link MemberListSubscriptions}'.
 */
public final class MemberListFrames {

    private static final Set<String> SUBSCRIBE_FIELDS = Set.of("server_id", "ranges", "client_msg_id");
    private static final Set<String> UNSUBSCRIBE_FIELDS = Set.of("server_id", "client_msg_id");

    private final MemberListSubscriptions lists;

    public MemberListFrames(MemberListSubscriptions lists) {
        this.lists = lists;
    }

    public void subscribe(Session session, ObjectNode fields) {
        FrameFields.requireHello(session);
        FrameFields.onlyFields(fields, SUBSCRIBE_FIELDS);
        String serverId = serverId(fields);
        List<ListRange> ranges = ranges(fields.get("ranges"));
        lists.subscribe(session, serverId, ranges, fields.path("client_msg_id").asText(null));
    }

    public void unsubscribe(Session session, ObjectNode fields) {
        FrameFields.requireHello(session);
        FrameFields.onlyFields(fields, UNSUBSCRIBE_FIELDS);
        String serverId = serverId(fields);
        if (!lists.unsubscribe(session, serverId)) {
            throw ApiException.badRequest("not_subscribed", "this connection does not subscribe to the member list of '" + serverId + "'");
        }
        session.sendLive(MemberListMessages.ended(serverId, "unsubscribed"));
    }

    /**
     * {@code ranges}: 1 to {@value MemberListSubscriptions#MAX_RANGES} pairs {@code [first, last]} of
     * positions (inclusive, {@code 0 <= first <= last}), each at most
     * {@value MemberListSubscriptions#MAX_RANGE_LENGTH} long.
     */
    static List<ListRange> ranges(JsonNode node) {
        if (node == null || !node.isArray() || node.isEmpty()) {
            throw ApiException.badRequest("invalid_ranges", "ranges must be a non-empty array of [first, last] pairs");
        }
        if (node.size() > MemberListSubscriptions.MAX_RANGES) {
            throw ApiException.badRequest("too_many_ranges", "at most " + MemberListSubscriptions.MAX_RANGES
                    + " ranges per subscription, not " + node.size());
        }
        List<ListRange> out = new ArrayList<>();
        for (JsonNode pair : node) {
            if (!pair.isArray() || pair.size() != 2 || !position(pair.get(0)) || !position(pair.get(1))
                    || pair.get(1).asInt() < pair.get(0).asInt()) {
                throw ApiException.badRequest("invalid_ranges", "each range is [first, last] with 0 <= first <= last, not " + pair);
            }
            ListRange range = new ListRange(pair.get(0).asInt(), pair.get(1).asInt());
            if (range.length() > MemberListSubscriptions.MAX_RANGE_LENGTH) {
                throw ApiException.badRequest("range_too_long", "a range holds at most " + MemberListSubscriptions.MAX_RANGE_LENGTH
                        + " members, not " + range.length() + " (" + pair + ")");
            }
            out.add(range);
        }
        return out;
    }

    /** A non-negative int. */
    private static boolean position(JsonNode n) {
        return n.isIntegralNumber() && n.canConvertToInt() && n.asInt() >= 0;
    }

    private static String serverId(ObjectNode fields) {
        JsonNode v = fields.get("server_id");
        if (v == null || !v.isTextual() || v.asText().isEmpty()) {
            throw ApiException.badRequest("missing_field", "server_id is required");
        }
        if (!Ids.isConversationId(v.asText()) || !Ids.isServer(v.asText())) {
            throw ApiException.badRequest("invalid_field", "server_id must be a server id (sv:<id>)");
        }
        return v.asText();
    }
}
