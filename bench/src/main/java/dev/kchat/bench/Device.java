package dev.kchat.bench;

import io.undertow.websockets.core.AbstractReceiveListener;
import io.undertow.websockets.core.BufferedTextMessage;
import io.undertow.websockets.core.CloseMessage;
import io.undertow.websockets.core.WebSocketCallback;
import io.undertow.websockets.core.WebSocketChannel;
import io.undertow.websockets.core.WebSockets;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BiConsumer;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xnio.IoUtils;

/**
 * One simulated device: a WebSocket to the edge speaking docs/edge-protocol.md. It says hello with
 * its SyncKey (the newest inbox seq it has), reports posted messages to the client's ledger, and,
 * when the edge closes it (slow consumer, resync, rebalance), comes back with its SyncKey, as a real
 * client must: at once to the edge a {@code redirect} or {@code reconnect} frame names (another edge
 * owns its user's inbox partition), with backoff otherwise. All its callbacks run on the client's I/O
 * threads.
 */
public final class Device {

    private static final Logger log = LoggerFactory.getLogger(Device.class);

    final int index;
    final String user;
    final String deviceId;
    final String token;
    private final LoadClient client;
    private volatile WebSocketChannel channel;
    private volatile long lastInboxSeq;
    private volatile long lastAcked;
    private volatile boolean wanted;
    private volatile CompletableFuture<Void> ready = new CompletableFuture<>();
    private volatile int closeCode = -1;
    /** The edge to connect to, as the last redirect named it; null: the client's configured edge. */
    private volatile String edgeUrl;
    /** The edge named the owner of this user: the close that follows is not a failure. */
    private volatile boolean redirected;
    /** The edge the current connection was opened to, and when it opened. */
    private volatile String connectedEdge;
    private volatile long connectedAt;
    /** This connection holds one of the client's connect permits (from connect until set up). */
    private final AtomicBoolean settling = new AtomicBoolean();
    private volatile long events;
    /** Server channels the edge answered {@code viewing} for, over all connections. */
    private volatile int viewing;
    /** Gets this device's {@code member_list} and {@code member_list_update} frames (on its I/O thread); null: ignored. */
    private volatile BiConsumer<Device, String> memberListFrames;
    private int attempts;

    Device(LoadClient client, int index, String user, String deviceId, String token) {
        this.client = client;
        this.index = index;
        this.user = user;
        this.deviceId = deviceId;
        this.token = token;
    }

    /** Inbox events this device received over all its connections. */
    public long events() {
        return events;
    }

    /** Channel views the edge confirmed ({@code viewing} frames). */
    public int viewing() {
        return viewing;
    }

    /** Asks the edge to deliver a server channel's broadcasts to this connection ({@code view_channel}). */
    boolean viewChannel(String serverId, String channelId) {
        return send("{\"type\":\"view_channel\",\"server_id\":\"" + serverId + "\",\"channel_id\":\"" + channelId + "\"}", null);
    }

    /**
     * Subscribes this connection to ranges of a server's member list ({@code subscribe_members}); the
     * edge's {@code member_list} answer and its {@code member_list_update} frames go to {@code frames}.
     */
    boolean subscribeMembers(String serverId, List<int[]> ranges, BiConsumer<Device, String> frames) {
        memberListFrames = frames;
        String json = ranges.stream().map(r -> "[" + r[0] + "," + r[1] + "]").collect(Collectors.joining(","));
        return send("{\"type\":\"subscribe_members\",\"server_id\":\"" + serverId + "\",\"ranges\":[" + json + "]}", null);
    }

    public long lastInboxSeq() {
        return lastInboxSeq;
    }

    public boolean isOpen() {
        WebSocketChannel c = channel;
        return c != null && c.isOpen();
    }

    /** Where this device connects: the edge its last redirect named, else null (the configured edge). */
    String edgeUrl() {
        return edgeUrl;
    }

    /** Completes when the edge has sent {@code ready} on the current connection (replay done). */
    public CompletableFuture<Void> ready() {
        return ready;
    }

    /** Opens the socket (through the client's connect limiter) and says hello with the SyncKey. */
    CompletableFuture<Void> open() {
        wanted = true;
        CompletableFuture<Void> r = new CompletableFuture<>();
        ready = r;
        client.connect(this);
        return r;
    }

    void connecting(String edge) {
        connectedEdge = edge;
    }

    void connected(WebSocketChannel ch) {
        connectedAt = System.nanoTime();
        if (!wanted) {
            client.connectSettled();
            IoUtils.safeClose(ch);
            return;
        }
        settling.set(true);
        channel = ch;
        attempts = 0;
        closeCode = -1;
        ch.getReceiveSetter().set(new Listener());
        ch.addCloseTask(c -> closed());
        ch.resumeReceives();
        send("{\"type\":\"hello\",\"device_id\":\"" + deviceId + "\",\"since_inbox_seq\":" + lastInboxSeq + "}", null);
    }

    void connectFailed(IOException e) {
        client.stats.connectFailures.increment();
        if (attempts == 0) {
            log.warn("device {} of {} could not connect: {}", deviceId, user, e.toString());
        }
        retryLater();
    }

