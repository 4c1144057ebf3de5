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
import java.util.regex.Pattern;

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

    /**
     * The largest seq, limit or other integer a parameter may carry: 2^53 - 1, the largest integer
     * every JSON client (JavaScript's numbers included) holds exactly. No conversation or inbox comes
     * near it, and it keeps {@code seq + 1} far from overflowing a long.
     */
    public static final long MAX_INTEGER = 9_007_199_254_740_991L;
    private static final Pattern DIGITS = Pattern.compile("[0-9]{1,16}");

    /**
     * A non-negative integer query parameter, if present (an empty value counts as absent): ASCII
     * digits only, at most {@link #MAX_INTEGER}; anything else (a sign, a fraction, an exponent, spaces,
     * other scripts' digits, an overflow) is {@code 400 invalid_parameter}.
     */
    public static OptionalLong longParam(HttpServerExchange ex, String name) {
        Deque<String> values = ex.getQueryParameters().get(name);
        if (values == null || values.isEmpty() || values.getFirst().isEmpty()) {
            return OptionalLong.empty();
        }
        return OptionalLong.of(integer(name, values.getFirst(), 0));
    }

    /** A path parameter that is a seq: an integer from 1 to {@link #MAX_INTEGER}, else {@code 400 invalid_parameter}. */
    public static long seqPathParam(HttpServerExchange ex, String name) {
        return integer(name, pathParam(ex, name), 1);
    }

    private static long integer(String name, String text, long min) {
        long value = DIGITS.matcher(text).matches() ? Long.parseLong(text) : -1;
        if (value < min || value > MAX_INTEGER) {
            throw ApiException.badRequest("invalid_parameter", name + " must be an integer from " + min + " to " + MAX_INTEGER
                    + ", not '" + abbreviated(text) + "'");
        }
        return value;
    }

    private static String abbreviated(String text) {
        return text.length() <= 40 ? text : text.substring(0, 40) + "...";
    }

    public static String stringParam(HttpServerExchange ex, String name, String defaultValue) {
        Deque<String> values = ex.getQueryParameters().get(name);
        return values == null || values.isEmpty() ? defaultValue : values.getFirst();
    }
}
