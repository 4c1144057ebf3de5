package dev.kchat.edge.servers;

import com.datastax.oss.driver.api.core.CqlSession;
import dev.kchat.events.common.ChannelType;
import dev.kchat.servers.permissions.Overwrite;
import dev.kchat.servers.permissions.OverwriteTarget;
import dev.kchat.servers.permissions.Role;
import dev.kchat.store.servers.ServerRepository;
import dev.kchat.store.servers.ServerRows;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/** {@link ServerStore} over the store's server tables (migration V008), through {@link ServerRepository}. */
public final class CqlServerStore implements ServerStore {

    private final ServerRepository repository;

    public CqlServerStore(CqlSession session, String keyspace) {
        this(new ServerRepository(session, keyspace));
    }

    CqlServerStore(ServerRepository repository) {
        this.repository = repository;
    }

    /**
     * The server with its roles, channels and every channel's overwrites. A server whose
     * {@code @everyone} role the sink has not written yet reads as absent, as one not created yet.
     */
    @Override
    public Optional<Snapshot> server(String serverId) {
        Optional<ServerRows.Server> server = repository.server(serverId);
        if (server.isEmpty()) {
            return Optional.empty();
        }
        String ownerId = server.get().ownerId();
        Optional<ServerRows.PermissionState> state = repository.permissionState(serverId, ownerId, null);
        if (state.isEmpty() || !state.get().roles().containsKey(serverId)) {
            return Optional.empty();
        }
        Map<String, Role> roles = new HashMap<>();
        state.get().roles().forEach((id, r) -> roles.put(id, new Role(id, r.position(), r.permissions())));
        Map<String, List<ServerRows.Overwrite>> overwrites = state.get().overwrites();
        Map<String, Channel> channels = new LinkedHashMap<>();
        for (ServerRows.Channel c : repository.channels(serverId)) {
            List<Overwrite> own = overwrites.getOrDefault(c.channelId(), List.of()).stream()
                    .map(o -> new Overwrite(OverwriteTarget.valueOf(o.targetKind()), o.targetId(), o.allow(), o.deny())).toList();
            channels.put(c.channelId(), new Channel(c.channelId(), typeOf(c.type()), own));
        }
        return Optional.of(new Snapshot(serverId, ownerId, roles, channels));
    }

    @Override
    public Optional<Set<String>> memberRoles(String serverId, String userId) {
        return repository.member(serverId, userId).filter(ServerRows.Membership::active)
                .map(m -> m.roleIds() == null ? Set.<String>of() : Set.copyOf(m.roleIds()));
    }

    /** A type this edge does not know reads as TEXT, as the schema's default says. */
    private static ChannelType typeOf(String type) {
        try {
            return type == null ? ChannelType.TEXT : ChannelType.valueOf(type);
        } catch (IllegalArgumentException unknown) {
            return ChannelType.TEXT;
        }
    }
}
