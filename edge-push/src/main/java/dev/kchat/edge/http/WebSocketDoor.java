package dev.kchat.edge.http;

import dev.kchat.edge.frames.FrameRouter;
import dev.kchat.edge.protocol.Frames;
import dev.kchat.edge.session.Session;
import dev.kchat.edge.session.Sessions;
import dev.kchat.edge.sync.InboxCursor;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.undertow.websockets.WebSocketConnectionCallback;
import io.undertow.websockets.core.AbstractReceiveListener;
import io.undertow.websockets.core.BufferedTextMessage;
import io.undertow.websockets.core.CloseMessage;
import io.undertow.websockets.core.StreamSourceFrameChannel;
import io.undertow.websockets.core.WebSocketMessages;
import io.undertow.websockets.core.WebSocketChannel;
import io.undertow.websockets.spi.WebSocketHttpExchange;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xnio.IoUtils;

/**
 * {@code GET /v1/ws} after the upgrade: makes the session, reads its text frames (at most
 * {@code limits.max.body.bytes}, refused at the transport with 1009 before more is buffered) into the
 * {@link FrameRouter}, refuses binary frames (1003), and closes a connection that does not say
 * {@code hello} in time (4400).
 */
public final class WebSocketDoor implements WebSocketConnectionCallback {

    private static final Logger log = LoggerFactory.getLogger(WebSocketDoor.class);

    private final Sessions sessions;
    private final FrameRouter router;
    private final int maxFrameBytes;
    private final ScheduledExecutorService workers;
    private final Duration idleTimeout;
    private final Duration helloTimeout;
    private final BooleanSupplier stopping;
    private final Counter framesIn;
    private final Counter helloTimedOut;
    private final Counter tooBig;
    private final Counter binary;

    public WebSocketDoor(Sessions sessions, FrameRouter router, ScheduledExecutorService workers,
            int maxFrameBytes, Duration idleTimeout, Duration helloTimeout, BooleanSupplier stopping, MeterRegistry metrics) {
        this.sessions = sessions;
        this.router = router;
        this.maxFrameBytes = maxFrameBytes;
        this.workers = workers;
        this.idleTimeout = idleTimeout;
        this.helloTimeout = helloTimeout;
        this.stopping = stopping;
        this.framesIn = metrics.counter("kchat.edge.frames.in");
        this.helloTimedOut = metrics.counter("kchat.edge.closed", "reason", "hello_timeout");
        this.tooBig = metrics.counter("kchat.edge.closed", "reason", "frame_too_large");
        this.binary = metrics.counter("kchat.edge.closed", "reason", "binary_not_supported");
    }

    @Override
    public void onConnect(WebSocketHttpExchange exchange, WebSocketChannel channel) {
        Session session = sessions.create(channel, exchange.getAttachment(Authentication.CALLER));
        if (stopping.getAsBoolean()) {
            session.send(Frames.reconnect("edge_shutdown", null));
            session.close(Frames.CLOSE_GOING_AWAY, "edge shutting down");
            return;
        }
        sessions.add(session);
        channel.setIdleTimeout(idleTimeout.toMillis());
        channel.getReceiveSetter().set(new AbstractReceiveListener() {
            /** Undertow stops reading a text message beyond this, sends close 1009 and reports the error below. */
            @Override
            protected long getMaxTextBufferSize() {
                return maxFrameBytes;
            }

            @Override
            protected void onFullTextMessage(WebSocketChannel ch, BufferedTextMessage message) {
                framesIn.increment();
                router.onFrame(session, message.getData());
            }

            /** Binary frames are refused unread: the protocol is JSON text. */
            @Override
            protected void onBinary(WebSocketChannel ch, StreamSourceFrameChannel frame) {
                framesIn.increment();
                binary.increment();
                session.send(Frames.error("binary_not_supported", "frames are JSON text; binary frames are refused", null));
                session.close(Frames.CLOSE_UNSUPPORTED_DATA, "binary_not_supported");
                IoUtils.safeClose(frame);
            }

            @Override
            protected void onCloseMessage(CloseMessage cm, WebSocketChannel ch) {
                session.closedByPeer();
            }

            @Override
            protected void onError(WebSocketChannel ch, Throwable error) {
                if (error instanceof IOException && WebSocketMessages.MESSAGES.messageToBig(maxFrameBytes).equals(error.getMessage())) {
                    tooBig.increment();
                    log.info("{} sent a frame over {} bytes: closed with {}", session, maxFrameBytes, Frames.CLOSE_TOO_BIG);
                    session.closedByTransport("frame_too_large");
                } else {
                    log.debug("WebSocket of {} failed: {}", session, error.toString());
                    session.closedByPeer();
                }
                super.onError(ch, error);
            }
        });
        channel.addCloseTask(ch -> session.closedByPeer());
        channel.resumeReceives();
        workers.schedule(() -> {
            if (session.state() == InboxCursor.State.AWAITING_HELLO) {
                helloTimedOut.increment();
                session.send(Frames.error("hello_timeout", "send hello within " + helloTimeout.toSeconds()
                        + " s of connecting", null));
                session.close(Frames.CLOSE_PROTOCOL_ERROR, "hello_timeout");
            }
        }, helloTimeout.toMillis(), TimeUnit.MILLISECONDS);
    }
}
