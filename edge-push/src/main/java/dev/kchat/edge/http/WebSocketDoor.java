package dev.kchat.edge.http;

import dev.kchat.api.auth.JwtAuthenticator.Caller;
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
import io.undertow.websockets.core.WebSocketChannel;
import io.undertow.websockets.spi.WebSocketHttpExchange;
import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code GET /v1/ws} after the upgrade: makes the session, reads its frames into the
 * {@link FrameRouter}, and closes a connection that does not say {@code hello} in time (4400).
 */
public final class WebSocketDoor implements WebSocketConnectionCallback {

    private static final Logger log = LoggerFactory.getLogger(WebSocketDoor.class);

    private final Sessions sessions;
    private final FrameRouter router;
    private final ScheduledExecutorService workers;
    private final Duration idleTimeout;
    private final Duration helloTimeout;
    private final BooleanSupplier stopping;
    private final Counter framesIn;
    private final Counter helloTimedOut;

    public WebSocketDoor(Sessions sessions, FrameRouter router, ScheduledExecutorService workers, Duration idleTimeout,
            Duration helloTimeout, BooleanSupplier stopping, MeterRegistry metrics) {
        this.sessions = sessions;
        this.router = router;
        this.workers = workers;
        this.idleTimeout = idleTimeout;
        this.helloTimeout = helloTimeout;
        this.stopping = stopping;
        this.framesIn = metrics.counter("kchat.edge.frames.in");
        this.helloTimedOut = metrics.counter("kchat.edge.closed", "reason", "hello_timeout");
    }

    @Override
    public void onConnect(WebSocketHttpExchange exchange, WebSocketChannel channel) {
        Caller caller = exchange.getAttachment(Authentication.CALLER);
        Session session = sessions.create(channel, caller);
        if (stopping.getAsBoolean()) {
            session.send(Frames.reconnect("edge_shutdown", null));
            session.close(Frames.CLOSE_GOING_AWAY, "edge shutting down");
            return;
        }
        sessions.add(session);
        channel.setIdleTimeout(idleTimeout.toMillis());
        channel.getReceiveSetter().set(new AbstractReceiveListener() {
            @Override
            protected void onFullTextMessage(WebSocketChannel ch, BufferedTextMessage message) {
                framesIn.increment();
                router.onFrame(session, message.getData());
            }

            @Override
            protected void onCloseMessage(CloseMessage cm, WebSocketChannel ch) {
                session.closedByPeer();
            }

            @Override
            protected void onError(WebSocketChannel ch, Throwable error) {
                log.debug("WebSocket of {} failed: {}", session, error.toString());
                session.closedByPeer();
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
