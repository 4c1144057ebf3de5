package dev.kchat.bench;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Scenario 4, reconnect storm: N users in groups chat live; then every socket drops at once; while
 * they are down the same rate keeps coming in over HTTP, so every device has a backlog; then all
 * reconnect at once, each with its SyncKey. Reports the time until every device is ready (replay
 * done) and until every message sent during the whole run has reached every member, and anything
 * lost or repeated across the reconnect.
 */
public final class ReconnectStormBench {

    private static final Logger log = LoggerFactory.getLogger(ReconnectStormBench.class);

    private ReconnectStormBench() {
    }

    static Args options() {
        return Harness.common(Args.describe("""
                ReconnectStormBench: live chat, all sockets drop, backlog over HTTP, all resume from their SyncKey at once.
                Usage: bin/bench reconnect-storm --users 2000 --group-size 10 --rate 500"""))
                .option("users", "2000", "connected users (one device each)")
                .option("group-size", "10", "members per group")
                .option("rate", "500", "offered messages/s, live and while offline")
                .option("live", "20s", "live chat before the drop")
                .option("offline", "10s", "how long every socket stays down (messages keep coming over HTTP)")
                .option("body-bytes", "100", "message body size")
                .option("catch-up-max", "180s", "longest wait for the catch-up");
    }

    public static void main(String[] argv) throws Exception {
        Harness.runInGroups("reconnect-storm", options(), argv, ReconnectStormBench::run);
    }

    private static void run(Harness h, Args args, int users, int size) throws Exception {
        double rate = args.decimal("rate");
        Duration live = args.duration("live");
        Duration offline = args.duration("offline");
        int bodyBytes = args.integer("body-bytes");
        List<Device> devices = h.devices(users);
        h.connectAll(devices, Duration.ofMinutes(5));
        Harness.Groups groups = h.createGroups(devices, size, Duration.ofMinutes(3));

        DeliveryLedger ledger = new DeliveryLedger(h.tag, users, (int) (rate * (live.toSeconds() + offline.toSeconds()) * 1.2) + 1000);
        int[] conv = GroupChatBench.register(ledger, groups);
        GroupChatBench.phase(h, ledger, conv, groups, devices, rate, live, bodyBytes);
        // Let the live phase land, so the SyncKeys are current when the sockets drop.
        Harness.drain(ledger, (long) ledger.messagesSent() * size, Duration.ofSeconds(5), Duration.ofSeconds(60));
        long deliveredLive = ledger.deliveries();

        h.client.dropAll();
        Harness.await("the drop", devices, d -> !d.isOpen(), Duration.ofSeconds(60));
        log.info("all {} sockets down; sending over HTTP for {}", users, offline);
        List<CompletableFuture<?>> offlineSends = new ArrayList<>();
        long[] k = {0};
        Pacer.run(rate, offline, intended -> {
            int g = (int) (k[0]++ % groups.count());
            int[] members = groups.members()[g];
            Device from = devices.get(members[ThreadLocalRandom.current().nextInt(members.length)]);
            int id = ledger.newMessage(conv[g], intended);
            if (id >= 0) {
                offlineSends.add(h.api.send(from.token, groups.ids().get(g), ledger.clientMsgId(id), Harness.body(id, bodyBytes))
                        .whenComplete((r, e) -> {
                            if (e != null) {
                                ledger.sendFailed(id);
                                log.warn("offline send {} failed: {}", id, e.toString());
                            }
                        }));
            }
        });
        CompletableFuture.allOf(offlineSends.toArray(CompletableFuture[]::new)).exceptionally(e -> null).join();
        long expected = (long) ledger.messagesSent() * size;
        long backlog = expected - deliveredLive;
        Thread.sleep(2_000); // the backlog reaches the inboxes (and the store) before the storm

        CpuWindow cpu = CpuWindow.start(h.pids());
        long storm = System.nanoTime();
        List<CompletableFuture<Void>> readies = new ArrayList<>(users);
        for (Device d : devices) {
            readies.add(d.open());
        }
        int ready = LoadClient.awaitReady(readies, args.duration("catch-up-max"));
        long readyMs = (System.nanoTime() - storm) / 1_000_000;
        long drainMs = Harness.drain(ledger, expected, Duration.ofSeconds(15), args.duration("catch-up-max"));
        long catchUpMs = (System.nanoTime() - storm) / 1_000_000;
        boolean complete = ledger.deliveries() >= expected;
        ObjectNode cpuJson = cpu.stop();
        DeliveryLedger.Reconciliation r = ledger.reconcile();

        ObjectNode out = h.resultHead();
        out.put("users", users).put("group_size", size).put("messages_sent", r.messagesSent())
                .put("backlog_deliveries", backlog).put("ready_devices", ready).put("all_ready_ms", readyMs)
                .put("caught_up", complete).put("catch_up_ms", complete ? catchUpMs : -1).put("drain_ms", drainMs)
                .put("expected", r.expected()).put("delivered", r.delivered()).put("lost", r.lost())
                .put("duplicates", r.duplicates()).put("send_failures", r.sendFailures()).put("errors", h.client.stats().errors());
        out.set("latency", r.latency().json());
        out.set("client", h.client.stats().json());
        out.set("cpu_during_storm", cpuJson);
        String summary = String.format("""
                reconnect storm: %,d devices drop and resume at once with a backlog of %,d deliveries
                  ready (replay done) %,d of %,d devices after %,d ms; %s after %,d ms
                  lost %,d  duplicates %,d  send failures %,d  errors %,d  server closes %s
                  latency over the whole run (from intended send): %s
                  cpu (cores) during the storm %s""",
                users, backlog, ready, users, readyMs, complete ? "every message everywhere" : "NOT caught up", catchUpMs,
                r.lost(), r.duplicates(), r.sendFailures(), h.client.stats().errors(),
                h.client.stats().json().path("server_closes"), r.latency().line(), cpuJson.path("cores"));
        h.report(out, summary);
    }
}
