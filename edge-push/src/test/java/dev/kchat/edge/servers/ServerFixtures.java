package dev.kchat.edge.servers;

import dev.kchat.events.chat.ConversationEvent;
import dev.kchat.events.chat.MessagePosted;
import dev.kchat.events.chat.ServerBroadcast;
import dev.kchat.events.common.ChannelType;
import dev.kchat.servers.permissions.Overwrite;
import dev.kchat.servers.permissions.Permission;
import dev.kchat.servers.permissions.Role;
import java.time.Instant;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.avro.specific.SpecificRecord;

/**
 * A server for the edge's tests, as the store would hold it, and the broadcasts fanout would write
 * for it. Owner olga; roles @everyone (the defaults) and {@code r1} "mods"; channels {@code c1}
 * and {@code c4} (public), {@code c2} (private: @everyone denied VIEW_CHANNEL, {@code r1} allowed)
 * and {@code c3} (a category); members alice (r1) and bob, not carol.
 */
final class ServerFixtures {

    static final long VIEW = Permission.VIEW_CHANNEL.bit();

    private ServerFixtures() {
    }

    /** A store of servers built by {@link #put}; {@link #memberRoles} can be changed to show a stale store. */
    static final class FakeStore implements ServerStore {
        final Map<String, Snapshot> servers = new ConcurrentHashMap<>();
        final Map<String, Set<String>> members = new ConcurrentHashMap<>();
        final AtomicLong reads = new AtomicLong();

        /** The test server {@code serverId} with its members. */
        FakeStore put(String serverId) {
            Map<String, Role> roles = new HashMap<>();
            roles.put(serverId, new Role(serverId, 0, Permission.DEFAULT_EVERYONE));
            roles.put(serverId + ":r1", new Role(serverId + ":r1", 1, Permission.MANAGE_MESSAGES.bit()));
            Map<String, Channel> channels = new LinkedHashMap<>();
            channels.put(serverId + ":c1", new Channel(serverId + ":c1", ChannelType.TEXT, List.of()));
            channels.put(serverId + ":c2", new Channel(serverId + ":c2", ChannelType.TEXT, List.of(
                    Overwrite.role(serverId, 0, VIEW), Overwrite.role(serverId + ":r1", VIEW, 0))));
            channels.put(serverId + ":c3", new Channel(serverId + ":c3", ChannelType.CATEGORY, List.of()));
            channels.put(serverId + ":c4", new Channel(serverId + ":c4", ChannelType.TEXT, List.of()));
            servers.put(serverId, new Snapshot(serverId, "olga", roles, channels));
            members.put(serverId + "/olga", Set.of());
            members.put(serverId + "/alice", Set.of(serverId + ":r1"));
            members.put(serverId + "/bob", Set.of());
            return this;
        }

        @Override
        public Optional<Snapshot> server(String serverId) {
            reads.incrementAndGet();
            return Optional.ofNullable(servers.get(serverId));
        }

        @Override
        public Optional<Set<String>> memberRoles(String serverId, String userId) {
            reads.incrementAndGet();
            return Optional.ofNullable(members.get(serverId + "/" + userId));
        }
    }

    /** A message posted in a channel at its seq. */
    static ServerBroadcast message(String channelId, long seq, String body) {
        return broadcast(channelId, seq, MessagePosted.newBuilder().setMessageId("m-" + channelId + "-" + seq)
                .setClientMsgId("k-" + seq).setBody(body).build());
    }

    /** One of the server's own events at its server seq. */
    static ServerBroadcast serverEvent(String serverId, long seq, SpecificRecord payload) {
        return broadcast(serverId, seq, payload);
    }

    private static ServerBroadcast broadcast(String conversationId, long seq, SpecificRecord payload) {
        String serverId = dev.kchat.schemas.Ids.serverOf(conversationId);
        ConversationEvent event = ConversationEvent.newBuilder().setConversationId(conversationId).setSeq(seq)
                .setEventId("e-" + conversationId + "-" + seq).setActorId("olga").setOccurredAt(Instant.parse("2026-11-26T14:00:00Z"))
                .setPayload(payload).build();
        return ServerBroadcast.newBuilder().setServerId(serverId).setConversationId(conversationId).setSeq(seq).setEvent(event).build();
    }
}
