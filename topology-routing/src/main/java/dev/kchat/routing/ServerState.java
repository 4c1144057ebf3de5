package dev.kchat.routing;

import dev.kchat.routing.state.BanState;
import dev.kchat.routing.state.InviteState;
import dev.kchat.routing.state.OverwriteState;
import dev.kchat.routing.state.ServerChannelState;
import dev.kchat.routing.state.ServerMemberState;
import dev.kchat.routing.state.ServerMeta;
import dev.kchat.routing.state.ServerRoleState;
import dev.kchat.routing.state.SnowflakeState;
import java.util.Map;

/**
 * What the server rules read: one server's state, and (from {@link RoutingState}) the dedupe
 * entries, message references, mutes and uploads its channels' messages are checked against.
 * Implemented over the topology's stores by {@link ServerCommandProcessor}; single lookups return
 * null when there is no such entry.
 */
interface ServerState extends RoutingState {

    ServerMeta server(String serverId);

    ServerMemberState serverMember(String serverId, String userId);

    /** The server's roles by id, @everyone (id = server id) included; one prefix scan. */
    Map<String, ServerRoleState> roles(String serverId);

    ServerChannelState channel(String channelId);

    /** The server's channels by id; one prefix scan. */
    Map<String, ServerChannelState> channels(String serverId);

    /** A channel's overwrites by {@code ROLE|id} or {@code MEMBER|id}; one prefix scan. */
    Map<String, OverwriteState> overwrites(String channelId);

    InviteState invite(String serverId, String code);

    BanState ban(String serverId, String userId);

    /** This worker's last snowflake, null before the first. */
    SnowflakeState snowflake();

    /** The snowflake worker: the task's partition of {@code chat.commands}, modulo 1024. */
    int worker();
}
