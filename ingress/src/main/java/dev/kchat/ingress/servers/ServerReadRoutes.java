package dev.kchat.ingress.servers;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kchat.api.ApiException;
import dev.kchat.api.ApiJson;
import dev.kchat.api.ReceiptFactory;
import dev.kchat.api.Requests;
import dev.kchat.api.ServerCommandFactory;
import dev.kchat.api.TopicPublisher;
import dev.kchat.api.auth.JwtAuthenticator.Caller;
import dev.kchat.api.http.ApiAnswers;
import dev.kchat.api.http.Parameters;
import dev.kchat.api.presence.PresenceClient;
import dev.kchat.api.presence.UserPresence;
import dev.kchat.events.chat.Receipt;
import dev.kchat.ingress.Doors;
import dev.kchat.schemas.Ids;
import dev.kchat.servers.permissions.Permission;
import dev.kchat.store.read.ChatRepository;
import dev.kchat.store.read.HistoryPage;
import dev.kchat.store.read.HistoryReader;
import dev.kchat.store.read.StoredEvent;
import dev.kchat.store.servers.ServerRepository;
import dev.kchat.store.servers.ServerRows;
import io.undertow.server.HttpServerExchange;
import io.undertow.server.RoutingHandler;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The reads of the servers API, from the store, for current members only ({@code 404 server_not_found}
 * otherwise): the caller's servers; a server with the channels the caller may view, each with the caller's
 * unread flag and mention count; roles, invites, bans (for those who may manage them); the member list by
 * ranges with presence for the members in the range only (each server's sorted list kept for a few seconds,
 * {@link MemberLists}); a channel's history (VIEW_CHANNEL and
 * READ_MESSAGE_HISTORY there, computed with {@code server-permissions}); and the caller's read position in a
 * channel ({@code ReadUpTo}, keyed by the server so fanout's server task gets it).
 */
public final class ServerReadRoutes implements Doors.RouteGroup {

    /** Largest member-list range. */
    public static final int MAX_MEMBER_RANGE = ServerRepository.MAX_MEMBER_RANGE;

    private final ServerRepository servers;
    private final ServerAccess access;
    private final MemberLists memberLists;
    private final ChatRepository history;
    private final TopicPublisher<Receipt> receipts;
    private final PresenceClient presence;
    private final int maxPageSize;
    private final Clock clock;

    /** @param presence the presence app's client, or null when presence is not deployed (member lists then say OFFLINE) */
    public ServerReadRoutes(ServerRepository servers, ChatRepository history, TopicPublisher<Receipt> receipts, PresenceClient presence,
            int maxPageSize, Clock clock) {
        this.servers = servers;
        this.access = new ServerAccess(servers);
        this.memberLists = new MemberLists(servers::sortedMembers, clock);
        this.history = history;
        this.receipts = receipts;
        this.presence = presence;
        this.maxPageSize = maxPageSize;
        this.clock = clock;
    }

    @Override
    public void register(RoutingHandler routes, Doors doors) {
        routes.get("/v1/servers", doors.withoutBody("servers", (ex, caller) -> mine(ex, caller)))
                .get("/v1/servers/{server}", doors.withoutBody("server", this::server))
                .get("/v1/servers/{server}/channels", doors.withoutBody("server_channels", (ex, caller) -> {
                    ServerAccess.Seen seen = access.member(caller.userId(), serverParam(ex), null);
                    ObjectNode body = ApiJson.JSON.createObjectNode().put("server_id", seen.state().serverId());
                    channels(body.putArray("channels"), caller, seen);
                    ApiAnswers.json(ex, 200, body);
                }))
                .get("/v1/servers/{server}/roles", doors.withoutBody("server_roles", (ex, caller) -> {
                    ServerAccess.Seen seen = access.member(caller.userId(), serverParam(ex), null);
                    ObjectNode body = ApiJson.JSON.createObjectNode().put("server_id", seen.state().serverId());
                    roles(body.putArray("roles"), servers.roles(seen.state().serverId()));
                    ApiAnswers.json(ex, 200, body);
                }))
                .get("/v1/servers/{server}/invites", doors.withoutBody("server_invites", (ex, caller) -> {
                    ServerAccess.Seen seen = require(access.member(caller.userId(), serverParam(ex), null), Permission.MANAGE_SERVER);
                    ObjectNode body = ApiJson.JSON.createObjectNode().put("server_id", seen.state().serverId());
                    ArrayNode list = body.putArray("invites");
                    for (ServerRows.Invite i : servers.invites(seen.state().serverId())) {
                        list.addObject().put("code", i.code()).put("created_by", i.createdBy()).put("uses", i.uses())
                                .put("max_uses", i.maxUses()).put("expires_at", i.expiresAt() == null ? null : i.expiresAt().toString())
                                .put("revoked", i.revoked());
                    }
                    ApiAnswers.json(ex, 200, body);
                }))
                .get("/v1/servers/{server}/bans", doors.withoutBody("server_bans", (ex, caller) -> {
                    ServerAccess.Seen seen = require(access.member(caller.userId(), serverParam(ex), null), Permission.BAN_MEMBERS);
                    ObjectNode body = ApiJson.JSON.createObjectNode().put("server_id", seen.state().serverId());
                    ArrayNode list = body.putArray("bans");
                    for (ServerRows.Ban b : servers.bans(seen.state().serverId())) {
                        list.addObject().put("user_id", b.userId()).put("banned_by", b.bannedBy()).put("reason", b.reason())
                                .put("banned_at", b.bannedAt() == null ? null : b.bannedAt().toString());
                    }
                    ApiAnswers.json(ex, 200, body);
                }))
                .get("/v1/servers/{server}/members", doors.withoutBody("server_members", this::members))
                .get("/v1/servers/{server}/channels/{channel}/messages", doors.withoutBody("server_history", this::history))
                .post("/v1/servers/{server}/channels/{channel}/read", doors.withBody("server_mark_read", (ex, caller, body) ->
                        markRead(ex, doors, caller, body)));
    }

    private void mine(HttpServerExchange ex, Caller caller) {
        ObjectNode body = ApiJson.JSON.createObjectNode();
        ArrayNode list = body.putArray("servers");
        for (String serverId : servers.serversOf(caller.userId())) {
            servers.server(serverId).ifPresent(s -> list.addObject().put("server_id", s.serverId()).put("name", s.name())
                    .put("owner_id", s.ownerId()));
        }
        ApiAnswers.json(ex, 200, body);
    }

    /** A server as the caller sees it: name, owner, the caller's roles and permissions, channels, roles. */
    private void server(HttpServerExchange ex, Caller caller) {
        ServerAccess.Seen seen = access.member(caller.userId(), serverParam(ex), null);
        String serverId = seen.state().serverId();
        ServerRows.Server s = servers.server(serverId)
                .orElseThrow(() -> ApiException.notFound("server_not_found", "no server '" + serverId + "' of yours"));
        ObjectNode body = ApiJson.JSON.createObjectNode().put("server_id", serverId).put("name", s.name()).put("owner_id", s.ownerId())
                .put("default_channel_id", s.defaultChannelId()).put("permissions", seen.base());
        ArrayNode mine = body.putArray("role_ids");
        seen.state().member().roleIds().stream().filter(seen.roles()::containsKey).sorted().forEach(mine::add);
        channels(body.putArray("channels"), caller, seen);
        roles(body.putArray("roles"), servers.roles(serverId));
        ApiAnswers.json(ex, 200, body);
    }

    /** The channels the caller may view, by position, with their permissions, unread flag and mention count. */
    private void channels(ArrayNode list, Caller caller, ServerAccess.Seen seen) {
        String serverId = seen.state().serverId();
        List<ServerRows.Channel> visible = servers.channels(serverId).stream().filter(c -> seen.canView(c.channelId())).toList();
        Set<String> categories = visible.stream().filter(c -> "CATEGORY".equals(c.type())).map(ServerRows.Channel::channelId)
                .collect(Collectors.toSet());
        Map<String, ServerRows.ChannelReadState> reads = servers.readStates(caller.userId(), serverId,
                visible.stream().filter(c -> !"CATEGORY".equals(c.type())).map(ServerRows.Channel::channelId).toList());
        for (ServerRows.Channel c : visible) {
            ObjectNode node = list.addObject().put("channel_id", c.channelId()).put("name", c.name())
                    .put("type", c.type() == null ? null : c.type().toLowerCase(java.util.Locale.ROOT))
                    // A channel in a deleted (or hidden) category is shown at the top level.
                    .put("category_id", c.categoryId() != null && categories.contains(c.categoryId()) ? c.categoryId() : null)
                    .put("position", c.position()).put("topic", c.topic()).put("permissions", seen.inChannel(c.channelId()));
            ServerRows.ChannelReadState read = reads.get(c.channelId());
            if (read != null) {
                node.put("last_seq", read.lastSeq()).put("read_seq", read.readSeq()).put("unread", read.unread())
                        .put("mention_count", read.mentionCount());
            }
        }
    }

    private static void roles(ArrayNode list, List<ServerRows.Role> roles) {
        for (ServerRows.Role r : roles) {
            list.addObject().put("role_id", r.roleId()).put("name", r.name()).put("permissions", r.permissions())
                    .put("position", r.position()).put("mentionable", r.mentionable());
        }
    }

    /** {@code GET /v1/servers/{id}/members?offset=&limit=}: a range of the sorted member list, with presence. */
    private void members(HttpServerExchange ex, Caller caller) {
        ServerAccess.Seen seen = access.member(caller.userId(), serverParam(ex), null);
        long offset = Parameters.longParam(ex, "offset").orElse(0);
        long limit = Parameters.longParam(ex, "limit").orElse(100);
        if (offset < 0 || offset > Integer.MAX_VALUE) {
            throw ApiException.badRequest("invalid_parameter", "offset must be 0 or more");
        }
        if (limit < 1 || limit > MAX_MEMBER_RANGE) {
            throw ApiException.badRequest("invalid_parameter", "limit must be 1-" + MAX_MEMBER_RANGE);
        }
        ServerRows.MemberRange range = ServerRepository.range(memberLists.of(seen.state().serverId()), (int) offset, (int) limit);
        Map<String, UserPresence> found = presenceOf(range.members().stream().map(ServerRows.MemberLine::userId).toList());
        ObjectNode body = ApiJson.JSON.createObjectNode().put("server_id", seen.state().serverId()).put("offset", range.offset())
                .put("total", range.total());
        ArrayNode list = body.putArray("members");
        for (ServerRows.MemberLine m : range.members()) {
            UserPresence p = found.getOrDefault(m.userId(), UserPresence.unknown(m.userId()));
            ObjectNode node = list.addObject().put("user_id", m.userId()).put("top_role_id", m.topRoleId())
                    .put("presence", p.state().name());
            ArrayNode roleIds = node.putArray("role_ids");
            m.roleIds().forEach(roleIds::add);
        }
        ApiAnswers.json(ex, 200, body);
    }

    /** Presence of the members of one range only (at most {@value #MAX_MEMBER_RANGE}); OFFLINE where presence cannot answer. */
    private Map<String, UserPresence> presenceOf(List<String> users) {
        if (presence == null || users.isEmpty()) {
            return Map.of();
        }
        try {
            return presence.query(users);
        } catch (PresenceClient.QueryException | java.io.UncheckedIOException e) {
            // The list is still useful without it: the members are shown as a user never seen (OFFLINE).
            org.slf4j.LoggerFactory.getLogger(ServerReadRoutes.class).warn("member list without presence: {}", e.toString());
            return Map.of();
        }
    }

    /** {@code GET /v1/servers/{id}/channels/{channel}/messages}: like a conversation's history, for those who may view and read it. */
    private void history(HttpServerExchange ex, Caller caller) {
        String serverId = serverParam(ex);
        String channelId = ServerCommandFactory.channelOf(serverId, Parameters.pathParam(ex, "channel"), null);
        ServerAccess.Seen seen = access.member(caller.userId(), serverId, channelId);
        requireChannel(serverId, channelId, seen);
        if (!Permission.READ_MESSAGE_HISTORY.in(seen.inChannel(channelId))) {
            throw new ApiException(403, "forbidden", "you may not read the history of " + channelId);
        }
        int limit = (int) Math.min(Parameters.longParam(ex, "limit").orElse(50), maxPageSize);
        if (limit < 1) {
            throw ApiException.badRequest("invalid_parameter", "limit must be at least 1");
        }
        OptionalLong before = Parameters.longParam(ex, "before");
        OptionalLong after = Parameters.longParam(ex, "after");
        if (before.isPresent() && after.isPresent()) {
            throw ApiException.badRequest("invalid_parameter", "give before or after, not both");
        }
        HistoryReader.Order order = switch (Parameters.stringParam(ex, "order", "newest")) {
            case "newest" -> HistoryReader.Order.NEWEST_FIRST;
            case "oldest" -> HistoryReader.Order.OLDEST_FIRST;
            default -> throw ApiException.badRequest("invalid_parameter", "order must be newest or oldest");
        };
        HistoryPage page = after.isPresent() ? history.history(channelId, HistoryReader.Direction.AFTER, after.getAsLong(), limit, order)
                : before.isPresent() ? history.history(channelId, HistoryReader.Direction.BEFORE, before.getAsLong(), limit, order)
                : history.latest(channelId, limit, order);
        ObjectNode body = ApiJson.JSON.createObjectNode().put("conversation_id", channelId).put("server_id", serverId);
        ArrayNode events = body.putArray("events");
        for (StoredEvent e : page.events()) {
            ObjectNode node = ApiJson.JSON.valueToTree(e);
            node.remove("event");
            events.add(node);
        }
        body.put("has_more", page.hasMore());
        ApiAnswers.json(ex, 200, body);
    }

    /** {@code POST /v1/servers/{id}/channels/{channel}/read}: a ReadUpTo receipt; fanout moves the read state. */
    private void markRead(HttpServerExchange ex, Doors doors, Caller caller, byte[] bytes) {
        String serverId = serverParam(ex);
        String channelId = ServerCommandFactory.channelOf(serverId, Parameters.pathParam(ex, "channel"), null);
        Requests.MarkRead request = ApiJson.read(bytes, Requests.MarkRead.class);
        if (request.seq() == null || request.seq() < 1 || request.seq() > Parameters.MAX_INTEGER) {
            throw ApiException.badRequest("missing_field", "seq (1 or more) is required");
        }
        requireChannel(serverId, channelId, access.member(caller.userId(), serverId, channelId));
        Receipt receipt = ReceiptFactory.readUpTo(caller, channelId, request.seq(), clock.instant());
        doors.publish(ex, "server_mark_read", () -> receipts.publish(Ids.routingKey(channelId), receipt),
                () -> ApiJson.JSON.createObjectNode().put("conversation_id", channelId).put("read_seq", request.seq()));
    }

    /** 404 for a channel that is not there or that the caller may not view (it does not exist for them). */
    private void requireChannel(String serverId, String channelId, ServerAccess.Seen seen) {
        boolean there = servers.channel(serverId, channelId).map(c -> !c.deleted()).orElse(false);
        if (!there || !seen.canView(channelId)) {
            throw ApiException.notFound("channel_not_found", "no channel '" + channelId + "' in " + serverId);
        }
    }

    private static ServerAccess.Seen require(ServerAccess.Seen seen, Permission permission) {
        long base = seen.base();
        if (!permission.in(base)) {
            throw new ApiException(403, "forbidden", "you need " + permission + " in this server");
        }
        return seen;
    }

    private static String serverParam(HttpServerExchange ex) {
        String serverId = Parameters.pathParam(ex, "server");
        ServerCommandFactory.requireServer(serverId);
        return serverId;
    }
}
