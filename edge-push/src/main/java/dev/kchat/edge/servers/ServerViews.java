package dev.kchat.edge.servers;

import dev.kchat.api.ApiException;
import dev.kchat.edge.live.LiveSubscriber;
import dev.kchat.edge.protocol.ServerFrames;
import dev.kchat.edge.protocol.ServerFrames.EndReason;
import dev.kchat.edge.servers.ChannelViews.View;
import dev.kchat.edge.servers.ServerState.Access;
import dev.kchat.events.chat.ChannelDeleted;
import dev.kchat.events.chat.ConversationEvent;
import dev.kchat.events.chat.ServerBroadcast;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Channel viewing at the edge: a connection's {@code view_channel} is reserved ({@link ChannelViews}),
 * its server's partition read ({@link ServerBroadcastReader}), the user's permission in the channel
 * computed over the server's state ({@link ServerStateCache}), and then the view is acknowledged
 * ({@code viewing}) or refused. The reader hands every {@link ServerBroadcast} here: a channel's
 * events go to the connections viewing that channel, the server's own events to the connections
 * viewing any of its channels (as far as {@link ServerState#shows} lets them); an event that may
 * change permissions is applied to the server's state first, and every view of the server is
 * checked again: one that lost VIEW_CHANNEL ends with an {@code unviewed} frame, before any later
 * event of the channel is delivered.
 */
public final class ServerViews {

    private static final Logger log = LoggerFactory.getLogger(ServerViews.class);
    /** How long a view waits for its partition to be read before it is refused ({@code kafka_unavailable}). */
    static final Duration PARTITION_WAIT = Duration.ofSeconds(30);

    private final ChannelViews views;
    private final ServerBroadcastSource reader;
    private final ServerStateCache states;
    private final Executor workers;
    private final Counter channelFrames;
    private final Counter serverFrames;
    private final MeterRegistry metrics;

    public ServerViews(ChannelViews views, ServerBroadcastSource reader, ServerStore store, Executor workers, MeterRegistry metrics) {
        this.views = views;
        this.reader = reader;
        this.states = new ServerStateCache(store);
        this.workers = workers;
        this.metrics = metrics;
        this.channelFrames = metrics.counter("kchat.edge.servers.frames", "kind", "channel");
        this.serverFrames = metrics.counter("kchat.edge.servers.frames", "kind", "server");
        metrics.gauge("kchat.edge.servers.viewers", views, ChannelViews::viewers);
        metrics.gauge("kchat.edge.servers.views", views, ChannelViews::views);
        metrics.gauge("kchat.edge.servers.viewed", states, ServerStateCache::size);
        reader.serve(views::wantedPartitions, this::deliver);
    }

    /**
     * {@code view_channel}: answered later ({@code viewing}, or an {@code error} frame naming the
     * channel) once the server's partition is read and the permission is known. A channel the
     * connection already views is answered {@code viewing} again at once.
     *
     * @param ref the frame's {@code client_msg_id}, echoed in a refusal; may be null
     * @throws ApiException {@code too_many_views} when the connection views its maximum already
     */
    public void view(LiveSubscriber viewer, String serverId, String channelId, String ref) {
        switch (views.reserve(viewer, serverId, channelId)) {
            case LIMIT -> throw ApiException.badRequest("too_many_views", "a connection views at most "
                    + views.maxPerConnection() + " channels at once: unview_channel one first");
            case ALREADY -> {
                View v = views.viewOf(viewer, channelId);
                if (v != null && v.active()) {
                    viewer.sendLive(ServerFrames.viewing(serverId, channelId, v.permissions()));
                }
                // else: its answer is on the way
            }
            case RESERVED -> {
                // Opened before the partition is read, so every server event read from then on is remembered.
                ServerStateCache.Entry entry = states.open(serverId);
                // A copy: the reader's future is shared by every view waiting for that partition.
                reader.whenReading(views.partitionOf(serverId)).copy()
                        .orTimeout(PARTITION_WAIT.toMillis(), TimeUnit.MILLISECONDS)
                        .whenCompleteAsync((ok, failure) -> {
                            if (failure != null) {
                                refuse(viewer, serverId, channelId, ref, "kafka_unavailable",
                                        "the channel's events cannot be read right now; view it again later");
                            } else {
                                admit(viewer, entry, channelId, ref);
                            }
                        }, workers);
            }
        }
    }

    /** The partition is read: checks the permission (reading the store if needed) and activates or refuses. On a worker. */
    private void admit(LiveSubscriber viewer, ServerStateCache.Entry entry, String channelId, String ref) {
        String serverId = entry.serverId();
        boolean found;
        try {
            found = states.load(entry, viewer.userId());
        } catch (RuntimeException e) {
            log.warn("server state of {} not available for {}: {}", serverId, viewer.userId(), e.toString());
            refuse(viewer, serverId, channelId, ref, "store_unavailable", "the server cannot be read right now; view it again later");
            return;
        }
        if (!found) {
            refuse(viewer, serverId, channelId, ref, "server_not_found", "no server '" + serverId + "'");
            return;
        }
        Access access;
        synchronized (entry) {
            access = entry.state().access(viewer.userId(), channelId);
            if (access.viewable()) {
                if (views.activate(viewer, channelId, access.permissions())) {
                    // Under the lock: a recheck that ends this view right after sends its frame after this one.
                    viewer.sendLive(ServerFrames.viewing(serverId, channelId, access.permissions()));
                }
                return;
            }
        }
        switch (access.outcome()) {
            case NOT_A_MEMBER -> refuse(viewer, serverId, channelId, ref, "not_a_member", "you are not a member of '" + serverId + "'");
            case NO_CHANNEL -> refuse(viewer, serverId, channelId, ref, "channel_not_found",
                    "no text channel '" + channelId + "' in '" + serverId + "'");
            default -> refuse(viewer, serverId, channelId, ref, "forbidden", "you may not view '" + channelId + "' (VIEW_CHANNEL)");
        }
    }

    private void refuse(LiveSubscriber viewer, String serverId, String channelId, String ref, String code, String message) {
        if (release(viewer, channelId) != null) {
            viewer.sendLive(ServerFrames.viewRefused(code, message, serverId, channelId, ref));
            refused(code);
        }
    }

    private void refused(String code) {
        metrics.counter("kchat.edge.servers.views.refused", "code", code).increment();
    }

    /**
     * {@code unview_channel}: the connection stops getting the channel's events.
     *
     * @return the server id of the view that ended, or null if the connection did not view the channel
     */
    public String unview(LiveSubscriber viewer, String channelId) {
        View gone = release(viewer, channelId);
        if (gone == null) {
            return null;
        }
        ended(EndReason.UNVIEWED);
        return gone.serverId();
    }

    /** Whether the connection views the channel now (its view was admitted and has not ended). */
    public boolean isViewing(LiveSubscriber viewer, String channelId) {
        return views.activeViewers(channelId).contains(viewer);
    }

    /** The connection closed: every view of it ends. */
    public void closed(LiveSubscriber viewer) {
        for (View v : views.releaseAll(viewer)) {
            released(v.serverId(), viewer.userId());
        }
    }

    private View release(LiveSubscriber viewer, String channelId) {
        View gone = views.release(viewer, channelId);
        if (gone != null) {
            released(gone.serverId(), viewer.userId());
        }
        return gone;
    }

    /** A view of the server by the user ended: the server's state, or the user's place in it, may go. */
    private void released(String serverId, String userId) {
        states.released(serverId, () -> views.hasViews(serverId), () -> views.userViews(serverId, userId), userId);
    }

    private void ended(EndReason reason) {
        metrics.counter("kchat.edge.servers.views.ended", "reason", reason.code()).increment();
    }

    /** One record of {@code chat.server.broadcast}; on the reader's thread. */
    void deliver(ServerBroadcast b) {
        String serverId = b.getServerId();
        if (!b.getConversationId().equals(serverId)) {
            Set<LiveSubscriber> to = views.activeViewers(b.getConversationId());
            if (!to.isEmpty()) {
                String frame = ServerFrames.broadcast(b);
                to.forEach(v -> v.sendBroadcast(b.getConversationId(), b.getSeq(), frame));
                channelFrames.increment(to.size());
            }
            return;
        }
        ServerStateCache.Entry entry = states.get(serverId);
        if (entry == null) {
            return;
        }
        List<LiveSubscriber> to = new ArrayList<>();
        List<Ending> endings = new ArrayList<>();
        synchronized (entry) {
            ConversationEvent event = b.getEvent();
            boolean recheck = entry.onEvent(event);
            ServerState state = entry.state();
            if (state == null) {
                return; // nobody is admitted before the state is read
            }
            for (LiveSubscriber v : views.activeViewersOfServer(serverId)) {
                if (state.shows(v.userId(), event)) {
                    to.add(v);
                }
            }
            if (recheck) {
                recheck(state, event, endings);
            }
        }
        if (!to.isEmpty()) {
            String frame = ServerFrames.broadcast(b);
            to.forEach(v -> v.sendBroadcast(serverId, b.getSeq(), frame));
            serverFrames.increment(to.size());
        }
        for (Ending e : endings) {
            e.viewer().sendLive(e.frame());
        }
        endings.stream().filter(Ending::ended).forEach(e -> released(serverId, e.viewer().userId()));
    }

    /**
     * Checks every active view of the server against the state after a permission-changing event:
     * one that lost VIEW_CHANNEL ends now (its frame follows the event's), one whose bits changed is
     * told its new permissions. Under the entry's lock.
     */
    private void recheck(ServerState state, ConversationEvent event, List<Ending> endings) {
        for (View v : views.viewsOf(state.serverId())) {
            if (!v.active()) {
                continue;
            }
            Access access = state.access(v.viewer().userId(), v.channelId());
            if (access.viewable()) {
                if (access.permissions() != v.permissions() && views.activate(v.viewer(), v.channelId(), access.permissions())) {
                    endings.add(new Ending(v.viewer(), ServerFrames.viewing(v.serverId(), v.channelId(), access.permissions()), false));
                }
                continue;
            }
            EndReason reason = switch (access.outcome()) {
                case NOT_A_MEMBER -> EndReason.NOT_A_MEMBER;
                case NO_CHANNEL -> event.getPayload() instanceof ChannelDeleted ? EndReason.CHANNEL_DELETED : EndReason.FORBIDDEN;
                default -> EndReason.FORBIDDEN;
            };
            if (views.release(v.viewer(), v.channelId()) != null) {
                ended(reason);
                endings.add(new Ending(v.viewer(), ServerFrames.unviewed(v.serverId(), v.channelId(), reason), true));
                log.debug("{} no longer views {}: {}", v.viewer().userId(), v.channelId(), reason.code());
            }
        }
    }

    /** A frame for a viewer after a recheck; {@code ended} when its view ended. */
    private record Ending(LiveSubscriber viewer, String frame, boolean ended) {
    }
}
