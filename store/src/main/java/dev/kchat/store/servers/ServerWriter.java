package dev.kchat.store.servers;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.BoundStatement;
import com.datastax.oss.driver.api.core.cql.BoundStatementBuilder;
import com.datastax.oss.driver.api.core.cql.PreparedStatement;
import dev.kchat.events.chat.ChannelCreated;
import dev.kchat.events.chat.ChannelDeleted;
import dev.kchat.events.chat.ChannelOverwriteCleared;
import dev.kchat.events.chat.ChannelOverwriteSet;
import dev.kchat.events.chat.ChannelUpdated;
import dev.kchat.events.chat.ConversationEvent;
import dev.kchat.events.chat.InboxEntry;
import dev.kchat.events.chat.InviteCreated;
import dev.kchat.events.chat.InviteRevoked;
import dev.kchat.events.chat.MemberBanned;
import dev.kchat.events.chat.MemberUnbanned;
import dev.kchat.events.chat.MessagePosted;
import dev.kchat.events.chat.ReadPositionChanged;
import dev.kchat.events.chat.RoleAssigned;
import dev.kchat.events.chat.RoleCreated;
import dev.kchat.events.chat.RoleDeleted;
import dev.kchat.events.chat.RoleUnassigned;
import dev.kchat.events.chat.RoleUpdated;
import dev.kchat.events.chat.ServerCreated;
import dev.kchat.events.chat.ServerMemberJoined;
import dev.kchat.events.chat.ServerMemberLeft;
import dev.kchat.events.common.ServerChannel;
import dev.kchat.events.common.ServerRole;
import dev.kchat.schemas.Ids;
import dev.kchat.store.write.ChatWriter;
import dev.kchat.store.write.WriteTimestamps;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The upserts that store a server (migration V008) from its log: the events of
 * {@code chat.conversation.log} whose conversation is a server id (server, channel, role, overwrite,
 * invite, member and ban events), and from {@code chat.inbox} the entries that make a member's read state
 * in a channel (read positions, mention entries). A channel's messages are stored by {@link ChatWriter}
 * like any conversation's.
 *
 * <p>Pure apart from preparing its statements: it returns statements, the caller runs them. Every cell is
 * written {@code USING TIMESTAMP} = the server seq of its event ({@link WriteTimestamps}), so a replayed or
 * reordered log converges to the state of the highest seq; read positions and mentions use the channel seq.
 */
public final class ServerWriter {

    private final PreparedStatement server;
    private final PreparedStatement serverSeen;
    private final PreparedStatement userServer;
    private final PreparedStatement userServerLeft;
    private final PreparedStatement memberJoined;
    private final PreparedStatement memberLeft;
    private final PreparedStatement memberRolesCleared;
    private final PreparedStatement roleAssigned;
    private final PreparedStatement roleUnassigned;
    private final PreparedStatement channel;
    private final PreparedStatement channelDeleted;
    private final PreparedStatement role;
    private final PreparedStatement roleDeleted;
    private final PreparedStatement overwriteSet;
    private final PreparedStatement overwriteCleared;
    private final PreparedStatement invite;
    private final PreparedStatement inviteByServer;
    private final PreparedStatement inviteRevoked;
    private final PreparedStatement inviteUsed;
    private final PreparedStatement inviteUseCount;
    private final PreparedStatement ban;
    private final PreparedStatement unban;
    private final PreparedStatement readState;
    private final PreparedStatement mention;

