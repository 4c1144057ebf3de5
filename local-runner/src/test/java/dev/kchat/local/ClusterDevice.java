package dev.kchat.local;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * A device of a cluster test that behaves like a real client over the edges: it connects to any edge,
 * follows a {@code redirect} to the edge that owns its user, and when its connection ends (its edge was
 * killed, or the edge says reconnect) it connects again, resuming from the last inbox seq it got. Its
 * connections' frames, in order, are what the test checks.
 */
final class ClusterDevice implements AutoCloseable {

    private final Supplier<List<String>> edges;
    private final String token;
    private final String user;
    private final String device;
    private final List<WsDevice> connections = new ArrayList<>();
    private final ScheduledExecutorService watcher = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "cluster-device-watch");
        t.setDaemon(true);
        return t;
    });
    private int nextEdge;
    private WsDevice followed;
    private volatile String servedBy;

    private ClusterDevice(Supplier<List<String>> edges, String token, String user, String device) {
        this.edges = edges;
        this.token = token;
        this.user = user;
        this.device = device;
    }

    /** Connects now and keeps the device connected (checked every 200 ms) until closed. */
    static ClusterDevice connect(Supplier<List<String>> edges, String token, String user, String device) {
        ClusterDevice d = new ClusterDevice(edges, token, user, device);
        d.watcher.scheduleWithFixedDelay(d::keepConnected, 0, 200, TimeUnit.MILLISECONDS);
        return d;
    }

    private synchronized void keepConnected() {
        WsDevice last = connections.isEmpty() ? null : connections.get(connections.size() - 1);
        if (last != null && !last.closed.isDone()) {
            return;
        }
        long since = connections.stream().mapToLong(WsDevice::lastInboxSeq).max().orElse(0);
        // The edge named by a redirect, once; if it does not answer (it may be the dead edge, named until
        // the group moves its partitions), the edges in turn.
        String url = redirectOf(last).filter(u -> last != followed).orElseGet(() -> {
            List<String> all = edges.get();
            return all.get(Math.floorMod(nextEdge++, all.size()));
        });
        followed = last;
        try {
            connections.add(WsDevice.connect(url, token, user, device, since));
            servedBy = url;
        } catch (Exception edgeDown) {
            servedBy = null; // refused or timed out: the next check tries the next edge
        }
    }

    private static java.util.Optional<String> redirectOf(WsDevice last) {
        if (last == null) {
            return java.util.Optional.empty();
        }
        return last.framesOfType("redirect").stream().map(f -> f.path("edge").asText()).filter(s -> !s.isEmpty()).findFirst();
    }

    /** The edge of the current connection, once it said {@code ready}; null while connecting. */
    synchronized String readyAt() {
        WsDevice last = connections.isEmpty() ? null : connections.get(connections.size() - 1);
        return last != null && !last.closed.isDone() && !last.framesOfType("ready").isEmpty() ? servedBy : null;
    }

    /** Every {@code event} frame of every connection, in arrival order. */
    synchronized List<JsonNode> events() {
        List<JsonNode> out = new ArrayList<>();
        for (WsDevice c : connections) {
            out.addAll(c.framesOfType("event"));
        }
        return out;
    }

    /** The client ids of the messages posted in a conversation that reached this device, in arrival order. */
    List<String> clientMsgIds(String conversation) {
        List<String> out = new ArrayList<>();
        for (JsonNode f : events()) {
            JsonNode item = f.path("entry").path("item");
            if (item.path("conversation_id").asText().equals(conversation)
                    && item.path("payload").path("type").asText().equals("MessagePosted")) {
                out.add(item.path("payload").path("client_msg_id").asText());
            }
        }
        return out;
    }

    /** The inbox seqs of the event frames of every connection, in arrival order. */
    List<Long> inboxSeqs() {
        return events().stream().map(f -> f.get("inbox_seq").asLong()).toList();
    }

    @Override
    public synchronized void close() {
        watcher.shutdownNow();
        connections.forEach(WsDevice::close);
    }
}
