package dev.kchat.ingress.http;

import dev.kchat.api.ApiException;
import dev.kchat.api.ApiJson;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.Headers;
import java.nio.charset.StandardCharsets;
import java.util.Deque;
import java.util.OptionalLong;

/** Small helpers over Undertow's exchange: JSON answers, the error shape, parameters. */
public final class Exchanges {

    private Exchanges() {
    }

    /** Answers a JSON body. Safe from any thread once the exchange was dispatched. */
    public static void json(HttpServerExchange ex, int status, JsonNode body) {
        String text;
        try {
            text = ApiJson.JSON.writeValueAsString(body);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write a JSON answer", e);
        }
        ex.setStatusCode(status);
        ex.getResponseHeaders().put(Headers.CONTENT_TYPE, "application/json; charset=utf-8");
        ex.getResponseSender().send(text, StandardCharsets.UTF_8);
    }

    /** Answers the API's error shape: {@code {"error": {"code": ..., "message": ...}}}. */
    public static void error(HttpServerExchange ex, int status, String code, String message) {
        ObjectNode body = ApiJson.JSON.createObjectNode();
        body.putObject("error").put("code", code).put("message", message);
        json(ex, status, body);
    }

    public static String pathParam(HttpServerExchange ex, String name) {
        Deque<String> values = ex.getQueryParameters().get(name);
        if (values == null || values.isEmpty()) {
            throw ApiException.badRequest("missing_parameter", "missing path parameter " + name);
        }
        return values.getFirst();
    }

    /** A non-negative integer query parameter, if present. */
    public static OptionalLong longParam(HttpServerExchange ex, String name) {
        Deque<String> values = ex.getQueryParameters().get(name);
        if (values == null || values.isEmpty() || values.getFirst().isEmpty()) {
            return OptionalLong.empty();
        }
        try {
            long value = Long.parseLong(values.getFirst());
            if (value < 0) {
                throw new NumberFormatException();
            }
            return OptionalLong.of(value);
        } catch (NumberFormatException e) {
            throw ApiException.badRequest("invalid_parameter", name + " must be a non-negative integer");
        }
    }

    public static String stringParam(HttpServerExchange ex, String name, String defaultValue) {
        Deque<String> values = ex.getQueryParameters().get(name);
        return values == null || values.isEmpty() ? defaultValue : values.getFirst();
    }
}
