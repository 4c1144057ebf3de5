package dev.kchat.push.deliver;

import io.undertow.Undertow;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.function.Function;

/**
 * A real HTTP server on a free port for the adapter tests: records every request (method, path,
 * headers, body) and answers with what the test's function says.
 */
final class RecordingServer implements AutoCloseable {

    /** One request as received. */
    record Received(String method, String path, Map<String, String> headers, byte[] body) {
        String header(String name) {
            return headers.get(name.toLowerCase());
        }
    }

    /** An answer: status, body, extra headers. */
    record Answer(int status, String body, Map<String, String> headers) {
        static Answer of(int status) {
            return new Answer(status, "", Map.of());
        }

        static Answer json(int status, String body) {
            return new Answer(status, body, Map.of("Content-Type", "application/json"));
        }
    }

    private final Undertow server;
    private final BlockingQueue<Received> received = new LinkedBlockingQueue<>();
    private final List<Received> all = new ArrayList<>();

    RecordingServer(Function<Received, Answer> answers) {
        HttpHandler handler = ex -> ex.getRequestReceiver().receiveFullBytes((e, body) -> answer(e, body, answers));
        server = Undertow.builder().addHttpListener(0, "127.0.0.1").setHandler(handler).build();
        server.start();
    }

    private void answer(HttpServerExchange ex, byte[] body, Function<Received, Answer> answers) {
        Map<String, String> headers = new HashMap<>();
        ex.getRequestHeaders().forEach(h -> headers.put(h.getHeaderName().toString().toLowerCase(), h.getFirst()));
        Received r = new Received(ex.getRequestMethod().toString(), ex.getRequestPath(), headers, body);
        synchronized (all) {
            all.add(r);
        }
        received.add(r);
        Answer a = answers.apply(r);
        ex.setStatusCode(a.status());
        a.headers().forEach((k, v) -> ex.getResponseHeaders().put(io.undertow.util.HttpString.tryFromString(k), v));
        ex.getResponseSender().send(a.body());
    }

    URI uri(String path) {
        int port = ((InetSocketAddress) server.getListenerInfo().get(0).getAddress()).getPort();
        return URI.create("http://127.0.0.1:" + port + path);
    }

    /** Every request so far, in arrival order. */
    List<Received> requests() {
        synchronized (all) {
            return List.copyOf(all);
        }
    }

    @Override
    public void close() {
        server.stop();
    }
}
