package dev.kchat.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
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

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private volatile String ingress;

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
                JsonNode created = call("POST", tokens.get(user(g * SIZE)), "/v1/conversations",
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
                        sendUntilAcked(tokens.get(user(sender)), groups.get(sender / SIZE), id);
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
                    List<String> inbox = inboxMessages(tokens.get(user(u)));
                    assertConsistent("inbox of " + user(u), inbox, u / SIZE);
                }
                for (int g = 0; g < GROUPS; g++) {
                    assertConsistent("history of " + groups.get(g), historyMessages(tokens.get(user(g * SIZE)), groups.get(g)), g);
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

    /** The user's whole inbox from SyncKey 0; asserts its seqs run 1, 2, 3, ... and returns its messages. */
    private List<String> inboxMessages(String token) throws Exception {
        List<String> messages = new ArrayList<>();
        long since = 0;
        boolean more = true;
        while (more) {
            JsonNode page = call("GET", token, "/v1/sync?since=" + since + "&limit=200", null, 200);
            for (JsonNode entry : page.path("entries")) {
                assertThat(entry.path("inbox_seq").asLong()).as("inbox seq after %s", since).isEqualTo(since + 1);
                since++;
                JsonNode payload = entry.path("item").path("payload");
                if (payload.path("type").asText().equals("MessagePosted")) {
                    messages.add(payload.path("client_msg_id").asText());
                }
            }
            more = page.path("has_more").asBoolean();
        }
        return messages;
    }

    /** The conversation's whole history, oldest first; asserts its seqs run 1, 2, 3, ... and returns its messages. */
    private List<String> historyMessages(String token, String conversation) throws Exception {
        List<String> messages = new ArrayList<>();
        long after = 0;
        boolean more = true;
        while (more) {
            JsonNode page = call("GET", token, "/v1/conversations/" + conversation + "/messages?after=" + after
                    + "&order=oldest&limit=200", null, 200);
            for (JsonNode event : page.path("events")) {
                assertThat(event.path("seq").asLong()).as("seq after %s", after).isEqualTo(after + 1);
                after++;
                if (event.path("event_type").asText().equals("MessagePosted")) {
                    messages.add(event.path("client_msg_id").asText());
                }
            }
            more = page.path("has_more").asBoolean();
        }
        return messages;
    }

    /**
     * Sends until acknowledged ({@code 202}), retrying with the same {@code client_msg_id} while the
     * platform is down or restarting (no answer, 5xx, 429), as a client must.
     */
    private void sendUntilAcked(String token, String conversation, String clientMsgId) throws Exception {
        String body = "{\"client_msg_id\":\"" + clientMsgId + "\",\"body\":\"crash test " + clientMsgId + "\"}";
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(4);
        while (true) {
            try {
                HttpResponse<String> r = http.send(request("POST", token, "/v1/conversations/" + conversation + "/messages", body),
                        HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 202) {
                    return;
                }
                assertThat(r.statusCode()).as("send %s answered %s", clientMsgId, r.body()).isIn(429, 500, 502, 503);
            } catch (java.io.IOException platformDown) {
                // connection refused or reset while the platform restarts: retry
            }
            assertThat(System.nanoTime()).as("send %s acknowledged within 4 minutes", clientMsgId).isLessThan(deadline);
            Thread.sleep(250);
        }
    }

    private JsonNode call(String method, String token, String path, String body, int status) throws Exception {
        HttpResponse<String> r = http.send(request(method, token, path, body), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as("%s %s -> %s", method, path, r.body()).isEqualTo(status);
        return JSON.readTree(r.body());
    }

    private HttpRequest request(String method, String token, String path, String body) {
        // Commands are not waited for: a group's creation and its messages share its partition, so
        // routing sequences the creation first.
        return HttpRequest.newBuilder(URI.create(ingress + path)).timeout(Duration.ofSeconds(20))
                .header("Authorization", "Bearer " + token).header("Content-Type", "application/json")
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body))
                .build();
    }
}