    /** Gives the connect permit back once per connection: set up, redirected or closed. */
    private void settled() {
        if (settling.compareAndSet(true, false)) {
            client.connectSettled();
        }
    }

    private void closed() {
        settled();
        channel = null;
        if (!wanted) {
            return;
        }
        // The edge closed us (or the connection broke): resume from the SyncKey, as the protocol asks.
        ready = ready.isDone() ? new CompletableFuture<>() : ready;
        if (redirected) {
            redirected = false;
            attempts = 0;
            client.schedule(() -> {
                if (wanted && channel == null) {
                    client.connect(this);
                }
            }, client.jitterMillis(20));
            return;
        }
        client.stats.reconnects.increment();
        retryLater();
    }

    private void retryLater() {
        if (!wanted) {
            return;
        }
        long delayMs = Math.min(2_000, 50L << Math.min(attempts, 6)) + client.jitterMillis(100);
        attempts++;
        client.schedule(() -> {
            if (wanted && channel == null) {
                client.connect(this);
            }
        }, delayMs);
    }

    /** Closes on purpose: no reconnect until {@link #open} is called again. */
    void drop() {
        wanted = false;
        WebSocketChannel c = channel;
        if (c != null) {
            try {
                c.sendClose();
            } catch (IOException e) {
                log.debug("close of {} failed, closing the socket: {}", deviceId, e.toString());
            }
            IoUtils.safeClose(c);
        }
    }

    /**
     * Sends a frame; {@code onFailure} (may be null) runs if it cannot be written. Returns false if the
     * device has no open connection.
     */
    boolean send(String frame, Runnable onFailure) {
        WebSocketChannel c = channel;
        if (c == null || !c.isOpen()) {
            return false;
        }
        WebSockets.sendText(frame, c, onFailure == null ? null : new WebSocketCallback<Void>() {
            @Override
            public void complete(WebSocketChannel ch, Void context) {
            }

            @Override
            public void onError(WebSocketChannel ch, Void context, Throwable throwable) {
                log.debug("send on {} failed: {}", deviceId, throwable.toString());
                onFailure.run();
            }
        });
        return true;
    }

    /** Acks the newest inbox seq if it moved since the last ack. */
    void ackIfDue() {
        long seq = lastInboxSeq;
        if (seq > lastAcked && send("{\"type\":\"ack\",\"inbox_seq\":" + seq + "}", null)) {
            lastAcked = seq;
            client.stats.acksOut.increment();
        }
    }

    void ping() {
        send("{\"type\":\"ping\"}", null);
    }

    private void onFrame(String text) {
        long now = System.nanoTime();
        ClientStats stats = client.stats;
        stats.framesIn.increment();
        FrameScanner.Frame f = FrameScanner.scan(text);
        switch (f.kind()) {
            case EVENT -> {
                stats.events.increment();
                events++; // written only by this device's I/O thread
                if (f.inboxSeq() <= lastInboxSeq) {
                    stats.seqRegressions.increment();
                    log.warn("device {} got inbox seq {} after {}", deviceId, f.inboxSeq(), lastInboxSeq);
                } else {
                    lastInboxSeq = f.inboxSeq();
                }
                if (f.messagePosted()) {
                    client.delivered(index, f.clientMsgId(), now);
                }
            }
            case BROADCAST -> {
                stats.broadcasts.increment();
                if (f.messagePosted()) {
                    client.delivered(index, f.clientMsgId(), now);
                }
            }
            case READY -> {
                settled();
                ready.complete(null);
            }
            case SENT -> stats.sentAcks.increment();
            case TYPING -> stats.typingIn.increment();
            case VIEWING -> viewing++; // written only by this device's I/O thread
            case MEMBER_LIST, MEMBER_LIST_UPDATE -> {
                BiConsumer<Device, String> frames = memberListFrames;
                if (frames != null) {
                    frames.accept(this, text);
                }
            }
            case ERROR -> {
                stats.error(f.code());
                client.refused(f.ref());
            }
            case REDIRECT, RECONNECT -> {
                // The close that follows is handled by closed(): to the named edge at once, else
                // back to the configured one (which redirects once the group names an owner).
                settled();
                edgeUrl = f.edge();
                if (f.edge() != null) {
                    redirected = true;
                    stats.redirects.increment();
                }
            }
            default -> {
                // pong, presence
            }
        }
    }

    private final class Listener extends AbstractReceiveListener {
        @Override
        protected void onFullTextMessage(WebSocketChannel ch, BufferedTextMessage message) {
            onFrame(message.getData());
        }

        @Override
        protected void onCloseMessage(CloseMessage cm, WebSocketChannel ch) {
            closeCode = cm.getCode();
            client.stats.closedByServer(cm.getCode(), connectedEdge, (System.nanoTime() - connectedAt) / 1_000_000);
        }

        @Override
        protected void onError(WebSocketChannel ch, Throwable error) {
            if (wanted) {
                log.debug("socket of {} failed: {}", deviceId, error.toString());
            }
            super.onError(ch, error);
        }
    }

    int lastCloseCode() {
        return closeCode;
    }
}
