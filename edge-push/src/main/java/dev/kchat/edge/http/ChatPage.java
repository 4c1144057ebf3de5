package dev.kchat.edge.http;

import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.Headers;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

/** {@code GET /}: a minimal browser client of the protocol ({@code chat.html}), for trying the platform locally. */
public final class ChatPage implements HttpHandler {

    /** The page, a resource next to {@code dev.kchat.edge.EdgeApp}. */
    public static final String RESOURCE = "/dev/kchat/edge/chat.html";

    @Override
    public void handleRequest(HttpServerExchange ex) throws IOException {
        try (InputStream in = ChatPage.class.getResourceAsStream(RESOURCE)) {
            ex.getResponseHeaders().put(Headers.CONTENT_TYPE, "text/html; charset=utf-8");
            ex.getResponseSender().send(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        }
    }
}
