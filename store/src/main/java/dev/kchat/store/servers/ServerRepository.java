package dev.kchat.store.servers;

import com.datastax.oss.driver.api.core.ConsistencyLevel;
import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.BoundStatement;
import com.datastax.oss.driver.api.core.cql.PreparedStatement;
import com.datastax.oss.driver.api.core.cql.Row;
import dev.kchat.store.servers.ServerRows.Ban;
import dev.kchat.store.servers.ServerRows.Channel;
import dev.kchat.store.servers.ServerRows.ChannelReadState;
import dev.kchat.store.servers.ServerRows.Invite;
import dev.kchat.store.servers.ServerRows.MemberLine;
import dev.kchat.store.servers.ServerRows.MemberRange;
import dev.kchat.store.servers.ServerRows.Membership;
import dev.kchat.store.servers.ServerRows.Overwrite;
import dev.kchat.store.servers.ServerRows.PermissionState;
import dev.kchat.store.servers.ServerRows.Role;
import dev.kchat.store.servers.ServerRows.Server;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Reads what {@link ServerWriter} stored (migration V008): servers, channels, roles, members, overwrites,
 * invites, bans, a member's read state and the member list. Thread-safe; blocking calls on the caller's
 * thread, at {@code LOCAL_QUORUM} (with the sink's {@code LOCAL_QUORUM} writes, a read sees every write the
 * sink has acknowledged: a permission check never reads a role older than the sink has stored).
 *
 * <p>What is stored lags the log by the sink's delay: routing decides every command on its own state;
 * these reads serve reads (history, member list, who may view a channel) and the door's first look at an
 * invite code.
 */
public final class ServerRepository {

    public static final ConsistencyLevel READ_CONSISTENCY = ConsistencyLevel.LOCAL_QUORUM;
    /** Largest member-list range one call returns. */
    public static final int MAX_MEMBER_RANGE = 200;
    /** Most rows one listing returns (channels, roles, invites, bans, servers of a user). */
    public static final int MAX_ROWS = 1_000;

    private final CqlSession session;
    private final PreparedStatement server;
    private final PreparedStatement serversOfUser;
    private final PreparedStatement member;
    private final PreparedStatement members;
    private final PreparedStatement channels;
    private final PreparedStatement channel;
    private final PreparedStatement roles;
    private final PreparedStatement overwrites;
    private final PreparedStatement channelOverwrites;
    private final PreparedStatement invite;
    private final PreparedStatement invitesOfServer;
    private final PreparedStatement inviteUses;
    private final PreparedStatement ban;
    private final PreparedStatement bans;
    private final PreparedStatement readStates;
    private final PreparedStatement channelHead;
    private final PreparedStatement mentionsAfter;

