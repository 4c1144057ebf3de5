package dev.kchat.edge.session;

import dev.kchat.edge.sync.DeliverySpan;
import io.undertow.websockets.core.WebSocketCallback;
import io.undertow.websockets.core.WebSocketChannel;
import io.undertow.websockets.core.WebSockets;
import java.io.IOException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The writing side of one WebSocket connection: text frames queued on the channel up to a bound
 * (counted until flushed), close frames, and when the connection is gone. Policy (what to do with a
 * client that does not read, which close code) is the {@link Session}'s.
 */
final class FrameSocket {

    private static final Logger log = LoggerFactory.getLogger(FrameSocket.class);

    private final WebSocketChannel channel;
    private final int maxQueuedFrames;
    private final AtomicInteger queued = new AtomicInteger();
    private final CompletableFuture<Void> gone = new CompletableFuture<>();

    FrameSocket(WebSocketChannel channel, int maxQueuedFrames) {
        this.channel = channel;
        this.maxQueuedFrames = maxQueuedFrames;
        channel.addCloseTask(ch -> gone.complete(null));
    }

    /** The peer's address (host, no port). */
    String sourceHost() {
        java.net.InetSocketAddress peer = channel.getSourceAddress();
        return peer == null ? null : peer.getHostString();
    }

    /** Frames written but not yet flushed to the socket. */
    int queuedFrames() {
        return queued.get();
    }

    /** Whether a replay page may be written: the queue is less than half full. */
    boolean hasRoomForReplay() {
        return queued.get() < Math.max(1, maxQueuedFrames / 2);
    }

    /**
     * Queues a frame, part of the current delivery's span until written.
     *
     * @param onFailure called (on an I/O thread) if the frame cannot be written
     * @return false, and nothing sent, if the queue is full: the client does not read
     */
    boolean send(String frame, Consumer<Throwable> onFailure) {
        if (queued.incrementAndGet() > maxQueuedFrames) {
            queued.decrementAndGet();
            return false;
        }
        // A live inbox entry's frame is part of its delivery's span until written (no-op otherwise).
        DeliverySpan delivery = DeliverySpan.current();
        delivery.frameQueued();
        WebSockets.sendText(frame, channel, new WebSocketCallback<Void>() {
            @Override
            public void complete(WebSocketChannel ch, Void context) {
                queued.decrementAndGet();
                delivery.frameWritten();
            }

            @Override
            public void onError(WebSocketChannel ch, Void context, Throwable failure) {
                queued.decrementAndGet();
                delivery.frameFailed(failure);
                onFailure.accept(failure);
            }
        });
        return true;
    }

    /** Sends a close frame with {@code code} and {@code reason}, then closes the channel. */
    void sendClose(int code, String reason) {
        WebSockets.sendClose(code, reason, channel, new WebSocketCallback<Void>() {
            @Override
            public void complete(WebSocketChannel ch, Void context) {
                closeQuietly(ch);
            }

            @Override
            public void onError(WebSocketChannel ch, Void context, Throwable failure) {
                closeQuietly(ch);
            }
        });
    }

    /** Whether the connection is still open (its close frame may not have been flushed yet). */
    boolean isOpen() {
        return channel.isOpen();
    }

    /** Completes when the connection is closed, by either side. */
    CompletableFuture<Void> gone() {
        return gone;
    }

    private static void closeQuietly(WebSocketChannel ch) {
        try {
            ch.close();
        } catch (IOException e) {
            log.debug("closing a WebSocket failed: {}", e.toString());
        }
    }
}
