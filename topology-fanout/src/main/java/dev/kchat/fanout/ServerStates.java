package dev.kchat.fanout;

import dev.kchat.events.chat.ChannelCreated;
import dev.kchat.events.chat.ChannelDeleted;
import dev.kchat.events.chat.ChannelOverwriteCleared;
import dev.kchat.events.chat.ChannelOverwriteSet;
import dev.kchat.events.chat.ChannelUpdated;
import dev.kchat.events.chat.ConversationEvent;
import dev.kchat.events.chat.RoleCreated;
import dev.kchat.events.chat.RoleDeleted;
import dev.kchat.events.chat.RoleUpdated;
import dev.kchat.events.chat.ServerCreated;
import dev.kchat.events.common.ServerChannel;
import dev.kchat.events.common.ServerRole;
import dev.kchat.fanout.state.ChannelState;
import dev.kchat.fanout.state.OverwriteState;
import dev.kchat.fanout.state.RoleState;
import dev.kchat.fanout.state.ServerState;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A server's state as fanout keeps it ({@link ServerState}), changed by the events of the server's log,
 * as plain functions: a new value is returned, the argument is not changed. Members are kept apart
 * (one store entry each, see {@link ServerLogProcessor}).
 */
final class ServerStates {

    private ServerStates() {
    }

    /** The state a server's first event makes. */
    static ServerState created(ConversationEvent event, ServerCreated created) {
        Map<String, RoleState> roles = new HashMap<>();
        roles.put(created.getEveryoneRole().getRoleId(), role(created.getEveryoneRole()));
        Map<String, ChannelState> channels = new HashMap<>();
        channels.put(created.getDefaultChannel().getChannelId(), channel(created.getDefaultChannel(), null));
        return ServerState.newBuilder().setOwnerId(created.getOwnerId()).setLastSeq(event.getSeq()).setMemberCount(0)
                .setRoles(roles).setChannels(channels).build();
    }

    /**
     * The state after a server event at {@code seq}: channels, roles and overwrites changed, last seq
     * moved. Membership events change nothing here.
     */
    static ServerState apply(ServerState state, long seq, Object payload) {
        ServerState.Builder next = ServerState.newBuilder(state).setLastSeq(seq);
        Map<String, RoleState> roles = new HashMap<>(state.getRoles());
        Map<String, ChannelState> channels = new HashMap<>(state.getChannels());
        if (payload instanceof ChannelCreated c) {
            channels.put(c.getChannel().getChannelId(), channel(c.getChannel(), null));
        } else if (payload instanceof ChannelUpdated c) {
            channels.put(c.getChannel().getChannelId(), channel(c.getChannel(), channels.get(c.getChannel().getChannelId())));
        } else if (payload instanceof ChannelDeleted c) {
            channels.remove(c.getChannelId());
        } else if (payload instanceof RoleCreated r) {
            roles.put(r.getRole().getRoleId(), role(r.getRole()));
        } else if (payload instanceof RoleUpdated r) {
            roles.put(r.getRole().getRoleId(), role(r.getRole()));
        } else if (payload instanceof RoleDeleted r) {
            roles.remove(r.getRoleId());
            // Its overwrites go with it; members' references to it are ignored from now on (roles of a
            // member that the server no longer has count for nothing).
            channels.replaceAll((id, c) -> withOverwrites(c, c.getOverwrites().stream()
                    .filter(o -> !(o.getTargetKind().equals("ROLE") && o.getTargetId().equals(r.getRoleId()))).toList()));
        } else if (payload instanceof ChannelOverwriteSet o) {
            channels.computeIfPresent(o.getChannelId(), (id, c) -> {
                List<OverwriteState> list = without(c.getOverwrites(), o.getTargetKind().name(), o.getTargetId());
                list.add(OverwriteState.newBuilder().setTargetKind(o.getTargetKind().name()).setTargetId(o.getTargetId())
                        .setAllow(o.getAllow()).setDeny(o.getDeny()).build());
                return withOverwrites(c, list);
            });
        } else if (payload instanceof ChannelOverwriteCleared o) {
            channels.computeIfPresent(o.getChannelId(), (id, c) -> withOverwrites(c, without(c.getOverwrites(),
                    o.getTargetKind().name(), o.getTargetId())));
        }
        return next.setRoles(roles).setChannels(channels).build();
    }

    /** The state with a channel's last applied seq moved. */
    static ServerState channelSeen(ServerState state, String channelId, long seq) {
        Map<String, ChannelState> channels = new HashMap<>(state.getChannels());
        channels.computeIfPresent(channelId, (id, c) -> ChannelState.newBuilder(c).setLastSeq(seq).build());
        return ServerState.newBuilder(state).setChannels(channels).build();
    }

    private static List<OverwriteState> without(List<OverwriteState> overwrites, String kind, String target) {
        List<OverwriteState> out = new ArrayList<>();
        for (OverwriteState o : overwrites) {
            if (!(o.getTargetKind().equals(kind) && o.getTargetId().equals(target))) {
                out.add(o);
            }
        }
        return out;
    }

    private static ChannelState withOverwrites(ChannelState c, List<OverwriteState> overwrites) {
        return ChannelState.newBuilder(c).setOverwrites(new ArrayList<>(overwrites)).build();
    }

    private static ChannelState channel(ServerChannel c, ChannelState before) {
        return ChannelState.newBuilder().setType(c.getType().name()).setLastSeq(before == null ? 0 : before.getLastSeq())
                .setOverwrites(before == null ? new ArrayList<>() : before.getOverwrites()).build();
    }

    private static RoleState role(ServerRole r) {
        return RoleState.newBuilder().setPermissions(r.getPermissions()).setPosition(r.getPosition()).setMentionable(r.getMentionable()).build();
    }
}