    /** Prepares the statements against {@code keyspace}, which the migrations must have created. */
    public ServerRepository(CqlSession session, String keyspace) {
        this.session = session;
        server = session.prepare("SELECT server_id, name, owner_id, created_at, default_channel_id, last_seq FROM " + keyspace
                + ".servers WHERE server_id = ?");
        serversOfUser = session.prepare("SELECT server_id, active FROM " + keyspace + ".servers_by_user WHERE user_id = ? LIMIT "
                + MAX_ROWS);
        String memberColumns = "server_id, user_id, active, joined_seq, left_seq, left_kind, role_ids";
        member = session.prepare("SELECT " + memberColumns + " FROM " + keyspace + ".server_members WHERE server_id = ? AND user_id = ?");
        members = session.prepare("SELECT " + memberColumns + " FROM " + keyspace + ".server_members WHERE server_id = ?");
        String channelColumns = "server_id, channel_id, name, channel_type, category_id, position, topic, deleted";
        channels = session.prepare("SELECT " + channelColumns + " FROM " + keyspace + ".server_channels WHERE server_id = ? LIMIT "
                + MAX_ROWS);
        channel = session.prepare("SELECT " + channelColumns + " FROM " + keyspace
                + ".server_channels WHERE server_id = ? AND channel_id = ?");
        roles = session.prepare("SELECT server_id, role_id, name, permissions, position, mentionable, deleted FROM " + keyspace
                + ".server_roles WHERE server_id = ? LIMIT " + MAX_ROWS);
        String overwriteColumns = "channel_id, target_kind, target_id, allow_bits, deny_bits";
        overwrites = session.prepare("SELECT " + overwriteColumns + " FROM " + keyspace + ".channel_overwrites WHERE server_id = ?");
        channelOverwrites = session.prepare("SELECT " + overwriteColumns + " FROM " + keyspace
                + ".channel_overwrites WHERE server_id = ? AND channel_id = ?");
        String inviteColumns = "code, server_id, created_by, created_at, max_uses, expires_at, revoked, uses";
        invite = session.prepare("SELECT " + inviteColumns + " FROM " + keyspace + ".invites WHERE code = ?");
        invitesOfServer = session.prepare("SELECT code FROM " + keyspace + ".invites_by_server WHERE server_id = ? LIMIT " + MAX_ROWS);
        inviteUses = session.prepare("SELECT COUNT(*) AS uses FROM " + keyspace + ".invite_uses WHERE code = ?");
        String banColumns = "server_id, user_id, active, banned_by, reason, banned_at";
        ban = session.prepare("SELECT " + banColumns + " FROM " + keyspace + ".server_bans WHERE server_id = ? AND user_id = ?");
        bans = session.prepare("SELECT " + banColumns + " FROM " + keyspace + ".server_bans WHERE server_id = ? LIMIT " + MAX_ROWS);
        readStates = session.prepare("SELECT channel_id, read_seq FROM " + keyspace
                + ".channel_read_state WHERE user_id = ? AND server_id = ?");
        channelHead = session.prepare("SELECT last_seq FROM " + keyspace + ".conversations WHERE conversation_id = ?");
        mentionsAfter = session.prepare("SELECT COUNT(*) AS mentions FROM " + keyspace
                + ".channel_mentions WHERE user_id = ? AND channel_id = ? AND seq > ?");
    }

    public Optional<Server> server(String serverId) {
        Row r = one(server.bind(serverId));
        if (r == null || r.getString("owner_id") == null) {
            return Optional.empty();
        }
        return Optional.of(new Server(r.getString("server_id"), r.getString("name"), r.getString("owner_id"),
                r.getInstant("created_at"), r.getString("default_channel_id"), r.isNull("last_seq") ? 0 : r.getLong("last_seq")));
    }

    /** The servers the user is a current member of (at most {@value #MAX_ROWS}), in server id order. */
    public List<String> serversOf(String userId) {
        List<String> out = new ArrayList<>();
        for (Row r : all(serversOfUser.bind(userId))) {
            if (!r.isNull("active") && r.getBoolean("active")) {
                out.add(r.getString("server_id"));
            }
        }
        return out;
    }

    /** The user's membership of the server, current or past; empty if they never joined. */
    public Optional<Membership> member(String serverId, String userId) {
        return Optional.ofNullable(one(member.bind(serverId, userId))).filter(r -> !r.isNull("joined_seq")).map(ServerRepository::membership);
    }

    /** The channels and categories of the server that are not deleted, by position then id. */
    public List<Channel> channels(String serverId) {
        return all(channels.bind(serverId)).stream().map(ServerRepository::channelOf).filter(c -> c.name() != null && !c.deleted())
                .sorted(Comparator.comparingInt(Channel::position).thenComparing(Channel::channelId)).toList();
    }

    /** The channel, deleted or not; empty if the server never had it. */
    public Optional<Channel> channel(String serverId, String channelId) {
        return Optional.ofNullable(one(channel.bind(serverId, channelId))).map(ServerRepository::channelOf).filter(c -> c.name() != null);
    }

