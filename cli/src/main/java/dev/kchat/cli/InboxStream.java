package dev.kchat.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.LongConsumer;

/**
 * A device's live connection to its edge (docs/edge-protocol.md): says {@code hello} with the
 * SyncKey, acknowledges every {@code event} and keeps the SyncKey, pings, and follows a
 * {@code redirect} or {@code reconnect} to the edge it names (else asks {@code GET /v1/edge} again),
 * resuming from the SyncKey. Every frame goes to the listener, on the WebSocket's thread, in order.
 */
public final class InboxStream implements AutoCloseable {

    static final Duration PING_EVERY = Duration.ofSeconds(25);
    static final Duration MAX_BACKOFF = Duration.ofSeconds(15);

    /** Where the user's edge is now ({@code GET /v1/edge}). */
    public interface EdgeLocator {
        URI locate() throws Exception;
    }

    private final EdgeLocator locator;
    private final String token;
    private final String device;
    private final Consumer<JsonNode> listener;
    private final LongConsumer syncKeys;
    private final HttpClient http = HttpClient.newHttpClient();
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "kchat-inbox-timer");
        t.setDaemon(true);
        return t;
    });
    private final CompletableFuture<Void> ready = new CompletableFuture<>();
    private final CompletableFuture<String> ended = new CompletableFuture<>();
    private volatile WebSocket socket;
    private volatile long syncKey;
    private volatile boolean closing;
    private volatile URI next;
    private long backoffMs = 500;

    private InboxStream(EdgeLocator locator, String token, String device, long since, Consumer<JsonNode> listener, LongConsumer syncKeys) {
        this.locator = locator;
        this.token = token;
        this.device = device;
        this.syncKey = since;
        this.listener = listener;
        this.syncKeys = syncKeys;
    }

    /**
     * Connects and says hello with {@code since} (the device's SyncKey). {@code syncKeys} is told each
     * new SyncKey after the event is acknowledged.
     */
    public static InboxStream open(EdgeLocator locator, String token, String device, long since, Consumer<JsonNode> listener,
            LongConsumer syncKeys) {
        InboxStream stream = new InboxStream(locator, token, device, since, listener, syncKeys);
        stream.connect(null);
        stream.timer.scheduleAtFixedRate(() -> stream.send(Api.JSON.createObjectNode().put("type", "ping")),
                PING_EVERY.toMillis(), PING_EVERY.toMillis(), TimeUnit.MILLISECONDS);
        return stream;
    }

    /** Completes at the first {@code ready} (the replay from the SyncKey is done). */
    public CompletableFuture<Void> ready() {
        return ready;
    }

    /** Completes with the reason when the stream gives up (a token refused or expired): the caller's exit. */
    public CompletableFuture<String> ended() {
        return ended;
    }

    /** Sends a frame; false if not connected right now. */
    public boolean send(JsonNode frame) {
        WebSocket ws = socket;
        if (ws == null || ws.isOutputClosed()) {
            return false;
        }
        synchronized (this) {
            ws.sendText(frame.toString(), true).join();
        }
        return true;
    }

    private void connect(URI edge) {
        if (closing) {
            return;
        }
        try {
            URI target = edge != null ? edge : locator.locate();
            http.newWebSocketBuilder().header("Authorization", "Bearer " + token).connectTimeout(Duration.ofSeconds(10))
                    .buildAsync(target, new Handler()).whenComplete((ws, e) -> {
                        if (e != null) {
                            retry("cannot connect to " + target + ": " + e.getMessage());
                        }
                    });
        } catch (Exception e) {
            retry("cannot find the edge: " + e.getMessage());
        }
    }

    private void retry(String why) {
        if (closing) {
            return;
        }
        listener.accept(Api.JSON.createObjectNode().put("type", "disconnected").put("message", why));
        long delay = backoffMs;
        backoffMs = Math.min(backoffMs * 2, MAX_BACKOFF.toMillis());
        timer.schedule(() -> connect(null), delay, TimeUnit.MILLISECONDS);
    }

    private final class Handler implements WebSocket.Listener {

        private final StringBuilder partial = new StringBuilder();

        @Override
        public void onOpen(WebSocket ws) {
            socket = ws;
            send(Api.JSON.createObjectNode().put("type", "hello").put("device_id", device).put("since_inbox_seq", syncKey)
                    .put("platform", "cli"));
            ws.request(1);
        }

        @Override
        public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
            partial.append(data);
            if (last) {
                String text = partial.toString();
                partial.setLength(0);
                try {
                    onFrame((ObjectNode) Api.JSON.readTree(text));
                } catch (IOException | ClassCastException e) {
                    listener.accept(Api.JSON.createObjectNode().put("type", "unreadable").put("message", text));
                }
            }
            ws.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket ws, int status, String reason) {
            socket = null;
            if (status == 4401 || status == 4400 || status == 1003) {
                ended.complete("closed by the edge: " + status + " " + reason);
            } else if (next != null) {
                URI to = next;
                next = null;
                connect(to);
            } else {
                retry("closed by the edge: " + status + " " + reason);
            }
            return null;
        }

        @Override
        public void onError(WebSocket ws, Throwable error) {
            socket = null;
            retry("connection lost: " + error.getMessage());
        }
    }

    private void onFrame(ObjectNode f) {
        switch (f.path("type").asText()) {
            case "event" -> {
                long seq = f.path("inbox_seq").asLong();
                send(Api.JSON.createObjectNode().put("type", "ack").put("inbox_seq", seq));
                syncKey = seq;
                syncKeys.accept(seq);
            }
            case "ready" -> {
                backoffMs = 500;
                ready.complete(null);
            }
            case "redirect", "reconnect" -> next = f.hasNonNull("edge") ? URI.create(f.get("edge").asText()) : null;
            case "error" -> {
                if (f.path("code").asText().equals("sync_key_ahead")) {
                    syncKey = f.path("inbox_seq").asLong();
                    syncKeys.accept(syncKey);
                }
            }
            default -> {
            }
        }
        listener.accept(f);
    }

    @Override
    public void close() {
        closing = true;
        timer.shutdownNow();
        WebSocket ws = socket;
        if (ws != null) {
            ws.sendClose(WebSocket.NORMAL_CLOSURE, "done").orTimeout(2, TimeUnit.SECONDS).exceptionally(e -> null).join();
        }
    }
}
