package dev.kchat.store.servers;

import java.time.Instant;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/** What {@link ServerRepository} reads: the rows of migration V008 as values. */
public final class ServerRows {

    private ServerRows() {
    }

    /** A server; {@code lastSeq} is the seq of its log the store has applied. */
    public record Server(String serverId, String name, String ownerId, Instant createdAt, String defaultChannelId, long lastSeq) {
    }

    /** A user's membership of a server, current or past ({@code leftKind} LEFT, KICKED or BANNED). */
    public record Membership(String serverId, String userId, boolean active, long joinedSeq, Long leftSeq, String leftKind,
            Set<String> roleIds) {
    }

    /** A channel or category. {@code type} is TEXT, ANNOUNCEMENT or CATEGORY. */
    public record Channel(String serverId, String channelId, String name, String type, String categoryId, int position,
            String topic, boolean deleted) {
    }

    /** A role; the {@code @everyone} role's id is the server id. */
    public record Role(String serverId, String roleId, String name, long permissions, int position, boolean mentionable) {
    }

    /** A channel's permission overwrite for a role ({@code ROLE}) or a member ({@code MEMBER}). */
    public record Overwrite(String channelId, String targetKind, String targetId, long allow, long deny) {
    }

    /** An invite; {@code uses} counts the members who joined with it (as stored). */
    public record Invite(String code, String serverId, String createdBy, Instant createdAt, Integer maxUses, Instant expiresAt,
            boolean revoked, int uses) {
    }

    /** A ban, current ({@code active}) or lifted. */
    public record Ban(String serverId, String userId, boolean active, String bannedBy, String reason, Instant bannedAt) {
    }

    /**
     * What deciding "may this user do X in this channel" needs, read from the store: the owner, every
     * role's bits and position, the user's membership (with roles) and the overwrites of the channels
     * asked for ({@code overwrites} keyed by channel id; a channel without overwrites is absent).
     */
    public record PermissionState(String serverId, String ownerId, Map<String, Role> roles, Membership member,
            Map<String, List<Overwrite>> overwrites) {

        /** Whether the user is a current member. */
        public boolean isMember() {
            return member != null && member.active();
        }
    }

    /** A member's read state in a channel: the channel's last seq, the member's read seq and mentions after it. */
    public record ChannelReadState(String channelId, long lastSeq, long readSeq, int mentionCount) {

        public boolean unread() {
            return lastSeq > readSeq;
        }
    }

    /** One line of the member list: the user, their highest role (null: only @everyone) and its position. */
    public record MemberLine(String userId, String topRoleId, int topRolePosition, Set<String> roleIds) {

        /**
         * The member list's order, wherever a list is sorted (the store's read, the edge's index): highest
         * role position first (members with only @everyone, position -1, last), then user id.
         */
        public static final Comparator<MemberLine> LIST_ORDER =
                Comparator.comparingInt(MemberLine::topRolePosition).reversed().thenComparing(MemberLine::userId);

        /**
         * The line of a member holding {@code roleIds}: the roles the server has ({@code positions}, by id)
         * are kept, sorted, and the highest of them other than @everyone (id = {@code serverId}) is the top
         * role; of two at the same position, the smaller id.
         */
        public static MemberLine of(String serverId, String userId, Collection<String> roleIds, Map<String, Integer> positions) {
            String top = null;
            int topPosition = -1;
            TreeSet<String> held = new TreeSet<>();
            for (String roleId : roleIds) {
                Integer position = positions.get(roleId);
                if (position == null) {
                    continue;
                }
                held.add(roleId);
                if (!roleId.equals(serverId) && (top == null || position > topPosition
                        || (position == topPosition && roleId.compareTo(top) < 0))) {
                    top = roleId;
                    topPosition = position;
                }
            }
            return new MemberLine(userId, top, top == null ? -1 : topPosition, held);
        }
    }

    /** A range of the member list and the number of members in all. */
    public record MemberRange(int offset, List<MemberLine> members, int total) {
    }
}
