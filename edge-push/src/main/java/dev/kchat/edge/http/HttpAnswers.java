package dev.kchat.edge.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kchat.api.ApiJson;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.Headers;

/** JSON answers of the edge's HTTP doors, errors in the API's shape: {@code {"error":{"code","message"}}}. */
public final class HttpAnswers {

    private HttpAnswers() {
    }

    public static void error(HttpServerExchange ex, int status, String code, String message) {
        ObjectNode body = ApiJson.JSON.createObjectNode();
        body.putObject("error").put("code", code).put("message", message);
        json(ex, status, body);
    }

    public static void json(HttpServerExchange ex, int status, JsonNode body) {
        ex.setStatusCode(status);
        ex.getResponseHeaders().put(Headers.CONTENT_TYPE, "application/json; charset=utf-8");
        ex.getResponseSender().send(body.toString());
    }
}
