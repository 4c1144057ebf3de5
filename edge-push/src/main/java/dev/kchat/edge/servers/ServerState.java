package dev.kchat.edge.servers;

import dev.kchat.events.chat.ChannelCreated;
import dev.kchat.events.chat.ChannelDeleted;
import dev.kchat.events.chat.ChannelOverwriteCleared;
import dev.kchat.events.chat.ChannelOverwriteSet;
import dev.kchat.events.chat.ChannelUpdated;
import dev.kchat.events.chat.ConversationEvent;
import dev.kchat.events.chat.InviteCreated;
import dev.kchat.events.chat.InviteRevoked;
import dev.kchat.events.chat.MemberBanned;
import dev.kchat.events.chat.MemberUnbanned;
import dev.kchat.events.chat.RoleAssigned;
import dev.kchat.events.chat.RoleCreated;
import dev.kchat.events.chat.RoleDeleted;
import dev.kchat.events.chat.RoleUnassigned;
import dev.kchat.events.chat.RoleUpdated;
import dev.kchat.events.chat.ServerMemberJoined;
import dev.kchat.events.chat.ServerMemberLeft;
import dev.kchat.events.common.ChannelType;
import dev.kchat.events.common.ServerRole;
import dev.kchat.servers.permissions.EffectivePermissions;
import dev.kchat.servers.permissions.Member;
import dev.kchat.servers.permissions.Overwrite;
import dev.kchat.servers.permissions.OverwriteTarget;
import dev.kchat.servers.permissions.Permission;
import dev.kchat.servers.permissions.Role;
import dev.kchat.servers.permissions.Server;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * One server's permission state at this edge: its owner, roles, channels with their overwrites,
 * and the membership of the users who view it here (not every member: a server may have 100,000).
 * Loaded from the store ({@link ServerStore}) and then kept current by the server's own events as
 * they pass on {@code chat.server.broadcast} ({@link #apply}). Every such event states the value it
 * sets (a role as it stands after the change, an overwrite now in force, ...), so applying a run of
 * events again, in order, to a state that already has some of them leaves the same state: that is
 * what lets a state read from the store catch up on the events that passed while it was read.
 *
 * <p>Not thread-safe: {@link ServerStateCache} guards each state with its entry's lock.
 */
final class ServerState {

    /** Whether a user may view a channel, and with which permission bits. */
    record Access(Outcome outcome, long permissions) {

        static Access of(Outcome outcome) {
            return new Access(outcome, 0);
        }

        boolean viewable() {
            return outcome == Outcome.VIEW;
        }
    }

    enum Outcome {
        VIEW, FORBIDDEN, NOT_A_MEMBER, NO_CHANNEL
    }

    private final String serverId;
    private final String ownerId;
    private final Map<String, Role> roles;
    /** The roles as the permission library takes them; made again when a role changes. */
    private Server server;
    private final Map<String, ChannelType> channels;
    /** channel -> "ROLE:<id>" or "MEMBER:<id>" -> overwrite. */
    private final Map<String, Map<String, Overwrite>> overwrites = new HashMap<>();
    /** Tracked users -> their roles (without @everyone), or null for a tracked user who is not a member. */
    private final Map<String, Set<String>> members = new HashMap<>();

    private ServerState(ServerStore.Snapshot snapshot) {
        this.serverId = snapshot.serverId();
        this.ownerId = snapshot.ownerId();
        this.roles = new HashMap<>(snapshot.roles());
        this.server = new Server(serverId, ownerId, roles);
        this.channels = new LinkedHashMap<>();
        snapshot.channels().forEach((id, channel) -> {
            channels.put(id, channel.type());
            channel.overwrites().forEach(o -> overwritesOf(id).put(key(o.target(), o.targetId()), o));
        });
    }

    static ServerState of(ServerStore.Snapshot snapshot) {
        return new ServerState(snapshot);
    }

    String serverId() {
        return serverId;
    }

    /** Whether the user's membership is known here. */
    boolean tracks(String userId) {
        return members.containsKey(userId);
    }

    /** The user's membership as the store has it (empty: not a member); events keep it current from now on. */
    void track(String userId, Optional<Set<String>> roleIds) {
        members.put(userId, roleIds.<Set<String>>map(LinkedHashSet::new).orElse(null));
    }

    /** The user no longer views the server here: forget their membership. */
    void untrack(String userId) {
        members.remove(userId);
    }

    /**
     * Applies one of the server's own events (conversation id = the server id).
     *
     * @return whether the event may change what a member may view (a role's bits or assignment, an
     *         overwrite, a member leaving, a channel deleted): the server's viewers are then checked again
     */
    boolean apply(ConversationEvent event) {
        Object p = event.getPayload();
        if (p instanceof RoleCreated c) {
            putRole(c.getRole());
            return false;
        } else if (p instanceof RoleUpdated u) {
            putRole(u.getRole());
            return true;
        } else if (p instanceof RoleDeleted d) {
            if (d.getRoleId().equals(serverId)) {
                return false; // @everyone is never deleted
            }
            roles.remove(d.getRoleId());
            server = new Server(serverId, ownerId, roles);
            members.values().stream().filter(r -> r != null).forEach(r -> r.remove(d.getRoleId()));
            overwrites.values().forEach(byTarget -> byTarget.remove(key(OverwriteTarget.ROLE, d.getRoleId())));
            return true;
        } else if (p instanceof RoleAssigned a) {
            Set<String> held = members.get(a.getUserId());
            return held != null && held.add(a.getRoleId());
        } else if (p instanceof RoleUnassigned u) {
            Set<String> held = members.get(u.getUserId());
            return held != null && held.remove(u.getRoleId());
        } else if (p instanceof ChannelCreated c) {
            channels.put(c.getChannel().getChannelId(), c.getChannel().getType());
            return false;
        } else if (p instanceof ChannelUpdated u) {
            return channels.put(u.getChannel().getChannelId(), u.getChannel().getType()) != u.getChannel().getType();
        } else if (p instanceof ChannelDeleted d) {
            channels.remove(d.getChannelId());
            overwrites.remove(d.getChannelId());
            return true;
        } else if (p instanceof ChannelOverwriteSet o) {
            OverwriteTarget target = target(o.getTargetKind());
            overwritesOf(o.getChannelId()).put(key(target, o.getTargetId()),
                    new Overwrite(target, o.getTargetId(), o.getAllow(), o.getDeny()));
            return true;
        } else if (p instanceof ChannelOverwriteCleared o) {
            Map<String, Overwrite> byTarget = overwrites.get(o.getChannelId());
            return byTarget != null && byTarget.remove(key(target(o.getTargetKind()), o.getTargetId())) != null;
        } else if (p instanceof ServerMemberJoined j) {
            if (members.containsKey(j.getUserId()) && members.get(j.getUserId()) == null) {
                members.put(j.getUserId(), new LinkedHashSet<>());
            }
            return false;
        } else if (p instanceof ServerMemberLeft l) {
            return leave(l.getUserId());
        } else if (p instanceof MemberBanned b) {
            return leave(b.getUserId());
        }
        return false;
    }

    private void putRole(ServerRole role) {
        roles.put(role.getRoleId(), new Role(role.getRoleId(), role.getPosition(), role.getPermissions()));
        server = new Server(serverId, ownerId, roles);
    }

    private boolean leave(String userId) {
        if (members.get(userId) == null) {
            return false;
        }
        members.put(userId, null);
        return true;
    }

    /** Whether a tracked user may view a channel now, with their permission bits there. */
    Access access(String userId, String channelId) {
        if (!members.containsKey(userId)) {
            throw new IllegalStateException(userId + " is not tracked on " + serverId);
        }
        if (!isMember(userId)) {
            return Access.of(Outcome.NOT_A_MEMBER);
        }
        ChannelType type = channels.get(channelId);
        if (type == null || type == ChannelType.CATEGORY) {
            return Access.of(Outcome.NO_CHANNEL);
        }
        long bits = channelBits(userId, channelId);
        return new Access(Permission.VIEW_CHANNEL.in(bits) ? Outcome.VIEW : Outcome.FORBIDDEN, bits);
    }

    /**
     * Whether a tracked viewer of the server gets one of its own events: a member's join, leave, ban,
     * unban or role change only goes to that member (everyone else learns it from the member list they
     * subscribe to, aggregated per interval: in a 100,000-member server each join would otherwise be a
     * frame to every connection viewing the server); invites only go to those who manage the server (a
     * code lets anyone in), a channel's creation, change and overwrites only to those who may view that
     * channel (a category too); every other server event to every viewer.
     */
    boolean shows(String userId, ConversationEvent event) {
        Object p = event.getPayload();
        if (!members.containsKey(userId)) {
            return false;
        }
        String subject = membershipSubject(p);
        if (subject != null) {
            return subject.equals(userId);
        }
        if (p instanceof InviteCreated || p instanceof InviteRevoked) {
            return isMember(userId) && Permission.MANAGE_SERVER.in(EffectivePermissions.base(server, member(userId)));
        }
        String channelId = p instanceof ChannelCreated c ? c.getChannel().getChannelId()
                : p instanceof ChannelUpdated u ? u.getChannel().getChannelId()
                : p instanceof ChannelOverwriteSet set ? set.getChannelId()
                : p instanceof ChannelOverwriteCleared cleared ? cleared.getChannelId() : null;
        if (channelId == null || !channels.containsKey(channelId)) {
            return true;
        }
        return isMember(userId) && Permission.VIEW_CHANNEL.in(channelBits(userId, channelId));
    }

    /** The member a membership event is about, or null for any other event. */
    private static String membershipSubject(Object p) {
        return p instanceof ServerMemberJoined j ? j.getUserId()
                : p instanceof ServerMemberLeft l ? l.getUserId()
                : p instanceof MemberBanned b ? b.getUserId()
                : p instanceof MemberUnbanned u ? u.getUserId()
                : p instanceof RoleAssigned a ? a.getUserId()
                : p instanceof RoleUnassigned u ? u.getUserId() : null;
    }

    private boolean isMember(String userId) {
        return members.get(userId) != null || userId.equals(ownerId);
    }

    private Member member(String userId) {
        Set<String> held = members.get(userId);
        return new Member(userId, held == null ? Set.of() : held);
    }

    /** The permission library's answer: base from the roles, then the channel's overwrites, then Discord's implicit denials. */
    private long channelBits(String userId, String channelId) {
        return EffectivePermissions.inChannel(server, member(userId), overwrites.getOrDefault(channelId, Map.of()).values());
    }

    private Map<String, Overwrite> overwritesOf(String channelId) {
        return overwrites.computeIfAbsent(channelId, c -> new HashMap<>());
    }

    private static String key(OverwriteTarget kind, String targetId) {
        return kind.name() + ":" + targetId;
    }

    /** The schema's overwrite target as the permission library names it (the same two symbols). */
    static OverwriteTarget target(dev.kchat.events.common.OverwriteTarget kind) {
        return OverwriteTarget.valueOf(kind.name());
    }
}
