package dev.kchat.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/** A test device: a real WebSocket client speaking the edge protocol, recording every frame. */
final class WsDevice implements WebSocket.Listener, AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();

    final String user;
    final String device;
    final List<JsonNode> frames = new CopyOnWriteArrayList<>();
    final CompletableFuture<Integer> closed = new CompletableFuture<>();
    private final StringBuilder partial = new StringBuilder();
    private static final java.util.concurrent.ScheduledExecutorService PINGS =
            java.util.concurrent.Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "test-device-pings");
                t.setDaemon(true);
                return t;
            });
    private WebSocket socket;
    private java.util.concurrent.ScheduledFuture<?> pinger;
    private final java.util.concurrent.ExecutorService sender = java.util.concurrent.Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "test-device-sender");
        t.setDaemon(true);
        return t;
    });
    private volatile long lastInboxSeq;

    private WsDevice(String user, String device) {
        this.user = user;
        this.device = device;
    }

    /** Connects and says hello with the inbox seq the device has. */
    static WsDevice connect(String edgeUrl, String token, String user, String device, long sinceInboxSeq) throws Exception {
        WsDevice d = open(edgeUrl, token, user, device);
        d.hello(sinceInboxSeq);
        return d;
    }

    /** Connects without saying hello (tests of the protocol's first frame). */
    static WsDevice open(String edgeUrl, String token, String user, String device) throws Exception {
        WsDevice d = new WsDevice(user, device);
        d.socket = HttpClient.newHttpClient().newWebSocketBuilder()
                .header("Authorization", "Bearer " + token)
                .connectTimeout(Duration.ofSeconds(10))
                .buildAsync(URI.create(edgeUrl), d).get(10, TimeUnit.SECONDS);
        // Like a real client, ping well within the edge's idle timeout.
        d.pinger = PINGS.scheduleAtFixedRate(() -> d.sendAsync("{\"type\":\"ping\"}"), 15, 15, TimeUnit.SECONDS);
        return d;
    }

    /** Says hello with the inbox seq the device has. */
    void hello(long sinceInboxSeq) {
        lastInboxSeq = sinceInboxSeq;
        send("{\"type\":\"hello\",\"device_id\":\"" + device + "\",\"since_inbox_seq\":" + sinceInboxSeq + "}");
    }

    /** Sends a frame and waits until it is written. */
    void send(String frame) {
        sendAsync(frame).join();
    }

    /**
     * The JDK client allows one outstanding send at a time, and this device sends from the test,
     * from its ack-on-receive and from its pinger: every send goes through one sequential queue.
     */
    private CompletableFuture<Void> sendAsync(String frame) {
        return CompletableFuture.runAsync(() -> {
            if (!socket.isOutputClosed()) {
                socket.sendText(frame, true).join();
            } else {
                throw new IllegalStateException("socket of " + user + "/" + device + " is closed");
            }
        }, sender);
    }

    long lastInboxSeq() {
        return lastInboxSeq;
    }

    /** The inbox seqs of the event frames received, in arrival order. */
    List<Long> inboxSeqs() {
        List<Long> out = new ArrayList<>();
        for (JsonNode f : frames) {
            if (f.path("type").asText().equals("event")) {
                out.add(f.get("inbox_seq").asLong());
            }
        }
        return out;
    }

    /** Bodies of the MessagePosted events received in a conversation, in arrival order. */
    List<String> messages(String conversationId) {
        List<String> out = new ArrayList<>();
        for (JsonNode f : frames) {
            JsonNode item = f.path("entry").path("item");
            if (f.path("type").asText().equals("event") && item.path("type").asText().equals("ConversationEvent") && item.path("conversation_id").asText().equals(conversationId)
                    && item.path("payload").path("type").asText().equals("MessagePosted")) {
                out.add(item.path("payload").path("body").asText());
            }
        }
        return out;
    }

    /** Conversation seqs of the events received in a conversation, in arrival order. */
    List<Long> convSeqs(String conversationId) {
        List<Long> out = new ArrayList<>();
        for (JsonNode f : frames) {
            JsonNode item = f.path("entry").path("item");
            if (f.path("type").asText().equals("event") && item.path("type").asText().equals("ConversationEvent") && item.path("conversation_id").asText().equals(conversationId)) {
                out.add(item.path("seq").asLong());
            }
        }
        return out;
    }

    List<JsonNode> framesOfType(String type) {
        return frames.stream().filter(f -> f.path("type").asText().equals(type)).toList();
    }

    /** The close code the edge sent, or -1 if the connection failed; empty while it is open. */
    java.util.Optional<Integer> closeCode() {
        return closed.isDone() ? java.util.Optional.of(closed.join()) : java.util.Optional.empty();
    }

    @Override
    public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
        partial.append(data);
        if (last) {
            try {
                JsonNode frame = JSON.readTree(partial.toString());
                frames.add(frame);
                if (frame.path("type").asText().equals("event")) {
                    lastInboxSeq = frame.get("inbox_seq").asLong();
                    sendAsync("{\"type\":\"ack\",\"inbox_seq\":" + lastInboxSeq + "}");
                }
            } catch (Exception e) {
                throw new IllegalStateException("unparsable frame: " + partial, e);
            }
            partial.setLength(0);
        }
        webSocket.request(1);
        return null;
    }

    @Override
    public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
        closed.complete(statusCode);
        return null;
    }

    @Override
    public void onError(WebSocket webSocket, Throwable error) {
        closed.complete(-1);
    }

    @Override
    public void close() {
        pinger.cancel(false);
        CompletableFuture.runAsync(() -> {
            if (!socket.isOutputClosed()) {
                socket.sendClose(WebSocket.NORMAL_CLOSURE, "bye").orTimeout(5, TimeUnit.SECONDS).exceptionally(e -> null).join();
            }
        }, sender).exceptionally(e -> null).join();
        socket.abort();
        sender.shutdown();
    }
}
