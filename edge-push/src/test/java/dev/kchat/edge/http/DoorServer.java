package dev.kchat.edge.http;

import dev.kchat.api.auth.JwtAuthenticator;
import io.undertow.Undertow;
import io.undertow.server.HttpHandler;
import java.net.InetSocketAddress;

/** The edge's authentication door on a free port, in front of a test's handler. */
final class DoorServer implements AutoCloseable {

    private final Undertow server;
    private final String base;

    private DoorServer(Undertow server) {
        this.server = server;
        this.base = "http://127.0.0.1:" + ((InetSocketAddress) server.getListenerInfo().get(0).getAddress()).getPort();
    }

    /** Starts {@code behind} behind {@link Authentication} with this authenticator. */
    static DoorServer start(JwtAuthenticator authenticator, HttpHandler behind) {
        Undertow server = Undertow.builder().addHttpListener(0, "127.0.0.1").setIoThreads(1).setWorkerThreads(1)
                .setHandler(new Authentication(authenticator).authenticated(behind)).build();
        server.start();
        return new DoorServer(server);
    }

    /** {@code http://127.0.0.1:<port>} */
    String base() {
        return base;
    }

    @Override
    public void close() {
        server.stop();
    }
}