    /** Prepares the statements against {@code keyspace}, which the migrations must have created. */
    public ServerWriter(CqlSession session, String keyspace) {
        String k = keyspace + ".";
        server = session.prepare("UPDATE " + k + "servers USING TIMESTAMP :ts SET name = :name, owner_id = :owner_id,"
                + " created_at = :created_at, default_channel_id = :default_channel_id WHERE server_id = :server_id");
        serverSeen = session.prepare("UPDATE " + k + "servers USING TIMESTAMP :ts SET last_seq = :last_seq WHERE server_id = :server_id");
        // A join writes no nulls (each would be a tombstone read back with every member row): a member's
        // left_seq and left_kind are read only while they are not active (ServerRepository).
        userServer = session.prepare("UPDATE " + k + "servers_by_user USING TIMESTAMP :ts SET active = true, joined_seq = :seq"
                + " WHERE user_id = :user_id AND server_id = :server_id");
        userServerLeft = session.prepare("UPDATE " + k + "servers_by_user USING TIMESTAMP :ts SET active = false, left_seq = :seq,"
                + " left_kind = :left_kind WHERE user_id = :user_id AND server_id = :server_id");
        memberJoined = session.prepare("UPDATE " + k + "server_members USING TIMESTAMP :ts SET active = true, joined_seq = :seq,"
                + " joined_at = :at, invite_code = :invite_code"
                + " WHERE server_id = :server_id AND user_id = :user_id");
        memberLeft = session.prepare("UPDATE " + k + "server_members USING TIMESTAMP :ts SET active = false, left_seq = :seq,"
                + " left_kind = :left_kind WHERE server_id = :server_id AND user_id = :user_id");
        // Deletes every role element written at or before the leave: a member who comes back has none.
        memberRolesCleared = session.prepare("DELETE role_ids FROM " + k + "server_members USING TIMESTAMP :ts"
                + " WHERE server_id = :server_id AND user_id = :user_id");
        roleAssigned = session.prepare("UPDATE " + k + "server_members USING TIMESTAMP :ts SET role_ids = role_ids + :roles"
                + " WHERE server_id = :server_id AND user_id = :user_id");
        roleUnassigned = session.prepare("UPDATE " + k + "server_members USING TIMESTAMP :ts SET role_ids = role_ids - :roles"
                + " WHERE server_id = :server_id AND user_id = :user_id");
        channel = session.prepare("UPDATE " + k + "server_channels USING TIMESTAMP :ts SET name = :name, channel_type = :channel_type,"
                + " category_id = :category_id, position = :position, topic = :topic, deleted = false"
                + " WHERE server_id = :server_id AND channel_id = :channel_id");
        channelDeleted = session.prepare("UPDATE " + k + "server_channels USING TIMESTAMP :ts SET deleted = true"
                + " WHERE server_id = :server_id AND channel_id = :channel_id");
        role = session.prepare("UPDATE " + k + "server_roles USING TIMESTAMP :ts SET name = :name, permissions = :permissions,"
                + " position = :position, mentionable = :mentionable, deleted = false WHERE server_id = :server_id AND role_id = :role_id");
        roleDeleted = session.prepare("UPDATE " + k + "server_roles USING TIMESTAMP :ts SET deleted = true"
                + " WHERE server_id = :server_id AND role_id = :role_id");
        overwriteSet = session.prepare("UPDATE " + k + "channel_overwrites USING TIMESTAMP :ts SET allow_bits = :allow_bits, deny_bits = :deny_bits"
                + " WHERE server_id = :server_id AND channel_id = :channel_id AND target_kind = :target_kind AND target_id = :target_id");
        overwriteCleared = session.prepare("DELETE FROM " + k + "channel_overwrites USING TIMESTAMP :ts"
                + " WHERE server_id = :server_id AND channel_id = :channel_id AND target_kind = :target_kind AND target_id = :target_id");
        invite = session.prepare("UPDATE " + k + "invites USING TIMESTAMP :ts SET server_id = :server_id, created_by = :created_by,"
                + " created_at = :created_at, max_uses = :max_uses, expires_at = :expires_at, revoked = false WHERE code = :code");
        inviteByServer = session.prepare("INSERT INTO " + k + "invites_by_server (server_id, code) VALUES (:server_id, :code)"
                + " USING TIMESTAMP :ts");
        inviteRevoked = session.prepare("UPDATE " + k + "invites USING TIMESTAMP :ts SET revoked = true WHERE code = :code");
        inviteUseCount = session.prepare("UPDATE " + k + "invites USING TIMESTAMP :ts SET uses = :uses WHERE code = :code");
        inviteUsed = session.prepare("UPDATE " + k + "invite_uses USING TIMESTAMP :ts SET joined_seq = :seq"
                + " WHERE code = :code AND user_id = :user_id");
        ban = session.prepare("UPDATE " + k + "server_bans USING TIMESTAMP :ts SET active = true, banned_by = :banned_by,"
                + " reason = :reason, banned_at = :banned_at WHERE server_id = :server_id AND user_id = :user_id");
        unban = session.prepare("UPDATE " + k + "server_bans USING TIMESTAMP :ts SET active = false"
                + " WHERE server_id = :server_id AND user_id = :user_id");
        readState = session.prepare("UPDATE " + k + "channel_read_state USING TIMESTAMP :ts SET read_seq = :read_seq"
                + " WHERE user_id = :user_id AND server_id = :server_id AND channel_id = :channel_id");
        mention = session.prepare("INSERT INTO " + k + "channel_mentions (user_id, channel_id, seq) VALUES (:user_id, :channel_id, :seq)"
                + " USING TIMESTAMP :ts");
    }

