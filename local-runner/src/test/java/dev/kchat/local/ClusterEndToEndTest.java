package dev.kchat.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kchat.service.Settings;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The platform as a local cluster (issue 16): two processes of every app, each started from its own
 * main as a deployment would. Under a paced load of acknowledged sends, one instance of each app is
 * killed ({@code kill -9}) in turn; the survivors must take its work over, and at the end every
 * acknowledged message is in every member's inbox and in the history exactly once, in the order sent,
 * with no gap, and a device that followed its edge's death got each once over its connections.
 *
 * <p>For each kill the test prints the hand-off: from the kill to the first sign the survivors do the
 * victim's work (docs/benchmarks.md). Eight groups spread the conversations over the partitions, so the
 * victim always owned some of them.
 */
class ClusterEndToEndTest {

    private static final int GROUPS = 8;
    private static final double RATE = 8; // messages per second, over all groups
    private static final Duration HAND_OFF_LIMIT = Duration.ofMinutes(3);
    private static final String SENDER = "k-ann";
    private static final String READER = "k-ben";

    @TempDir
    Path dir;

    @Test
    void shouldServeFromTheSurvivorsAndKeepEveryAcknowledgedMessageWhenOneInstanceOfEachAppIsKilled() throws Exception {
        // Given two instances of every app, a sender and a reader in eight groups, the reader's device on an edge
        LocalConfig config = LocalConfig.from(Settings.of(Map.of(
                "local.data.dir", dir.resolve("data").toString(),
                "local.kafka.port", String.valueOf(TestPlatforms.freePort()),
                "local.registry.port", String.valueOf(TestPlatforms.freePort()),
                "local.ingress.port", String.valueOf(TestPlatforms.freePort()),
                "local.edge.port", String.valueOf(TestPlatforms.freePort()),
                "local.admin.base.port", "0",
                "local.moderation", "false")));
        Map<String, String> settings = new HashMap<>(TestPlatforms.NO_SHEDDING);
        settings.put("limits.rate.send.user", "off");
        try (LocalCluster cluster = LocalCluster.start(config, 2, Settings.of(settings))) {
            cluster.infrastructure().discardDataOnClose(); // the temporary folder goes after the test
            LedgerHttp http = new LedgerHttp(cluster::ingressUrls);
            String ann = cluster.infrastructure().token(SENDER, Duration.ofHours(1));
            String ben = cluster.infrastructure().token(READER, Duration.ofHours(1));
            List<String> groups = new ArrayList<>();
            for (int g = 0; g < GROUPS; g++) {
                groups.add(http.call("POST", ann, "/v1/conversations",
                        "{\"kind\":\"group\",\"name\":\"cluster " + g + "\",\"members\":[\"" + READER + "\"]}", 202)
                        .path("conversation_id").asText());
            }
            http.call("POST", ann, "/v1/friends/requests", "{\"user_id\":\"" + READER + "\"}", 202);
            await().atMost(HAND_OFF_LIMIT).until(() -> http.call("GET", ben, "/v1/friends/requests", null, 200)
                    .path("requests").findValuesAsText("user_id").contains(SENDER));
            http.call("POST", ben, "/v1/friends/requests/" + SENDER + "/accept", null, 202);
            await().atMost(HAND_OFF_LIMIT).until(() -> http.call("GET", ann, "/v1/friends", null, 200).toString()
                    .contains(READER));
            try (ClusterDevice phone = ClusterDevice.connect(cluster::edgeUrls, ben, READER, "phone")) {
                await().atMost(HAND_OFF_LIMIT).until(() -> phone.readyAt() != null);

                // When the sender sends, paced, over any ingress, and one instance of each app is killed in turn
                List<String> acked = new CopyOnWriteArrayList<>();
                AtomicBoolean sending = new AtomicBoolean(true);
                ExecutorService pool = Executors.newSingleThreadExecutor();
                Future<?> sender = pool.submit(() -> {
                    for (int k = 0; sending.get(); k++) {
                        String id = "k-" + k;
                        http.sendUntilAcked(ann, groups.get(k % GROUPS), id);
                        acked.add(id);
                        Thread.sleep((long) (1000 / RATE));
                    }
                    return null;
                });
                Map<ClusterApp, Duration> handOffs = new LinkedHashMap<>();
                // Every app but the push gateway, which nothing here would notice (no provider is configured)
                for (ClusterApp app : java.util.EnumSet.complementOf(java.util.EnumSet.of(ClusterApp.PUSH))) {
                    AppProcess victim = victim(cluster, app, phone);
                    long killedAt = System.nanoTime();
                    victim.kill();
                    int sentBefore = acked.size();
                    await().atMost(HAND_OFF_LIMIT).pollInterval(Duration.ofMillis(100)).ignoreExceptions()
                            .until(() -> handedOver(app, cluster, http, phone, groups, acked, sentBefore, ann, ben));
                    handOffs.put(app, Duration.ofNanos(System.nanoTime() - killedAt));
                    System.out.printf("hand-off after kill -9 of %s: %d ms%n", victim.name(), handOffs.get(app).toMillis());
                }
                sending.set(false);
                sender.get(5, TimeUnit.MINUTES);
                pool.shutdown();

                // Then every acknowledged message is in the inbox and history once, in order, gap-free,
                // and the device that followed its edge's death got each once, in order
                await().atMost(HAND_OFF_LIMIT).pollInterval(Duration.ofSeconds(2)).untilAsserted(() -> {
                    assertOncePerGroupInOrder("inbox of " + READER, http.inboxMessages(ben), acked);
                    assertOncePerGroupInOrder("inbox of " + SENDER, http.inboxMessages(ann), acked);
                    for (int g = 0; g < GROUPS; g++) {
                        assertThat(http.historyMessages(ann, groups.get(g))).as("history of group %s", g)
                                .containsExactlyElementsOf(ofGroup(acked, g));
                        assertThat(phone.clientMsgIds(groups.get(g))).as("group %s on the device", g)
                                .containsExactlyElementsOf(ofGroup(acked, g));
                    }
                });
                List<Long> seqs = phone.inboxSeqs();
                assertThat(seqs).as("inbox seqs over the device's connections").doesNotHaveDuplicates().isSorted();
                assertThat(seqs.get(seqs.size() - 1) - seqs.get(0) + 1).as("no gap").isEqualTo(seqs.size());
                System.out.println("hand-offs (kill -9 of one of two instances): " + handOffs + "; " + acked.size()
                        + " acknowledged messages, each found once in 2 inboxes, its history and on the device");
            }
        }
    }

