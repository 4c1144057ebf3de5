package dev.kchat.edge.http;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kchat.api.ApiJson;
import dev.kchat.api.http.ApiAnswers;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.Headers;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.util.Map;
import java.util.Optional;

/**
 * The web client (a resource folder of plain HTML, JavaScript and CSS, no build step): {@code GET /}
 * is its page, {@code GET /web/{file}} its scripts and styles, and {@code GET /web/config.json} tells
 * the page where the HTTP API is ({@code edge.web.api.url}; absent, the API is on the page's own
 * origin, as behind a load balancer that routes {@code /v1} to ingress). The API must then let the
 * page's origin in ({@code ingress.cors.origins}).
 */
public final class WebClient implements HttpHandler {

    /** The client's files, next to {@code dev.kchat.edge.EdgeApp}. */
    public static final String FOLDER = "/dev/kchat/edge/web/";
    public static final String PAGE = "index.html";
    public static final String CONFIG = "config.json";

    /** The files served, with their content types: nothing else in the folder is reachable. */
    static final Map<String, String> FILES = Map.of(
            PAGE, "text/html; charset=utf-8",
            "app.js", "text/javascript; charset=utf-8",
            "state.js", "text/javascript; charset=utf-8",
            "view.js", "text/javascript; charset=utf-8",
            "app.css", "text/css; charset=utf-8");

    private final String config;

    /** @param apiUrl the HTTP API's base URL as the browser reaches it (without {@code /v1}), if not this origin */
    public WebClient(Optional<String> apiUrl) {
        ObjectNode json = ApiJson.JSON.createObjectNode();
        apiUrl.ifPresentOrElse(url -> json.put("api_url", url), () -> json.putNull("api_url"));
        this.config = json.toString();
    }

    @Override
    public void handleRequest(HttpServerExchange ex) throws IOException {
        String file = ex.getRequestPath().equals("/") ? PAGE : ex.getRequestPath().replaceFirst("^/web/", "");
        ex.getResponseHeaders().put(Headers.CACHE_CONTROL, "no-cache");
        if (file.equals(CONFIG)) {
            ex.getResponseHeaders().put(Headers.CONTENT_TYPE, "application/json");
            ex.getResponseSender().send(config);
            return;
        }
        String type = FILES.get(file);
        if (type == null) {
            ApiAnswers.error(ex, 404, "not_found", "no such file of the web client: " + file);
            return;
        }
        try (InputStream in = WebClient.class.getResourceAsStream(FOLDER + file)) {
            ex.getResponseHeaders().put(Headers.CONTENT_TYPE, type);
            ex.getResponseSender().send(ByteBuffer.wrap(in.readAllBytes()));
        }
    }
}
