package dev.kchat.api.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kchat.api.ApiException;
import dev.kchat.api.ApiJson;
import dev.kchat.api.auth.JwtAuthenticator.AuthenticationException;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;

/** The bytes, status and headers every HTTP door answers with. */
class ApiAnswersTest {

    @Test
    void shouldAnswerJsonAsUtf8WithItsContentType() throws Exception {
        try (OneHandlerServer server = new OneHandlerServer(ex ->
                ApiAnswers.json(ex, 202, ApiJson.JSON.createObjectNode().put("body", "héllo ✓").put("seq", 9_007_199_254_740_991L)))) {
            HttpResponse<String> r = server.get("/");

            assertThat(r.statusCode()).isEqualTo(202);
            assertThat(r.headers().firstValue("Content-Type")).hasValue("application/json; charset=utf-8");
            assertThat(r.body()).isEqualTo("{\"body\":\"héllo ✓\",\"seq\":9007199254740991}");
        }
    }

    @Test
    void shouldAnswerTheErrorShapeWithCodeThenMessage() throws Exception {
        try (OneHandlerServer server = new OneHandlerServer(ex -> ApiAnswers.error(ex, 409, "conflict", "it \"clashes\""))) {
            HttpResponse<String> r = server.get("/");

            assertThat(r.statusCode()).isEqualTo(409);
            assertThat(r.headers().firstValue("Content-Type")).hasValue("application/json; charset=utf-8");
            assertThat(r.body()).isEqualTo("{\"error\":{\"code\":\"conflict\",\"message\":\"it \\\"clashes\\\"\"}}");
        }
    }

    @Test
    void shouldAnswerARefusedRequestWithItsStatusCodeAndMessage() throws Exception {
        try (OneHandlerServer server = new OneHandlerServer(ex -> ApiAnswers.error(ex, ApiException.notFound("gone", "no such thing")))) {
            HttpResponse<String> r = server.get("/");

            assertThat(r.statusCode()).isEqualTo(404);
            assertThat(r.body()).isEqualTo("{\"error\":{\"code\":\"gone\",\"message\":\"no such thing\"}}");
        }
    }

    @Test
    void shouldAnswerAFailedAuthentication401WithTheBearerChallenge() throws Exception {
        try (OneHandlerServer server = new OneHandlerServer(ex ->
                ApiAnswers.unauthorized(ex, new AuthenticationException("invalid_token", "token is not a JWT")))) {
            HttpResponse<String> r = server.get("/");

            assertThat(r.statusCode()).isEqualTo(401);
            assertThat(r.headers().firstValue("WWW-Authenticate")).hasValue("Bearer");
            assertThat(r.body()).isEqualTo("{\"error\":{\"code\":\"invalid_token\",\"message\":\"token is not a JWT\"}}");
        }
    }

    @Test
    void shouldLetADoorAddFieldsToTheErrorAfterCodeAndMessage() {
        var body = ApiAnswers.errorBody("sync_key_ahead", "poll again");
        body.withObjectProperty("error").put("inbox_seq", 7);

        assertThat(body.toString()).isEqualTo("{\"error\":{\"code\":\"sync_key_ahead\",\"message\":\"poll again\",\"inbox_seq\":7}}");
    }
}
