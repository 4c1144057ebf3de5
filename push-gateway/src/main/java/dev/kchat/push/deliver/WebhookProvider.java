package dev.kchat.push.deliver;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kchat.events.push.PushPlatform;
import dev.kchat.events.push.PushRequest;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/**
 * The self-hoster's provider: each request is a JSON {@code POST} to the operator's URL, signed
 * ({@link WebhookSignature}) and named by {@code X-Kchat-Push-Id} (the same for a re-delivery, so
 * the receiver can drop a repeat). The receiver answers 2xx when it took it, 410 when the device's
 * handle is gone (the token is removed), 408/429/5xx to be asked again later ({@code Retry-After}
 * honoured); any other status refuses it for good. The body's fields: see docs/architecture.md.
 */
public final class WebhookProvider implements PushProvider {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpClient http;
    private final URI url;
    private final byte[] secret;
    private final Duration timeout;
    private final Clock clock;

    public WebhookProvider(URI url, byte[] secret, Duration timeout, Clock clock) {
        this.url = url;
        this.secret = secret.clone();
        this.timeout = timeout;
        this.clock = clock;
        this.http = HttpClient.newBuilder().connectTimeout(timeout).build();
    }

    @Override
    public PushPlatform platform() {
        return PushPlatform.WEBHOOK;
    }

    @Override
    public CompletableFuture<Delivery> send(PushRequest r) {
        byte[] body = body(r);
        long now = clock.instant().getEpochSecond();
        HttpRequest request = HttpRequest.newBuilder(url).timeout(timeout)
                .header("Content-Type", "application/json")
                .header(WebhookSignature.PUSH_ID_HEADER, r.getPushId())
                .header(WebhookSignature.TIMESTAMP_HEADER, String.valueOf(now))
                .header(WebhookSignature.SIGNATURE_HEADER, WebhookSignature.sign(secret, now, body))
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build();
        return http.sendAsync(request, HttpResponse.BodyHandlers.discarding())
                .thenApply(response -> answer(response.statusCode(), response.headers().firstValue("Retry-After").orElse(null)))
                .exceptionally(e -> Delivery.retry("webhook unreachable: " + rootMessage(e), null));
    }

    static Delivery answer(int status, String retryAfter) {
        String detail = "HTTP " + status;
        if (status >= 200 && status < 300) {
            return Delivery.delivered(detail);
        }
        if (status == 410) {
            return Delivery.tokenInvalid(detail);
        }
        if (status == 408 || status == 429 || status >= 500) {
            return Delivery.retry(detail, RetryAfter.parse(retryAfter));
        }
        return Delivery.rejected(detail);
    }

    /** The JSON body: every field of the request a receiver needs, and the text to show. */
    static byte[] body(PushRequest r) {
        ObjectNode n = JSON.createObjectNode();
        n.put("push_id", r.getPushId());
        n.put("user_id", r.getUserId());
        n.put("device_id", r.getDeviceId());
        n.put("token", r.getToken());
        n.put("app_id", r.getAppId());
        n.put("kind", r.getKind().name());
        n.put("collapse_key", r.getCollapseKey());
        n.put("conversation_id", r.getConversationId());
        n.put("title", NotificationText.title(r));
        n.put("body", NotificationText.body(r));
        n.put("hidden", r.getHidden());
        n.put("count", r.getCount());
        n.put("badge", r.getBadge());
        n.put("first_inbox_seq", r.getFirstInboxSeq());
        n.put("last_inbox_seq", r.getLastInboxSeq());
        if (r.getLastConvSeq() != null) {
            n.put("last_conv_seq", r.getLastConvSeq());
        }
        n.put("first_entry_at", r.getFirstEntryAt().toString());
        n.put("requested_at", r.getRequestedAt().toString());
        try {
            return JSON.writeValueAsBytes(n);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("a tree of strings and numbers always writes", e);
        }
    }

    static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t.getClass().getSimpleName() + (t.getMessage() == null ? "" : ": " + t.getMessage());
    }

    @Override
    public void close() {
        // HttpClient has no close before Java 21; its threads are daemons and end with the process.
    }
}
