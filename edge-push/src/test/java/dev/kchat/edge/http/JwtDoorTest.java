package dev.kchat.edge.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kchat.api.ApiJson;
import dev.kchat.api.auth.AuthConfig;
import dev.kchat.api.auth.JwtAuthenticator;
import dev.kchat.api.auth.TestTokens;
import dev.kchat.api.http.ApiAnswers;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The authorization matrix at the edge's doors (WebSocket upgrade, long-poll, {@code /v1/edge}), with an
 * issuer and an audience required: every bad token is answered 401 {@code invalid_token} with the
 * Bearer challenge, in the header and as {@code access_token}, before anything behind the door runs.
 * (Every kind of bad token, under HS256 and RS256: client-api's {@code JwtMatrixTest}.)
 */
class JwtDoorTest {

    private static final String SECRET = "an-edge-secret-of-at-least-32-bytes!!";

    private final HttpClient client = HttpClient.newHttpClient();
    private final AtomicInteger reachedBehindTheDoor = new AtomicInteger();
    private DoorServer door;
    private String base;

    @BeforeEach
    void start() {
        door = DoorServer.start(new JwtAuthenticator(new AuthConfig(Optional.of(SECRET), Optional.empty(), Optional.empty(),
                Optional.of(TestTokens.ISSUER), Optional.of(TestTokens.AUDIENCE), Duration.ofSeconds(30))), ex -> {
                    reachedBehindTheDoor.incrementAndGet();
                    ApiAnswers.json(ex, 200, ApiJson.JSON.createObjectNode().put("user_id", ex.getAttachment(Authentication.CALLER).userId()));
                });
        base = door.base();
    }

    @AfterEach
    void stop() {
        door.close();
    }

    @Test
    void shouldAnswerEveryBadToken401InvalidTokenAtEveryDoorWithoutLettingItIn() throws Exception {
        // Given tokens that are each wrong in one way
        Map<String, String> bad = TestTokens.badFor(SECRET);

        for (var token : bad.entrySet()) {
            for (String door : new String[] {"/v1/ws", "/v1/poll", "/v1/edge"}) {
                // When each comes to each door, in the header and in the query
                HttpResponse<String> header = client.send(HttpRequest.newBuilder(URI.create(base + door))
                        .header("Authorization", "Bearer " + token.getValue()).build(), HttpResponse.BodyHandlers.ofString());
                HttpResponse<String> query = client.send(HttpRequest.newBuilder(URI.create(base + door + "?access_token=" + token.getValue()))
                        .build(), HttpResponse.BodyHandlers.ofString());

                // Then it is refused with its code and the challenge
                for (HttpResponse<String> r : new HttpResponse[] {header, query}) {
                    assertThat(r.statusCode()).as("%s at %s: %s", token.getKey(), door, r.body()).isEqualTo(401);
                    assertThat(r.headers().firstValue("WWW-Authenticate")).hasValue("Bearer");
                    assertThat(ApiJson.JSON.readTree(r.body()).at("/error/code").asText()).as(token.getKey()).isEqualTo("invalid_token");
                }
            }
        }

        // And nothing behind the door ran for any of them: the good token after them is the first in
        HttpResponse<String> good = client.send(HttpRequest.newBuilder(URI.create(base + "/v1/edge"))
                .header("Authorization", "Bearer " + TestTokens.hs256(SECRET, TestTokens.good().build())).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(good.statusCode()).isEqualTo(200);
        assertThat(reachedBehindTheDoor).hasValue(1);
    }
}
