package dev.kchat.api.http;

import io.undertow.Handlers;
import io.undertow.Undertow;
import io.undertow.server.HttpHandler;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

/** An Undertow server on a free loopback port that answers every request with one handler; for tests of answers. */
final class OneHandlerServer implements AutoCloseable {

    private final Undertow server;
    private final HttpClient client = HttpClient.newHttpClient();
    private final int port;

    OneHandlerServer(HttpHandler handler) {
        server = Undertow.builder().addHttpListener(0, "127.0.0.1").setIoThreads(1).setWorkerThreads(1)
                .setHandler(handler).build();
        server.start();
        port = ((InetSocketAddress) server.getListenerInfo().get(0).getAddress()).getPort();
    }

    /** A server whose handler is a routing handler with one GET route ({@code /items/{seq}}, say). */
    static OneHandlerServer routing(String template, HttpHandler handler) {
        return new OneHandlerServer(Handlers.routing().get(template, handler));
    }

    HttpResponse<String> get(String pathAndQuery) throws IOException, InterruptedException {
        return client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + pathAndQuery)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Override
    public void close() {
        server.stop();
    }
}
