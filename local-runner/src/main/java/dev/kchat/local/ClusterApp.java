package dev.kchat.local;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntSupplier;

/**
 * The apps of the local cluster, in start order, with each app's main class and what differs from one
 * instance to the next: ports, state folder, static group member id. Everything else an instance reads
 * is shared ({@link LocalCluster}).
 */
enum ClusterApp {
    SINK("sink", "dev.kchat.store.sink.SinkApp"),
    ROUTING("routing", "dev.kchat.routing.RoutingApp"),
    FANOUT("fanout", "dev.kchat.fanout.FanoutApp"),
    PRESENCE("presence", "dev.kchat.presence.PresenceApp"),
    MOMENTS("moments", "dev.kchat.moments.MomentsApp"),
    PUSH("push", "dev.kchat.push.PushGateway"),
    INGRESS("ingress", "dev.kchat.ingress.IngressApp"),
    EDGE("edge", "dev.kchat.edge.EdgeApp");

    private final String id;
    private final String mainClass;

    ClusterApp(String id, String mainClass) {
        this.id = id;
        this.mainClass = mainClass;
    }

    String id() {
        return id;
    }

    String mainClass() {
        return mainClass;
    }

    /** Each instance's heap: the apps hold little beyond Kafka's buffers and RocksDB (off-heap). */
    String heap() {
        return "256m";
    }

    /**
     * The settings of instance {@code i} (from 1) of this app.
     *
     * @param dir                the instance's folder (settings file, log, Streams state)
     * @param adminPort          its health and metrics port
     * @param presenceQueryPorts the query port of each presence instance, in instance order
     * @param freePort           another free port (ingress's HTTP and the edge's WebSocket port past the first instance)
     */
    Map<String, String> instanceSettings(int i, LocalConfig config, Path dir, int adminPort, List<Integer> presenceQueryPorts,
            IntSupplier freePort) {
        String host = config.host();
        Map<String, String> s = new HashMap<>();
        String presenceUrl = "http://" + host + ":" + presenceQueryPorts.get(i - 1);
        switch (this) {
            case SINK -> {
                s.put("admin.host", host);
                s.put("admin.port", String.valueOf(adminPort));
            }
            case ROUTING, FANOUT, PRESENCE, MOMENTS -> {
                s.put(id + ".admin.host", host);
                s.put(id + ".admin.port", String.valueOf(adminPort));
                s.put(id + ".state.dir", dir.resolve("state").toString());
                // Static membership: a restarted instance takes its tasks back at once.
                s.put(id + ".streams.group.instance.id", "local-" + id + "-" + i);
                if (this == PRESENCE) {
                    s.put("presence.query.host", host);
                    s.put("presence.query.port", String.valueOf(presenceQueryPorts.get(i - 1)));
                }
            }
            case PUSH -> {
                // The decider (a Streams app) answers ready on push.admin.port; delivery has its own admin port.
                s.put("push.admin.host", host);
                s.put("push.admin.port", String.valueOf(adminPort));
                s.put("push.state.dir", dir.resolve("state").toString());
                s.put("push.streams.group.instance.id", "local-push-" + i);
                s.put("push.delivery.admin.host", host);
                s.put("push.delivery.admin.port", String.valueOf(freePort.getAsInt()));
                s.put("push.delivery.instance.id", "local-" + i);
            }
            case INGRESS -> {
                s.put("ingress.http.host", host);
                s.put("ingress.http.port", String.valueOf(i == 1 && config.ingressPort() != 0 ? config.ingressPort()
                        : freePort.getAsInt()));
                s.put("ingress.admin.port", String.valueOf(adminPort));
                s.put("ingress.presence.url", presenceUrl);
                // Each ingress serves the local upload store on a port of its own, over the shared folder.
                s.put("media.local.port", String.valueOf(freePort.getAsInt()));
            }
            case EDGE -> {
                s.put("edge.host", host);
                s.put("edge.advertised.host", host);
                s.put("edge.port", String.valueOf(i == 1 && config.edgePort() != 0 ? config.edgePort()
                        : freePort.getAsInt()));
                s.put("edge.admin.port", String.valueOf(adminPort));
                s.put("edge.presence.url", presenceUrl);
            }
            default -> throw new IllegalStateException("no settings for " + this);
        }
        return s;
    }
}