    /**
     * The upserts for one event of a server's own log (its conversation id is a server id); none for any
     * other event (a channel's messages, other conversations).
     *
     * @throws IllegalArgumentException if the event cannot be stored (bad seq)
     */
    public List<BoundStatement> statementsFor(ConversationEvent event) {
        String serverId = event.getConversationId();
        if (!Ids.isServer(serverId)) {
            return List.of();
        }
        long seq = event.getSeq();
        long ts = WriteTimestamps.of(seq);
        Object p = event.getPayload();
        List<BoundStatement> out = new ArrayList<>();
        if (p instanceof ServerCreated created) {
            out.add(finish(server.boundStatementBuilder().setLong("ts", ts).setString("server_id", serverId)
                    .setString("name", created.getName()).setString("owner_id", created.getOwnerId())
                    .setInstant("created_at", event.getOccurredAt())
                    .setString("default_channel_id", created.getDefaultChannel().getChannelId())));
            out.addAll(joined(serverId, created.getOwnerId(), seq, event, null));
            out.add(role(serverId, ts, created.getEveryoneRole()));
            out.add(channel(serverId, ts, created.getDefaultChannel()));
        } else if (p instanceof ChannelCreated c) {
            out.add(channel(serverId, ts, c.getChannel()));
        } else if (p instanceof ChannelUpdated c) {
            out.add(channel(serverId, ts, c.getChannel()));
        } else if (p instanceof ChannelDeleted c) {
            out.add(finish(channelDeleted.boundStatementBuilder().setLong("ts", ts).setString("server_id", serverId)
                    .setString("channel_id", c.getChannelId())));
        } else if (p instanceof RoleCreated r) {
            out.add(role(serverId, ts, r.getRole()));
        } else if (p instanceof RoleUpdated r) {
            out.add(role(serverId, ts, r.getRole()));
        } else if (p instanceof RoleDeleted r) {
            out.add(finish(roleDeleted.boundStatementBuilder().setLong("ts", ts).setString("server_id", serverId)
                    .setString("role_id", r.getRoleId())));
        } else if (p instanceof RoleAssigned r) {
            out.add(memberRoles(roleAssigned, serverId, ts, r.getUserId(), r.getRoleId()));
        } else if (p instanceof RoleUnassigned r) {
            out.add(memberRoles(roleUnassigned, serverId, ts, r.getUserId(), r.getRoleId()));
        } else if (p instanceof ChannelOverwriteSet o) {
            out.add(finish(overwriteSet.boundStatementBuilder().setLong("ts", ts).setString("server_id", serverId)
                    .setString("channel_id", o.getChannelId()).setString("target_kind", o.getTargetKind().name())
                    .setString("target_id", o.getTargetId()).setLong("allow_bits", o.getAllow()).setLong("deny_bits", o.getDeny())));
        } else if (p instanceof ChannelOverwriteCleared o) {
            out.add(finish(overwriteCleared.boundStatementBuilder().setLong("ts", ts).setString("server_id", serverId)
                    .setString("channel_id", o.getChannelId()).setString("target_kind", o.getTargetKind().name())
                    .setString("target_id", o.getTargetId())));
        } else if (p instanceof InviteCreated i) {
            out.add(finish(invite.boundStatementBuilder().setLong("ts", ts).setString("code", i.getCode()).setString("server_id", serverId)
                    .setString("created_by", event.getActorId()).setInstant("created_at", event.getOccurredAt())
                    .set("max_uses", i.getMaxUses(), Integer.class).setInstant("expires_at", i.getExpiresAt())));
            out.add(finish(inviteByServer.boundStatementBuilder().setLong("ts", ts).setString("server_id", serverId)
                    .setString("code", i.getCode())));
        } else if (p instanceof InviteRevoked i) {
            out.add(finish(inviteRevoked.boundStatementBuilder().setLong("ts", ts).setString("code", i.getCode())));
        } else if (p instanceof ServerMemberJoined j) {
            out.addAll(joined(serverId, j.getUserId(), seq, event, j.getInviteCode()));
            if (j.getInviteCode() != null && j.getInviteUses() != null) {
                out.add(finish(inviteUseCount.boundStatementBuilder().setLong("ts", ts).setString("code", j.getInviteCode())
                        .setInt("uses", j.getInviteUses())));
            }
        } else if (p instanceof ServerMemberLeft left) {
            for (PreparedStatement ps : List.of(memberLeft, userServerLeft)) {
                out.add(finish(ps.boundStatementBuilder().setLong("ts", ts).setString("server_id", serverId)
                        .setString("user_id", left.getUserId()).setLong("seq", seq).setString("left_kind", left.getKind().name())));
            }
            out.add(finish(memberRolesCleared.boundStatementBuilder().setLong("ts", ts).setString("server_id", serverId)
                    .setString("user_id", left.getUserId())));
        } else if (p instanceof MemberBanned b) {
            out.add(finish(ban.boundStatementBuilder().setLong("ts", ts).setString("server_id", serverId).setString("user_id", b.getUserId())
                    .setString("banned_by", event.getActorId()).setString("reason", b.getReason())
                    .setInstant("banned_at", event.getOccurredAt())));
        } else if (p instanceof MemberUnbanned u) {
            out.add(finish(unban.boundStatementBuilder().setLong("ts", ts).setString("server_id", serverId).setString("user_id", u.getUserId())));
        }
        out.add(finish(serverSeen.boundStatementBuilder().setLong("ts", ts).setString("server_id", serverId).setLong("last_seq", seq)));
        return out;
    }