    /** The roles of the server that are not deleted, @everyone included, by position (highest first) then id. */
    public List<Role> roles(String serverId) {
        List<Role> out = new ArrayList<>();
        for (Row r : all(roles.bind(serverId))) {
            if ((r.isNull("deleted") || !r.getBoolean("deleted")) && r.getString("name") != null) {
                out.add(new Role(r.getString("server_id"), r.getString("role_id"), r.getString("name"),
                        r.isNull("permissions") ? 0 : r.getLong("permissions"), r.isNull("position") ? 0 : r.getInt("position"),
                        !r.isNull("mentionable") && r.getBoolean("mentionable")));
            }
        }
        out.sort(Comparator.comparingInt(Role::position).reversed().thenComparing(Role::roleId));
        return out;
    }

    /** The overwrites of one channel. */
    public List<Overwrite> overwrites(String serverId, String channelId) {
        return all(channelOverwrites.bind(serverId, channelId)).stream().map(ServerRepository::overwriteOf).toList();
    }

    /**
     * The permission state of a user in a server: owner, roles, the user's membership and the overwrites of
     * {@code channelId}, or of every channel when {@code channelId} is null. Empty if the server is unknown.
     */
    public Optional<PermissionState> permissionState(String serverId, String userId, String channelId) {
        Optional<Server> s = server(serverId);
        if (s.isEmpty()) {
            return Optional.empty();
        }
        Map<String, Role> byId = new LinkedHashMap<>();
        roles(serverId).forEach(r -> byId.put(r.roleId(), r));
        Map<String, List<Overwrite>> byChannel = new HashMap<>();
        List<Overwrite> rows = channelId == null ? all(overwrites.bind(serverId)).stream().map(ServerRepository::overwriteOf).toList()
                : overwrites(serverId, channelId);
        rows.forEach(o -> byChannel.computeIfAbsent(o.channelId(), c -> new ArrayList<>()).add(o));
        return Optional.of(new PermissionState(serverId, s.get().ownerId(), byId, member(serverId, userId).orElse(null), byChannel));
    }

    public Optional<Invite> invite(String code) {
        Row r = one(invite.bind(code));
        if (r == null || r.getString("server_id") == null) {
            return Optional.empty();
        }
        // The count routing gave the latest join, on the invite's row (V010); an invite whose joins all
        // predate it has none: those are counted, one row per joiner.
        int uses;
        if (!r.isNull("uses")) {
            uses = r.getInt("uses");
        } else {
            Row counted = one(inviteUses.bind(code));
            uses = counted == null ? 0 : (int) counted.getLong("uses");
        }
        return Optional.of(new Invite(r.getString("code"), r.getString("server_id"), r.getString("created_by"),
                r.getInstant("created_at"), r.isNull("max_uses") ? null : r.getInt("max_uses"), r.getInstant("expires_at"),
                !r.isNull("revoked") && r.getBoolean("revoked"), uses));
    }

    /** The invites of the server, revoked ones included (each says so). */
    public List<Invite> invites(String serverId) {
        List<Invite> out = new ArrayList<>();
        for (Row r : all(invitesOfServer.bind(serverId))) {
            invite(r.getString("code")).ifPresent(out::add);
        }
        return out;
    }

    public Optional<Ban> ban(String serverId, String userId) {
        return Optional.ofNullable(one(ban.bind(serverId, userId))).filter(r -> !r.isNull("active")).map(ServerRepository::banOf);
    }

    /** The server's current bans. */
    public List<Ban> bans(String serverId) {
        return all(bans.bind(serverId)).stream().filter(r -> !r.isNull("active")).map(ServerRepository::banOf).filter(Ban::active).toList();
    }

    /**
     * The user's read state in each of the given channels: the channel's last seq, the user's read seq and
     * the mentions of the user after it. Reads one row per channel for the head and one count per channel
     * with mentions; a server's channel list is at most {@value #MAX_ROWS} channels.
     */
    public Map<String, ChannelReadState> readStates(String userId, String serverId, List<String> channelIds) {
        Map<String, Long> read = new HashMap<>();
        for (Row r : all(readStates.bind(userId, serverId))) {
            read.put(r.getString("channel_id"), r.isNull("read_seq") ? 0 : r.getLong("read_seq"));
        }
        Map<String, ChannelReadState> out = new LinkedHashMap<>();
        for (String channelId : channelIds) {
            Row head = one(channelHead.bind(channelId));
            long last = head == null || head.isNull("last_seq") ? 0 : head.getLong("last_seq");
            long readSeq = read.getOrDefault(channelId, 0L);
            int mentions = 0;
            if (last > readSeq) {
                Row count = one(mentionsAfter.bind(userId, channelId, readSeq));
                mentions = count == null ? 0 : (int) count.getLong("mentions");
            }
            out.put(channelId, new ChannelReadState(channelId, last, readSeq, mentions));
        }
        return out;
    }

