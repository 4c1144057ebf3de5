package dev.kchat.ingress;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kchat.api.auth.TokenMinter;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.function.IntSupplier;

/** Calls the API as a user, with a token minted for them; every call has a timeout, so a hang fails. */
final class ApiClient {

    private static final ObjectMapper JSON = new ObjectMapper();
    /** A guard against a request that never gets an answer, not a measure of speed. */
    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    private final HttpClient http = HttpClient.newHttpClient();
    private final TokenMinter tokens;
    private final IntSupplier port;
    private final String[] roles;

    ApiClient(String secret, IntSupplier port) {
        this(new TokenMinter(secret, null), port, new String[0]);
    }

    private ApiClient(TokenMinter tokens, IntSupplier port, String[] roles) {
        this.tokens = tokens;
        this.port = port;
        this.roles = roles;
    }

    /** The same client, whose tokens grant {@code roles} (their {@code roles} claim). */
    ApiClient withRoles(String... roles) {
        return new ApiClient(tokens, port, roles.clone());
    }

    URI uri(String path) {
        return URI.create("http://127.0.0.1:" + port.getAsInt() + path);
    }

    /** Sends a request as {@code user} (no token if null) and returns the answer as it came. */
    HttpResponse<String> send(String user, String method, String path, HttpRequest.BodyPublisher body)
            throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri(path)).timeout(TIMEOUT).method(method, body)
                .header("Content-Type", "application/json");
        if (user != null) {
            request.header("Authorization", "Bearer " + tokens.mint(user, Duration.ofMinutes(5), roles));
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** A call whose answer must have {@code status} and a JSON body, which is returned. */
    JsonNode call(String user, String method, String path, String jsonBody, int status) throws IOException, InterruptedException {
        HttpResponse<String> response = send(user, method, path, jsonBody == null
                ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(jsonBody));
        return expect(response, status, method + " " + path + " " + (jsonBody == null ? "" : jsonBody) + " as " + user);
    }

    JsonNode get(String user, String path, int status) throws IOException, InterruptedException {
        return call(user, "GET", path, null, status);
    }

    static JsonNode expect(HttpResponse<String> response, int status, String what) throws IOException {
        assertThat(response.statusCode()).as("%s -> %s", what, response.body()).isEqualTo(status);
        assertThat(response.headers().firstValue("Content-Type")).as(what)
                .hasValueSatisfying(t -> assertThat(t).startsWith("application/json"));
        return JSON.readTree(response.body());
    }

    /** The API's error shape with {@code code} and a message. */
    static void assertError(JsonNode body, String code) {
        assertThat(body.at("/error/code").asText()).as("%s", body).isEqualTo(code);
        assertThat(body.at("/error/message").asText()).as("%s", body).isNotBlank();
    }
}