    /**
     * The upserts for one inbox entry that makes a member's read state in a server channel: a read
     * position ({@code ReadPositionChanged}) and a mention entry (a message by someone else in the member's
     * inbox: fanout puts a channel's messages there only for those it mentions). None for other entries.
     */
    public List<BoundStatement> statementsFor(InboxEntry entry) {
        Object item = entry.getItem();
        if (item instanceof ReadPositionChanged read && Ids.isServerChannel(read.getConversationId()) && read.getReadSeq() > 0) {
            return List.of(finish(readState.boundStatementBuilder().setLong("ts", WriteTimestamps.of(read.getReadSeq()))
                    .setString("user_id", entry.getUserId()).setString("server_id", Ids.serverOf(read.getConversationId()))
                    .setString("channel_id", read.getConversationId()).setLong("read_seq", read.getReadSeq())));
        }
        if (item instanceof ConversationEvent event && event.getPayload() instanceof MessagePosted
                && Ids.isServerChannel(event.getConversationId()) && !entry.getUserId().equals(event.getActorId())) {
            return List.of(finish(mention.boundStatementBuilder().setLong("ts", WriteTimestamps.of(event.getSeq()))
                    .setString("user_id", entry.getUserId()).setString("channel_id", event.getConversationId())
                    .setLong("seq", event.getSeq())));
        }
        return List.of();
    }

    private List<BoundStatement> joined(String serverId, String userId, long seq, ConversationEvent event, String inviteCode) {
        long ts = WriteTimestamps.of(seq);
        List<BoundStatement> out = new ArrayList<>(3);
        BoundStatementBuilder member = memberJoined.boundStatementBuilder().setLong("ts", ts).setString("server_id", serverId)
                .setString("user_id", userId).setLong("seq", seq).setInstant("at", event.getOccurredAt());
        if (inviteCode != null) {
            member = member.setString("invite_code", inviteCode); // left unset otherwise: no tombstone
        }
        out.add(finish(member));
        out.add(finish(userServer.boundStatementBuilder().setLong("ts", ts).setString("server_id", serverId).setString("user_id", userId)
                .setLong("seq", seq)));
        if (inviteCode != null) {
            out.add(finish(inviteUsed.boundStatementBuilder().setLong("ts", ts).setString("code", inviteCode).setString("user_id", userId)
                    .setLong("seq", seq)));
        }
        return out;
    }

    private BoundStatement memberRoles(PreparedStatement ps, String serverId, long ts, String userId, String roleId) {
        return finish(ps.boundStatementBuilder().setLong("ts", ts).setString("server_id", serverId).setString("user_id", userId)
                .setSet("roles", Set.of(roleId), String.class));
    }

    private BoundStatement channel(String serverId, long ts, ServerChannel c) {
        return finish(channel.boundStatementBuilder().setLong("ts", ts).setString("server_id", serverId)
                .setString("channel_id", c.getChannelId()).setString("name", c.getName()).setString("channel_type", c.getType().name())
                .setString("category_id", c.getCategoryId()).setInt("position", c.getPosition()).setString("topic", c.getTopic()));
    }

    private BoundStatement role(String serverId, long ts, ServerRole r) {
        return finish(role.boundStatementBuilder().setLong("ts", ts).setString("server_id", serverId).setString("role_id", r.getRoleId())
                .setString("name", r.getName()).setLong("permissions", r.getPermissions()).setInt("position", r.getPosition())
                .setBoolean("mentionable", r.getMentionable()));
    }

    private static BoundStatement finish(BoundStatementBuilder b) {
        return b.setConsistencyLevel(ChatWriter.WRITE_CONSISTENCY).setIdempotence(true).build();
    }
}
