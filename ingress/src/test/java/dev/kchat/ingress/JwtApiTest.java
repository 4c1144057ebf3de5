package dev.kchat.ingress;

import static dev.kchat.store.TestEvents.created;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kchat.api.auth.TestTokens;
import dev.kchat.events.chat.ChatCommand;
import dev.kchat.events.chat.SendMessage;
import dev.kchat.events.common.ConversationKind;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The authorization matrix over the real HTTP API (issue 15), with an issuer and an audience required:
 * a send and a read with each kind of bad token are answered 401 {@code invalid_token}, and no command
 * reaches Kafka (the valid send after them is the conversation's first command). Every kind of bad
 * token under HS256 and RS256: client-api's {@code JwtMatrixTest}; a removed member's reads:
 * {@code ReadAccessApiTest}; their sends, refused by routing: {@code CommandOutcomesEndToEndTest}.
 */
class JwtApiTest {

    private static final String GROUP = "g-jwt";

    private static final ObjectMapper JSON = new ObjectMapper();

    private static TestIngress ingress;
    private final HttpClient http = HttpClient.newHttpClient();

    @BeforeAll
    static void start() {
        ingress = TestIngress.start("ingress_jwt", Map.of("auth.jwt.issuer", TestTokens.ISSUER, "auth.jwt.audience", TestTokens.AUDIENCE));
        ingress.store(created(GROUP, ConversationKind.GROUP, "alice", "bob"));
    }

    @AfterAll
    static void stop() {
        if (ingress != null) {
            ingress.close();
        }
    }

    private HttpResponse<String> call(String token, String method, String path, String body) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + ingress.port() + path))
                .timeout(Duration.ofSeconds(30)).header("Content-Type", "application/json").header("Authorization", "Bearer " + token)
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body))
                .build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void shouldRefuseEveryBadTokenWith401InvalidTokenAndProduceNothing() throws Exception {
        // Given tokens that are each wrong in one way
        Map<String, String> bad = TestTokens.badFor(TestIngress.SECRET);

        String messages = "/v1/conversations/" + GROUP + "/messages";
        for (var token : bad.entrySet()) {
            // When alice sends and reads with it
            HttpResponse<String> send = call(token.getValue(), "POST", messages,
                    "{\"client_msg_id\":\"bad-" + token.getKey().replace(' ', '-') + "\",\"body\":\"hi\"}");
            HttpResponse<String> read = call(token.getValue(), "GET", messages, null);

            // Then both are refused with the code, before anything else is looked at
            for (HttpResponse<String> r : List.of(send, read)) {
                assertThat(r.statusCode()).as("%s: %s", token.getKey(), r.body()).isEqualTo(401);
                assertThat(JSON.readTree(r.body()).at("/error/code").asText()).as(token.getKey()).isEqualTo("invalid_token");
            }
        }

        // And none of the sends reached Kafka: a valid send after them is the conversation's only command
        assertThat(call(TestTokens.hs256(TestIngress.SECRET, TestTokens.good().build()), "POST", messages,
                "{\"client_msg_id\":\"marker\",\"body\":\"hi\"}").statusCode()).isEqualTo(202);
        List<ChatCommand> commands = ingress.recordsUpTo(ingress.topics().commands(), GROUP,
                c -> c.getPayload() instanceof SendMessage s && s.getClientMsgId().equals("marker"));
        assertThat(commands).hasSize(1);
    }
}
