package dev.kchat.push.deliver;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kchat.events.push.PushPlatform;
import dev.kchat.events.push.PushRequest;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/**
 * Firebase Cloud Messaging through its HTTP v1 API: {@code POST /v1/projects/{project}/messages:send}
 * with a bearer token ({@link FcmAccessTokens}). The message carries the text as a notification,
 * the ids as data, the collapse key as Android's {@code collapse_key} and notification tag (a newer
 * push of the conversation replaces the older) and APNs' {@code apns-collapse-id}, and the badge.
 *
 * <p>Answers, as FCM documents them: 200 delivered; {@code UNREGISTERED} (404) and
 * {@code SENDER_ID_MISMATCH} (403) mean the token is gone; 401 drops the held access token and
 * retries; 429 {@code QUOTA_EXCEEDED}, 500 and 503 retry ({@code Retry-After} honoured); anything
 * else ({@code INVALID_ARGUMENT}, ...) is refused for good.
 */
public final class FcmProvider implements PushProvider {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final FcmAccessTokens tokens;
    private final URI sendUri;
    private final Duration timeout;
    private final HttpClient http;

    FcmProvider(FcmAccessTokens tokens, URI endpoint, String projectId, Duration timeout) {
        this.tokens = tokens;
        this.sendUri = endpoint.resolve("/v1/projects/" + projectId + "/messages:send");
        this.timeout = timeout;
        this.http = HttpClient.newBuilder().connectTimeout(timeout).build();
    }

    /**
     * A provider from a service account key file; {@code projectId} null takes the file's
     * {@code project_id}.
     */
    public static FcmProvider create(java.nio.file.Path serviceAccount, String projectId, URI endpoint, Duration timeout) {
        FcmAccessTokens tokens = FcmAccessTokens.fromServiceAccount(serviceAccount, timeout, java.time.Clock.systemUTC());
        String project = projectId != null && !projectId.isBlank() ? projectId : tokens.projectId();
        if (project == null || project.isBlank()) {
            throw new IllegalArgumentException("no FCM project id: set push.fcm.project.id or use a key file with project_id");
        }
        return new FcmProvider(tokens, endpoint, project, timeout);
    }

    @Override
    public PushPlatform platform() {
        return PushPlatform.FCM;
    }

    @Override
    public CompletableFuture<Delivery> send(PushRequest r) {
        String bearer;
        try {
            bearer = tokens.token();
        } catch (IOException e) {
            return CompletableFuture.completedFuture(Delivery.retry("no FCM access token: " + e.getMessage(), null));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return CompletableFuture.completedFuture(Delivery.retry("interrupted while getting an FCM access token", null));
        }
        HttpRequest request = HttpRequest.newBuilder(sendUri).timeout(timeout)
                .header("Authorization", "Bearer " + bearer)
                .header("Content-Type", "application/json; charset=UTF-8")
                .POST(HttpRequest.BodyPublishers.ofByteArray(message(r))).build();
        return http.sendAsync(request, HttpResponse.BodyHandlers.ofString())
                .thenApply(response -> answer(response.statusCode(), response.body(),
                        response.headers().firstValue("Retry-After").orElse(null)))
                .exceptionally(e -> Delivery.retry("FCM unreachable: " + WebhookProvider.rootMessage(e), null));
    }

    private Delivery answer(int status, String body, String retryAfter) {
        if (status == 200) {
            return Delivery.delivered("HTTP 200 " + messageName(body));
        }
        String code = errorCode(body);
        String detail = "HTTP " + status + " " + code;
        if (code.equals("UNREGISTERED") || code.equals("SENDER_ID_MISMATCH")) {
            return Delivery.tokenInvalid(detail);
        }
        if (status == 401) {
            tokens.invalidate();
            return Delivery.retry(detail, null);
        }
        if (status == 429 || status >= 500) {
            return Delivery.retry(detail, RetryAfter.parse(retryAfter));
        }
        return Delivery.rejected(detail);
    }

    /** The FCM error code of an error body: {@code details[].errorCode} of the FcmError, else {@code error.status}. */
    static String errorCode(String body) {
        try {
            JsonNode error = JSON.readTree(body).path("error");
            for (JsonNode d : error.path("details")) {
                if (d.has("errorCode")) {
                    return d.get("errorCode").asText();
                }
            }
            return error.path("status").asText("UNKNOWN");
        } catch (IOException e) {
            return "UNREADABLE_ERROR";
        }
    }

    private static String messageName(String body) {
        try {
            return JSON.readTree(body).path("name").asText("");
        } catch (IOException e) {
            return "";
        }
    }

    /** The HTTP v1 message for one request. */
    static byte[] message(PushRequest r) {
        ObjectNode root = JSON.createObjectNode();
        ObjectNode m = root.putObject("message");
        m.put("token", r.getToken());
        m.putObject("notification").put("title", NotificationText.title(r)).put("body", NotificationText.body(r));
        ObjectNode data = m.putObject("data");
        data.put("push_id", r.getPushId());
        data.put("kind", r.getKind().name());
        data.put("collapse_key", r.getCollapseKey());
        if (r.getConversationId() != null) {
            data.put("conversation_id", r.getConversationId());
        }
        data.put("count", String.valueOf(r.getCount()));
        data.put("badge", String.valueOf(r.getBadge()));
        data.put("last_inbox_seq", String.valueOf(r.getLastInboxSeq()));
        if (r.getLastConvSeq() != null) {
            data.put("last_conv_seq", String.valueOf(r.getLastConvSeq()));
        }
        ObjectNode android = m.putObject("android");
        android.put("collapse_key", r.getCollapseKey()).put("priority", "HIGH");
        android.putObject("notification").put("tag", r.getCollapseKey()).put("notification_count", r.getBadge());
        ObjectNode apns = m.putObject("apns");
        apns.putObject("headers").put("apns-collapse-id", ApnsProvider.collapseId(r.getCollapseKey()));
        apns.putObject("payload").putObject("aps").put("badge", r.getBadge());
        try {
            return JSON.writeValueAsBytes(root);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("a tree of strings and numbers always writes", e);
        }
    }

    @Override
    public void close() {
        // HttpClient has no close before Java 21; its threads are daemons and end with the process.
    }
}
