package dev.kchat.edge.servers;

import dev.kchat.api.EdgeDirectory;
import dev.kchat.edge.live.LiveSubscriber;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArraySet;

/**
 * Which connections of this edge view which server channels, and so which partitions of
 * {@code chat.server.broadcast} the edge must read: the interest an edge learns from its own clients,
 * with no coordination with other edges.
 *
 * <p>A view is first <em>reserved</em> (it counts against the connection's bound and makes its
 * server's partition wanted, so the edge starts reading it) and <em>active</em> once the viewer's
 * permission was checked: only active views get frames. A partition is wanted while any view
 * (reserved or active) of a server on it exists.
 *
 * <p>Thread-safe: changes are serialized on this object; {@link #activeViewers} reads a
 * copy-on-write set without a lock (the consumer thread delivers from it). The partition listener
 * runs after a change, outside the lock.
 */
public final class ChannelViews {

    /** What {@link #reserve} did. */
    public enum Reservation {
        /** A new view: its permission is to be checked, then it is activated (or released). */
        RESERVED,
        /** The connection already views (or is about to view) that channel: nothing changed. */
        ALREADY,
        /** The connection views its maximum of channels already: nothing changed. */
        LIMIT
    }

    /** One connection's view of one channel. {@code permissions} is the bits last computed (0 while reserved). */
    public record View(LiveSubscriber viewer, String serverId, String channelId, boolean active, long permissions) {
    }

    private final int partitions;
    private final int maxPerConnection;
    private final Runnable partitionsChanged;
    /** channel -> its active viewers; read without a lock by the consumer thread. */
    private final Map<String, Set<LiveSubscriber>> activeByChannel = new ConcurrentHashMap<>();
    /** viewer -> channel -> view, in the order viewed (guarded by this). */
    private final Map<LiveSubscriber, Map<String, View>> byViewer = new HashMap<>();
    /** server -> channel -> viewers of it, active or reserved (guarded by this). */
    private final Map<String, Map<String, Set<LiveSubscriber>>> byServer = new HashMap<>();
    /** partition -> servers on it with views (guarded by this). */
    private final Map<Integer, Set<String>> serversByPartition = new HashMap<>();
    private int views;

    /**
     * @param partitions        partitions of {@code chat.server.broadcast}
     * @param maxPerConnection  channels one connection may view at once
     * @param partitionsChanged told (outside any lock) when the set of wanted partitions changed
     */
    public ChannelViews(int partitions, int maxPerConnection, Runnable partitionsChanged) {
        if (partitions < 1 || maxPerConnection < 1) {
            throw new IllegalArgumentException("partitions and views per connection must be positive");
        }
        this.partitions = partitions;
        this.maxPerConnection = maxPerConnection;
        this.partitionsChanged = partitionsChanged;
    }

    /**
     * The partition of {@code chat.server.broadcast} holding a server: its record key is the server
     * id, placed by Kafka's default partitioner (murmur2 of the UTF-8 key), as for any string key.
     */
    public int partitionOf(String serverId) {
        return EdgeDirectory.partitionOf(serverId, partitions);
    }

    public int maxPerConnection() {
        return maxPerConnection;
    }

    /** Reserves a view of a channel for a connection (see the class comment). */
    public Reservation reserve(LiveSubscriber viewer, String serverId, String channelId) {
        boolean partitionAdded;
        synchronized (this) {
            Map<String, View> mine = byViewer.computeIfAbsent(viewer, v -> new LinkedHashMap<>());
            if (mine.containsKey(channelId)) {
                return Reservation.ALREADY;
            }
            if (mine.size() >= maxPerConnection) {
                return Reservation.LIMIT;
            }
            mine.put(channelId, new View(viewer, serverId, channelId, false, 0));
            views++;
            byServer.computeIfAbsent(serverId, s -> new HashMap<>()).computeIfAbsent(channelId, c -> new LinkedHashSet<>()).add(viewer);
            Set<String> servers = serversByPartition.computeIfAbsent(partitionOf(serverId), p -> new LinkedHashSet<>());
            partitionAdded = servers.isEmpty();
            servers.add(serverId);
        }
        if (partitionAdded) {
            partitionsChanged.run();
        }
        return Reservation.RESERVED;
    }

    /**
     * Makes a reserved (or active) view active with these permission bits: from now on the viewer
     * gets the channel's frames.
     *
     * @return false if the view is gone (the connection unviewed it or closed meanwhile)
     */
    public synchronized boolean activate(LiveSubscriber viewer, String channelId, long permissions) {
        Map<String, View> mine = byViewer.get(viewer);
        View view = mine == null ? null : mine.get(channelId);
        if (view == null) {
            return false;
        }
        mine.put(channelId, new View(viewer, view.serverId(), channelId, true, permissions));
        activeByChannel.computeIfAbsent(channelId, c -> new CopyOnWriteArraySet<>()).add(viewer);
        return true;
    }

