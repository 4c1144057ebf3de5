package dev.kchat.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Supplier;

/**
 * The servers' HTTP API calls the server scenario makes (docs/api/openapi.yaml): create a server, read
 * it back, create an invite, join by it, read a range of the member list.
 */
final class ServersApi {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final ConversationsApi api;

    ServersApi(ConversationsApi api) {
        this.api = api;
    }

    /** Creates a server owned by the token's user; completes with its id (the command is queued, not yet applied). */
    CompletableFuture<String> create(String ownerToken, String name) {
        return api.call(ownerToken, "POST", "/v1/servers", JSON.createObjectNode().put("name", name))
                .thenApply(r -> r.path("conversation_id").asText());
    }

    /** The server as its member sees it (404 until the store has it). */
    CompletableFuture<JsonNode> get(String token, String serverId) {
        return api.call(token, "GET", "/v1/servers/" + serverId, null);
    }

    /** Creates an invite for up to {@code maxUses} joins; completes with its code. */
    CompletableFuture<String> invite(String token, String serverId, int maxUses) {
        return api.call(token, "POST", "/v1/servers/" + serverId + "/invites", JSON.createObjectNode().put("max_uses", maxUses))
                .thenApply(r -> r.path("code").asText());
    }

    /** Joins the invite's server as the token's user. */
    CompletableFuture<JsonNode> join(String token, String code) {
        return api.call(token, "POST", "/v1/invites/" + code + "/join", null);
    }

    /** A range of the server's member list (sorted by highest role, then name), with the total. */
    CompletableFuture<JsonNode> members(String token, String serverId, int offset, int limit) {
        return api.call(token, "GET", "/v1/servers/" + serverId + "/members?offset=" + offset + "&limit=" + limit, null);
    }

    /**
     * Calls {@code call} until it succeeds, for at most {@code deadline}: what the API answers 404 (or 410)
     * until the sink has stored what a command made (a new server, an invite).
     */
    static <T> T retryUntilStored(String what, Supplier<CompletableFuture<T>> call, Duration deadline) throws InterruptedException {
        long end = System.nanoTime() + deadline.toNanos();
        while (true) {
            try {
                return call.get().join();
            } catch (CompletionException e) {
                boolean notYet = e.getCause() instanceof ConversationsApi.ApiFailure f && f.status() == 404;
                if (!notYet || System.nanoTime() > end) {
                    throw new IllegalStateException(what + " failed: " + e.getCause().getMessage(), e.getCause());
                }
            }
            Thread.sleep(100);
        }
    }
}
