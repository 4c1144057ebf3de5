package dev.kchat.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The crash test of the end-to-end suite (issue 15): the platform as a child process, a paced load of
 * acknowledged sends over HTTP, {@code kill -9} of the platform JVM mid-load, a restart on the same data,
 * then every inbox and every history read back. An acknowledged send ({@code 202}: in Kafka, acks=all)
 * must be in every member's inbox and in the history exactly once, each sender's messages in the order
 * they were sent, with inbox seqs and conversation seqs gap-free. The larger runs and other faults are
 * {@code bin/faults} (docs/benchmarks.md).
 */
class CrashEndToEndTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int GROUPS = 2;
    private static final int SIZE = 3;
    private static final int PER_SENDER = 40;
    private static final double RATE = 20;
    private static final int KILL_AFTER = 80;

    @TempDir
    Path dir;

    private volatile String ingress;
    private final LedgerHttp http = new LedgerHttp(() -> List.of(ingress));

    @Test
    void shouldKeepEveryAcknowledgedMessageOnceAndInOrderWhenThePlatformJvmIsKilledMidLoad() throws Exception {
        // Given the platform in a child JVM, with two groups of three
        ChildPlatform first = ChildPlatform.start(dir.resolve("data"));
        AtomicReference<ChildPlatform> platform = new AtomicReference<>(first);
        ingress = first.ingressUrl();
        Map<String, String> tokens = new HashMap<>();
        List<String> groups = new ArrayList<>();
        try {
            for (int u = 0; u < GROUPS * SIZE; u++) {
                tokens.put(user(u), first.token(user(u)));
            }
            for (int g = 0; g < GROUPS; g++) {
                String members = JSON.writeValueAsString(List.of(user(g * SIZE + 1), user(g * SIZE + 2)));
                JsonNode created = http.call("POST", tokens.get(user(g * SIZE)), "/v1/conversations",
                        "{\"kind\":\"group\",\"name\":\"crash " + g + "\",\"members\":" + members + "}", 202);
                groups.add(created.path("conversation_id").asText());
            }

            // When every member sends, paced, each message only after the previous one was acknowledged,
            // and the platform JVM is killed with SIGKILL mid-load and started again on the same data
            int senders = GROUPS * SIZE;
            Set<String> acked = ConcurrentHashMap.newKeySet();
            CountDownLatch killPoint = new CountDownLatch(KILL_AFTER);
            ExecutorService pool = Executors.newFixedThreadPool(senders + 1);
            long start = System.nanoTime();
            List<Future<?>> running = new ArrayList<>();
            for (int s = 0; s < senders; s++) {
                int sender = s;
                running.add(pool.submit(() -> {
                    for (int k = 0; k < PER_SENDER; k++) {
                        long slot = start + (long) ((k * senders + sender) * 1e9 / RATE);
                        Thread.sleep(Math.max(0, (slot - System.nanoTime()) / 1_000_000));
                        String id = "c-" + sender + "-" + k;
                        http.sendUntilAcked(tokens.get(user(sender)), groups.get(sender / SIZE), id);
                        acked.add(id);
                        killPoint.countDown();
                    }
                    return null;
                }));
            }
            running.add(pool.submit(() -> {
                killPoint.await();
                platform.set(platform.get().killAndRestart());
                return null;
            }));
            for (Future<?> f : running) {
                f.get(5, TimeUnit.MINUTES);
            }
            pool.shutdown();
            assertThat(acked).hasSize(senders * PER_SENDER);

            // Then every member's inbox and every history has each acknowledged message once, in order, without gaps
            await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofSeconds(2)).untilAsserted(() -> {
                for (int u = 0; u < senders; u++) {
                    List<String> inbox = http.inboxMessages(tokens.get(user(u)));
                    assertConsistent("inbox of " + user(u), inbox, u / SIZE);
                }
                for (int g = 0; g < GROUPS; g++) {
                    assertConsistent("history of " + groups.get(g), http.historyMessages(tokens.get(user(g * SIZE)), groups.get(g)), g);
                }
            });
        } finally {
            platform.get().close();
        }
    }

    private static String user(int i) {
        return "crash" + i;
    }

    /** Every message of the group's senders exactly once, and each sender's in the order sent. */
    private static void assertConsistent(String what, List<String> clientMsgIds, int group) {
        List<String> expected = new ArrayList<>();
        for (int s = group * SIZE; s < (group + 1) * SIZE; s++) {
            for (int k = 0; k < PER_SENDER; k++) {
                expected.add("c-" + s + "-" + k);
            }
        }
        assertThat(clientMsgIds).as("%s: every acknowledged message once", what).containsExactlyInAnyOrderElementsOf(expected);
        for (int s = group * SIZE; s < (group + 1) * SIZE; s++) {
            String prefix = "c-" + s + "-";
            List<Integer> order = clientMsgIds.stream().filter(id -> id.startsWith(prefix))
                    .map(id -> Integer.parseInt(id.substring(prefix.length()))).toList();
            assertThat(order).as("%s: messages of sender %s in send order", what, s).isSorted();
        }
    }
}