    /**
     * Ends a view (reserved or active).
     *
     * @return the view that ended, or null if the connection did not view that channel
     */
    public View release(LiveSubscriber viewer, String channelId) {
        View gone;
        boolean partitionRemoved;
        synchronized (this) {
            Map<String, View> mine = byViewer.get(viewer);
            gone = mine == null ? null : mine.remove(channelId);
            if (gone == null) {
                return null;
            }
            if (mine.isEmpty()) {
                byViewer.remove(viewer);
            }
            partitionRemoved = forget(gone);
        }
        if (partitionRemoved) {
            partitionsChanged.run();
        }
        return gone;
    }

    /** Ends every view of a connection (it closed). @return the views that ended */
    public List<View> releaseAll(LiveSubscriber viewer) {
        List<View> gone;
        boolean partitionRemoved = false;
        synchronized (this) {
            Map<String, View> mine = byViewer.remove(viewer);
            if (mine == null) {
                return List.of();
            }
            gone = List.copyOf(mine.values());
            for (View v : gone) {
                partitionRemoved |= forget(v);
            }
        }
        if (partitionRemoved) {
            partitionsChanged.run();
        }
        return gone;
    }

    /** Removes a view from the indexes; under the lock. @return whether its partition is no longer wanted */
    private boolean forget(View v) {
        views--;
        activeByChannel.computeIfPresent(v.channelId(), (c, set) -> {
            set.remove(v.viewer());
            return set.isEmpty() ? null : set;
        });
        Map<String, Set<LiveSubscriber>> channels = byServer.get(v.serverId());
        Set<LiveSubscriber> viewers = channels.get(v.channelId());
        viewers.remove(v.viewer());
        if (viewers.isEmpty()) {
            channels.remove(v.channelId());
        }
        if (!channels.isEmpty()) {
            return false;
        }
        byServer.remove(v.serverId());
        int partition = partitionOf(v.serverId());
        Set<String> servers = serversByPartition.get(partition);
        servers.remove(v.serverId());
        if (servers.isEmpty()) {
            serversByPartition.remove(partition);
            return true;
        }
        return false;
    }

    /** The connections that get a channel's frames now. No lock, no copy: a copy-on-write set. */
    public Set<LiveSubscriber> activeViewers(String channelId) {
        return activeByChannel.getOrDefault(channelId, Set.of());
    }

    /** Every view (reserved and active) of a server's channels on this edge. */
    public synchronized List<View> viewsOf(String serverId) {
        Map<String, Set<LiveSubscriber>> channels = byServer.get(serverId);
        if (channels == null) {
            return List.of();
        }
        List<View> out = new ArrayList<>();
        channels.forEach((channelId, viewers) -> viewers.forEach(v -> out.add(byViewer.get(v).get(channelId))));
        return out;
    }

    /** The connections with an active view of any channel of the server, each once. */
    public synchronized Set<LiveSubscriber> activeViewersOfServer(String serverId) {
        Map<String, Set<LiveSubscriber>> channels = byServer.get(serverId);
        if (channels == null) {
            return Set.of();
        }
        Set<LiveSubscriber> out = new LinkedHashSet<>();
        channels.forEach((channelId, viewers) -> viewers.forEach(v -> {
            if (byViewer.get(v).get(channelId).active()) {
                out.add(v);
            }
        }));
        return out;
    }

    /** Whether any connection here views (or is about to view) a channel of the server. */
    public synchronized boolean hasViews(String serverId) {
        return byServer.containsKey(serverId);
    }

    /** Whether this user has any view (reserved or active) of the server here, on any connection. */
    public synchronized boolean userViews(String serverId, String userId) {
        Map<String, Set<LiveSubscriber>> channels = byServer.get(serverId);
        return channels != null && channels.values().stream().flatMap(Set::stream).anyMatch(v -> v.userId().equals(userId));
    }

    /** The view of a channel by a connection, or null. */
    public synchronized View viewOf(LiveSubscriber viewer, String channelId) {
        Map<String, View> mine = byViewer.get(viewer);
        return mine == null ? null : mine.get(channelId);
    }

    /** The partitions of {@code chat.server.broadcast} holding a server with a view here. */
    public synchronized Set<Integer> wantedPartitions() {
        return Set.copyOf(serversByPartition.keySet());
    }

    /** Connections viewing at least one channel (reserved or active). */
    public synchronized int viewers() {
        return byViewer.size();
    }

    /** Views (connection and channel pairs), reserved or active. */
    public synchronized int views() {
        return views;
    }
}