    /**
     * The instance to kill: the edge serving the device; the second presence instance (the first is the
     * one ingress 1 asks, and a deployment would put a load balancer there); the first of anything else.
     */
    private static AppProcess victim(LocalCluster cluster, ClusterApp app, ClusterDevice phone) {
        List<AppProcess> instances = cluster.instancesOf(app);
        if (app == ClusterApp.PRESENCE) {
            return instances.get(instances.size() - 1);
        }
        if (app == ClusterApp.EDGE) {
            String at = phone.readyAt();
            for (AppProcess edge : instances) {
                if (at != null && at.contains(":" + cluster.settingsOf(edge).get("edge.port") + "/")) {
                    return edge;
                }
            }
        }
        return instances.get(0);
    }

    /** Whether the survivors do the victim's work: the first sign of it for each kind of app. */
    private static boolean handedOver(ClusterApp app, LocalCluster cluster, LedgerHttp http, ClusterDevice phone,
            List<String> groups, List<String> acked, int sentBefore, String ann, String ben) throws Exception {
        return switch (app) {
            // History (the sink's work): a message acknowledged after the kill is stored, in every group
            case SINK -> groups.stream().allMatch(g -> afterKill(acked, sentBefore, history(http, ann, g)));
            // Sequencing and fan-out: a message sent after the kill reaches the device, in every group
            case ROUTING, FANOUT, INGRESS, EDGE -> phone.readyAt() != null
                    && groups.stream().allMatch(g -> afterKill(acked, sentBefore, phone.clientMsgIds(g)));
            // Presence: a survivor answers for users of every partition, the reader online
            case PRESENCE -> {
                JsonNode answer = http.call("GET", ann, "/v1/presence?users=" + READER, null, 200);
                yield answer.at("/users/0/state").asText().equals("ONLINE");
            }
            case PUSH -> throw new IllegalArgumentException("the push gateway is not killed here");
            // Moments: a post made after the kill reaches the friend's feed
            case MOMENTS -> {
                String text = "after the kill " + sentBefore;
                http.call("POST", ben, "/v1/moments", "{\"text\":\"" + text + "\"}", 202);
                yield http.call("GET", ann, "/v1/moments", null, 200).toString().contains(text);
            }
        };
    }

    /**
     * Every acknowledged message once, and each group's in the order sent. (Across groups an inbox
     * interleaves them as their conversations' partitions are processed, not in the order sent.)
     */
    private static void assertOncePerGroupInOrder(String what, List<String> inbox, List<String> acked) {
        assertThat(inbox).as("%s: every acknowledged message once", what).containsExactlyInAnyOrderElementsOf(acked);
        for (int g = 0; g < GROUPS; g++) {
            assertThat(ofGroup(inbox, g)).as("%s: group %s in the order sent", what, g).containsExactlyElementsOf(ofGroup(acked, g));
        }
    }

    /** The messages of group {@code g}: message k went to group k mod GROUPS. */
    private static List<String> ofGroup(List<String> ids, int g) {
        return ids.stream().filter(id -> Integer.parseInt(id.substring(2)) % GROUPS == g).toList();
    }

    /** Whether one of the messages acknowledged after the kill is among {@code seen}. */
    private static boolean afterKill(List<String> acked, int sentBefore, List<String> seen) {
        List<String> after = acked.subList(Math.min(sentBefore, acked.size()), acked.size());
        return after.stream().anyMatch(seen::contains);
    }

    private static List<String> history(LedgerHttp http, String token, String group) {
        try {
            return http.historyMessages(token, group);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
