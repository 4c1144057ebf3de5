package dev.kchat.api.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kchat.api.ApiException;
import dev.kchat.api.ApiJson;
import dev.kchat.api.auth.JwtAuthenticator.AuthenticationException;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.Headers;
import java.nio.charset.StandardCharsets;

/**
 * The answers of the platform's HTTP doors: a JSON body with {@code Content-Type: application/json;
 * charset=utf-8}, and errors in the API's shape {@code {"error":{"code":..,"message":..}}}.
 *
 * <p>Each method sets the status and headers, sends the body as UTF-8 and ends the exchange; it is
 * safe from any thread once the exchange was dispatched, and must be called once per exchange.
 */
public final class ApiAnswers {

    /** The {@code Content-Type} of every JSON answer. */
    public static final String JSON_CONTENT_TYPE = "application/json; charset=utf-8";

    private ApiAnswers() {
    }

    /** Answers {@code body} with {@code status}. */
    public static void json(HttpServerExchange ex, int status, JsonNode body) {
        String text;
        try {
            text = ApiJson.JSON.writeValueAsString(body);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write a JSON answer", e);
        }
        ex.setStatusCode(status);
        ex.getResponseHeaders().put(Headers.CONTENT_TYPE, JSON_CONTENT_TYPE);
        ex.getResponseSender().send(text, StandardCharsets.UTF_8);
    }

    /** Answers the error shape {@code {"error":{"code":code,"message":message}}} with {@code status}. */
    public static void error(HttpServerExchange ex, int status, String code, String message) {
        json(ex, status, errorBody(code, message));
    }

    /**
     * Answers a refused request: its status, code and message in the error shape, and
     * {@code Retry-After} in whole seconds (rounded up) when the refusal says when to retry.
     */
    public static void error(HttpServerExchange ex, ApiException refused) {
        refused.retryAfter().ifPresent(wait -> ex.getResponseHeaders().put(Headers.RETRY_AFTER,
                String.valueOf(Math.max(1, (wait.toMillis() + 999) / 1000))));
        error(ex, refused.status(), refused.code(), refused.getMessage());
    }

    /** Answers a failed authentication: 401 with {@code WWW-Authenticate: Bearer} and its code and message. */
    public static void unauthorized(HttpServerExchange ex, AuthenticationException failure) {
        ex.getResponseHeaders().put(Headers.WWW_AUTHENTICATE, "Bearer");
        error(ex, 401, failure.code(), failure.getMessage());
    }

    /**
     * The error shape, for an answer that adds fields to it: the inner object is
     * {@code body.withObjectProperty("error")}, where a door puts what the client needs to go on (e.g.
     * {@code inbox_seq}, after {@code code} and {@code message}).
     */
    public static ObjectNode errorBody(String code, String message) {
        ObjectNode body = ApiJson.JSON.createObjectNode();
        body.putObject("error").put("code", code).put("message", message);
        return body;
    }
}
