package dev.kchat.local;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * The HTTP side of the fault tests: acknowledged sends that a client retries until they are
 * acknowledged, and the read-back of inboxes and histories that checks nothing acknowledged was lost,
 * repeated or reordered. With several ingresses it behaves like a client behind a load balancer: an
 * ingress that does not answer is left for the next one.
 */
final class LedgerHttp {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final Supplier<List<String>> ingresses;
    private final AtomicInteger current = new AtomicInteger();

    /** @param ingresses the base URLs of the ingresses, asked each time (they can move on a restart) */
    LedgerHttp(Supplier<List<String>> ingresses) {
        this.ingresses = ingresses;
    }

    private String ingress() {
        List<String> all = ingresses.get();
        return all.get(Math.floorMod(current.get(), all.size()));
    }

    /** The next ingress, after this one did not answer. */
    private void failOver() {
        current.incrementAndGet();
    }

    /** One request, answered with {@code status}; an ingress that does not answer is left for the next one. */
    JsonNode call(String method, String token, String path, String body, int status) throws Exception {
        HttpResponse<String> r;
        try {
            r = http.send(request(method, token, path, body), HttpResponse.BodyHandlers.ofString());
        } catch (IOException ingressDown) {
            failOver();
            r = http.send(request(method, token, path, body), HttpResponse.BodyHandlers.ofString());
        }
        assertThat(r.statusCode()).as("%s %s -> %s", method, path, r.body()).isEqualTo(status);
        return JSON.readTree(r.body());
    }

    /**
     * Sends until acknowledged ({@code 202}), retrying with the same {@code client_msg_id} while the
     * platform or this ingress is down or restarting (no answer, 5xx, 429), as a client must.
     */
    void sendUntilAcked(String token, String conversation, String clientMsgId) throws Exception {
        String body = "{\"client_msg_id\":\"" + clientMsgId + "\",\"body\":\"fault test " + clientMsgId + "\"}";
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(4);
        while (true) {
            try {
                HttpResponse<String> r = http.send(request("POST", token, "/v1/conversations/" + conversation + "/messages", body),
                        HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 202) {
                    return;
                }
                assertThat(r.statusCode()).as("send %s answered %s", clientMsgId, r.body()).isIn(429, 500, 502, 503);
            } catch (IOException ingressDown) {
                // connection refused or reset: this ingress is down or restarting; the next one, as a load balancer would
                failOver();
            }
            assertThat(System.nanoTime()).as("send %s acknowledged within 4 minutes", clientMsgId).isLessThan(deadline);
            Thread.sleep(250);
        }
    }

    /** The user's whole inbox from SyncKey 0; asserts its seqs run 1, 2, 3, ... and returns its messages' client ids. */
    List<String> inboxMessages(String token) throws Exception {
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

    /** The conversation's whole history, oldest first; asserts its seqs run 1, 2, 3, ... and returns its messages' client ids. */
    List<String> historyMessages(String token, String conversation) throws Exception {
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

    private HttpRequest request(String method, String token, String path, String body) {
        // Commands are not waited for: a group's creation and its messages share its partition, so
        // routing sequences the creation first.
        return HttpRequest.newBuilder(URI.create(ingress() + path)).timeout(Duration.ofSeconds(20))
                .header("Authorization", "Bearer " + token).header("Content-Type", "application/json")
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body))
                .build();
    }
}
