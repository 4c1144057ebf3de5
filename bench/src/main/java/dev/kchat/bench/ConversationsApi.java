package dev.kchat.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;

/**
 * The HTTP API calls a benchmark makes to set up (create groups, add members), in the
 * reconnect storm to send while every socket is down, and in the fault runs to send and to read
 * inboxes and histories back. Setup calls are few, so the JDK client is
 * fine here; sockets under load go through {@link LoadClient}.
 */
public final class ConversationsApi {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    private final String ingressUrl;
    private final Semaphore inFlight;

    public ConversationsApi(String ingressUrl, int maxInFlight) {
        this.ingressUrl = ingressUrl;
        this.inFlight = new Semaphore(maxInFlight);
    }

    /** Creates a group owned by the token's user with these other members; returns its id. */
    public CompletableFuture<String> createGroup(String ownerToken, String name, List<String> members) {
        ObjectNode body = JSON.createObjectNode().put("kind", "group").put("name", name);
        ArrayNode m = body.putArray("members");
        members.forEach(m::add);
        return post(ownerToken, "/v1/conversations", body).thenApply(r -> r.path("conversation_id").asText());
    }

    /** Adds members to a group (at most {@code limits.max.members.per.request} at once). */
    public CompletableFuture<JsonNode> addMembers(String token, String conversationId, List<String> users) {
        ObjectNode body = JSON.createObjectNode();
        ArrayNode m = body.putArray("user_ids");
        users.forEach(m::add);
        return post(token, "/v1/conversations/" + conversationId + "/members", body);
    }

    /** Sends a message over HTTP; completes when Kafka has it (202). */
    public CompletableFuture<JsonNode> send(String token, String conversationId, String clientMsgId, String body) {
        return post(token, "/v1/conversations/" + conversationId + "/messages",
                JSON.createObjectNode().put("client_msg_id", clientMsgId).put("body", body));
    }

    /** A read (history, sync) as the token's user; completes with the JSON body of a 2xx answer. */
    public CompletableFuture<JsonNode> get(String token, String pathAndQuery) {
        return call(token, "GET", pathAndQuery, HttpRequest.BodyPublishers.noBody());
    }

    private CompletableFuture<JsonNode> post(String token, String path, ObjectNode body) {
        return call(token, "POST", path, HttpRequest.BodyPublishers.ofString(body.toString()));
    }

    /** Any call as the token's user, with a JSON body or none; completes with the JSON body of a 2xx answer. */
    CompletableFuture<JsonNode> call(String token, String method, String path, ObjectNode body) {
        return call(token, method, path, body == null ? HttpRequest.BodyPublishers.noBody()
                : HttpRequest.BodyPublishers.ofString(body.toString()));
    }

    private CompletableFuture<JsonNode> call(String token, String method, String path, HttpRequest.BodyPublisher body) {
        try {
            inFlight.acquire();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return CompletableFuture.failedFuture(e);
        }
        HttpRequest request = HttpRequest.newBuilder(URI.create(ingressUrl + path))
                .header("Authorization", "Bearer " + token).header("Content-Type", "application/json")
                .timeout(Duration.ofSeconds(30))
                .method(method, body).build();
        return http.sendAsync(request, HttpResponse.BodyHandlers.ofString()).whenComplete((r, e) -> inFlight.release())
                .thenApply(r -> {
                    if (r.statusCode() / 100 != 2) {
                        throw new ApiFailure(method + " " + path, r.statusCode(), r.body());
                    }
                    try {
                        return JSON.readTree(r.body());
                    } catch (IOException e) {
                        throw new ApiFailure(path, r.statusCode(), "unreadable body: " + r.body());
                    }
                });
    }

    /** Waits for all futures, failing with the first failure. */
    public static <T> List<T> all(List<CompletableFuture<T>> futures) {
        CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new)).join();
        List<T> out = new ArrayList<>(futures.size());
        futures.forEach(f -> out.add(f.join()));
        return out;
    }

    /** A refused API call, with what the API said. */
    public static final class ApiFailure extends RuntimeException {
        private final int status;

        public ApiFailure(String request, int status, String body) {
            super(request + " answered " + status + ": " + body);
            this.status = status;
        }

        /** The HTTP status the API answered. */
        public int status() {
            return status;
        }
    }
}
