package dev.kchat.local;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * The HTTP API of a test platform, called as a user with a token minted by the platform: the
 * end-to-end tests' one way to make requests. Every call has a timeout, so a hang fails the test.
 */
final class PlatformClient {

    private static final ObjectMapper JSON = new ObjectMapper();
    /** A guard against a request that never gets an answer, not a measure of speed. */
    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    /** An answer: its status and JSON body. */
    record Answer(int status, JsonNode body) {
    }

    private final LocalPlatform platform;
    private final HttpClient http = HttpClient.newHttpClient();

    PlatformClient(LocalPlatform platform) {
        this.platform = platform;
    }

    /**
     * A request as {@code user} (with {@code roles}, if any). {@code wait} sends {@code Prefer:
     * wait=20}, so a command is answered with routing's decision; {@code requestId} (may be null) is
     * sent as {@code Idempotency-Key}.
     */
    Answer call(String user, String method, String path, String body, boolean wait, String requestId, String... roles)
            throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(platform.ingressUrl() + path)).timeout(TIMEOUT)
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body))
                .header("Content-Type", "application/json")
                .header("Authorization", "Bearer " + platform.token(user, Duration.ofHours(1), roles));
        if (wait) {
            b.header("Prefer", "wait=20");
        }
        if (requestId != null) {
            b.header("Idempotency-Key", requestId);
        }
        HttpResponse<String> response = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
        return new Answer(response.statusCode(), JSON.readTree(response.body()));
    }

    /** A request whose answer must have {@code status}; returns its body. */
    JsonNode expect(String user, String method, String path, String body, int status, String... roles) throws Exception {
        Answer answer = call(user, method, path, body, false, null, roles);
        assertThat(answer.status()).as("%s %s as %s -> %s", method, path, user, answer.body()).isEqualTo(status);
        return answer.body();
    }
}