    /**
     * A range of the member list: current members sorted by their highest role's position (highest first;
     * members with only @everyone last), then by user id. Sorted here on each call, reading every member
     * row of the server ({@link #sortedMembers}): fine for thousands of members, a full partition read for
     * the 100,000 of the largest server (see docs/storage.md for the pre-sorted table that would
     * avoid it).
     *
     * @param limit capped to {@value #MAX_MEMBER_RANGE}
     */
    public MemberRange memberRange(String serverId, int offset, int limit) {
        return range(sortedMembers(serverId), offset, limit);
    }

    /** The whole member list of the server, sorted as {@link #memberRange} says: one read of every member row. */
    public List<MemberLine> sortedMembers(String serverId) {
        Map<String, Integer> positions = new HashMap<>();
        roles(serverId).forEach(r -> positions.put(r.roleId(), r.position()));
        List<MemberLine> lines = new ArrayList<>();
        for (Row r : all(members.bind(serverId))) {
            Membership m = membership(r);
            if (m.active()) {
                lines.add(MemberLine.of(serverId, m.userId(), m.roleIds(), positions));
            }
        }
        lines.sort(MemberLine.LIST_ORDER);
        return List.copyOf(lines);
    }

    /** The range of a sorted member list from {@code offset}, at most {@code limit} (capped to {@value #MAX_MEMBER_RANGE}) long. */
    public static MemberRange range(List<MemberLine> sorted, int offset, int limit) {
        int from = Math.min(Math.max(0, offset), sorted.size());
        int to = Math.min(sorted.size(), from + Math.max(0, Math.min(limit, MAX_MEMBER_RANGE)));
        return new MemberRange(from, List.copyOf(sorted.subList(from, to)), sorted.size());
    }

    private static Membership membership(Row r) {
        Set<String> roleIds = r.isNull("role_ids") ? Set.of() : Set.copyOf(r.getSet("role_ids", String.class));
        boolean active = !r.isNull("active") && r.getBoolean("active");
        // A join leaves the last leave's cells in place (no tombstones): they describe a member who is gone.
        return new Membership(r.getString("server_id"), r.getString("user_id"), active,
                r.isNull("joined_seq") ? 0 : r.getLong("joined_seq"), active || r.isNull("left_seq") ? null : r.getLong("left_seq"),
                active ? null : r.getString("left_kind"), roleIds);
    }

    private static Channel channelOf(Row r) {
        return new Channel(r.getString("server_id"), r.getString("channel_id"), r.getString("name"), r.getString("channel_type"),
                r.getString("category_id"), r.isNull("position") ? 0 : r.getInt("position"), r.getString("topic"),
                !r.isNull("deleted") && r.getBoolean("deleted"));
    }

    private static Overwrite overwriteOf(Row r) {
        return new Overwrite(r.getString("channel_id"), r.getString("target_kind"), r.getString("target_id"),
                r.isNull("allow_bits") ? 0 : r.getLong("allow_bits"), r.isNull("deny_bits") ? 0 : r.getLong("deny_bits"));
    }

    private static Ban banOf(Row r) {
        return new Ban(r.getString("server_id"), r.getString("user_id"), r.getBoolean("active"), r.getString("banned_by"),
                r.getString("reason"), r.getInstant("banned_at"));
    }

    private Row one(BoundStatement statement) {
        return session.execute(statement.setConsistencyLevel(READ_CONSISTENCY)).one();
    }

    private List<Row> all(BoundStatement statement) {
        return session.execute(statement.setConsistencyLevel(READ_CONSISTENCY)).all();
    }
}
