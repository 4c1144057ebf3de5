package dev.kchat.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.TextNode;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** The HTTP API (docs/api/openapi.yaml) as one user: every call with the bearer token and a timeout. */
public final class Api {

    static final ObjectMapper JSON = new ObjectMapper();
    /** A guard against an answer that never comes (a {@code Prefer: wait} is added to it). */
    static final Duration TIMEOUT = Duration.ofSeconds(30);

    /** An answer: its status and JSON body (null node if it had none). */
    public record Answer(int status, JsonNode body) {

        public boolean ok() {
            return status >= 200 && status < 300;
        }

        /** The error code of an error answer ({@code error.code}), or {@code http_<status>}. */
        public String errorCode() {
            return body.path("error").path("code").asText("http_" + status);
        }

        public String errorMessage() {
            return body.path("error").path("message").asText("");
        }
    }

    /** The platform could not be reached at all. */
    public static final class Unreachable extends Exception {
        Unreachable(String message, Throwable cause) {
            super(message, cause);
        }
    }

    private final String baseUrl;
    private final String token;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    public Api(String baseUrl, String token) {
        this.baseUrl = baseUrl.replaceAll("/+$", "");
        this.token = token;
    }

    /** A body as JSON; one that is not (a proxy's HTML page) as a JSON string, so its text is still shown. */
    static JsonNode parse(String body) {
        if (body.isBlank()) {
            return NullNode.getInstance();
        }
        try {
            return JSON.readTree(body);
        } catch (JsonProcessingException e) {
            return TextNode.valueOf(body);
        }
    }

    public String baseUrl() {
        return baseUrl;
    }

    public Answer get(String path) throws Unreachable, InterruptedException {
        return call("GET", path, null, null, 0);
    }

    /**
     * A request. {@code idempotencyKey} (may be null) is sent as {@code Idempotency-Key};
     * {@code waitSeconds} above 0 as {@code Prefer: wait=N}, so a command is answered with routing's decision.
     */
    public Answer call(String method, String path, JsonNode body, String idempotencyKey, int waitSeconds)
            throws Unreachable, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(baseUrl + path))
                .timeout(TIMEOUT.plusSeconds(waitSeconds))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body.toString()))
                .header("Authorization", "Bearer " + token);
        if (body != null) {
            b.header("Content-Type", "application/json");
        }
        if (idempotencyKey != null) {
            b.header("Idempotency-Key", idempotencyKey);
        }
        if (waitSeconds > 0) {
            b.header("Prefer", "wait=" + waitSeconds);
        }
        try {
            HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
            return new Answer(r.statusCode(), parse(r.body()));
        } catch (ConnectException e) {
            throw new Unreachable("cannot reach " + baseUrl + ": connection refused", e);
        } catch (IOException e) {
            throw new Unreachable("cannot reach " + baseUrl + ": " + e, e);
        }
    }
}
