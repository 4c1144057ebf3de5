package dev.kchat.edge.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kchat.api.ApiJson;
import dev.kchat.api.auth.AuthConfig;
import dev.kchat.api.auth.JwtAuthenticator;
import dev.kchat.api.auth.JwtAuthenticator.Caller;
import dev.kchat.api.auth.TokenMinter;
import dev.kchat.api.http.ApiAnswers;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The edge's HTTP doors: bearer token in the header or {@code access_token}, the caller (with its token's expiry) attached. */
class AuthenticationTest {

    private static final String SECRET = "a-local-secret-of-at-least-32-bytes!!";

    private final TokenMinter minter = new TokenMinter(SECRET, null);
    private final HttpClient client = HttpClient.newHttpClient();
    private DoorServer door;
    private String base;

    @BeforeEach
    void start() {
        door = DoorServer.start(new JwtAuthenticator(AuthConfig.hs256(SECRET)), ex -> {
            Caller caller = ex.getAttachment(Authentication.CALLER);
            ApiAnswers.json(ex, 200, ApiJson.JSON.createObjectNode().put("user_id", caller.userId())
                    .put("device_id", caller.deviceId()).put("expires_at", caller.expiresAt().toString()));
        });
        base = door.base();
    }

    @AfterEach
    void stop() {
        door.close();
    }

    @Test
    void shouldAttachTheCallerWithItsTokensExpiry() throws Exception {
        // Given a token that expires in 5 minutes (JWT times are whole seconds)
        Instant before = Instant.now().plus(Duration.ofMinutes(5)).minusSeconds(1);
        String token = minter.mint("alice", Duration.ofMinutes(5));

        // When it comes in the Authorization header, then as access_token (browsers' WebSockets)
        HttpResponse<String> header = client.send(HttpRequest.newBuilder(URI.create(base + "/v1/poll"))
                .header("Authorization", "Bearer " + token).header("X-Device-Id", "phone").build(), HttpResponse.BodyHandlers.ofString());
        HttpResponse<String> query = client.send(HttpRequest.newBuilder(URI.create(base + "/v1/ws?access_token=" + token)).build(),
                HttpResponse.BodyHandlers.ofString());

        // Then both reach the door as alice, with the token's exp
        for (HttpResponse<String> r : java.util.List.of(header, query)) {
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
            var body = ApiJson.JSON.readTree(r.body());
            assertThat(body.path("user_id").asText()).isEqualTo("alice");
            assertThat(Instant.parse(body.path("expires_at").asText())).isBetween(before, before.plusSeconds(2));
        }
        assertThat(ApiJson.JSON.readTree(header.body()).path("device_id").asText()).isEqualTo("phone");
    }

    @Test
    void shouldAnswer401WithTheBearerChallengeWithoutAValidToken() throws Exception {
        HttpResponse<String> none = client.send(HttpRequest.newBuilder(URI.create(base + "/v1/edge")).build(),
                HttpResponse.BodyHandlers.ofString());
        HttpResponse<String> expired = client.send(HttpRequest.newBuilder(URI.create(base + "/v1/edge"))
                .header("Authorization", "Bearer " + minter.mint("alice", Duration.ofMinutes(-5))).build(),
                HttpResponse.BodyHandlers.ofString());

        assertThat(none.statusCode()).isEqualTo(401);
        assertThat(none.headers().firstValue("WWW-Authenticate")).hasValue("Bearer");
        assertThat(none.headers().firstValue("Content-Type")).hasValue("application/json; charset=utf-8");
        assertThat(none.body()).isEqualTo("{\"error\":{\"code\":\"missing_token\",\"message\":\"Authorization: Bearer <token> is required\"}}");
        assertThat(expired.statusCode()).isEqualTo(401);
        assertThat(ApiJson.JSON.readTree(expired.body()).at("/error/code").asText()).isEqualTo("invalid_token");
    }
}
