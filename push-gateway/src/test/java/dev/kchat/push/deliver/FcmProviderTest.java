package dev.kchat.push.deliver;

import static dev.kchat.push.deliver.Requests.request;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.nimbusds.jose.crypto.RSASSAVerifier;
import com.nimbusds.jwt.SignedJWT;
import dev.kchat.events.push.PushPlatform;
import dev.kchat.events.push.PushStatus;
import dev.kchat.push.deliver.RecordingServer.Answer;
import dev.kchat.push.deliver.RecordingServer.Received;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.interfaces.RSAPublicKey;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * FCM's HTTP v1 provider against a local stub of Google's documented API, over real HTTP: the
 * OAuth 2.0 token endpoint (JWT bearer grant; the stub checks the assertion's signature with the
 * service account's public key) and {@code messages:send} (checks the bearer token; answers as FCM
 * does: a message name, 404 UNREGISTERED, 503 UNAVAILABLE, 400 INVALID_ARGUMENT).
 */
class FcmProviderTest {

    private static final String PROJECT = "kchat-test";
    private static final String ACCESS_TOKEN = "ya29.test-token";
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private KeyPair account;
    private RecordingServer google;
    private final AtomicInteger tokenCalls = new AtomicInteger();
    private final AtomicInteger busyCalls = new AtomicInteger();

    @BeforeEach
    void start() throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
        generator.initialize(2048);
        account = generator.generateKeyPair();
        google = new RecordingServer(this::answer);
    }

    @AfterEach
    void stop() {
        google.close();
    }

    private Answer answer(Received r) {
        if (r.path().equals("/token")) {
            return token(r);
        }
        if (!r.path().equals("/v1/projects/" + PROJECT + "/messages:send")) {
            return Answer.json(404, "{\"error\":{\"code\":404,\"status\":\"NOT_FOUND\"}}");
        }
        if (!("Bearer " + ACCESS_TOKEN).equals(r.header("Authorization"))) {
            return Answer.json(401, "{\"error\":{\"code\":401,\"status\":\"UNAUTHENTICATED\"}}");
        }
        String token;
        try {
            token = JSON.readTree(r.body()).path("message").path("token").asText();
        } catch (Exception e) {
            return Answer.json(400, "{\"error\":{\"code\":400,\"status\":\"INVALID_ARGUMENT\"}}");
        }
        return switch (token) {
            case "gone" -> Answer.json(404, "{\"error\":{\"code\":404,\"message\":\"Requested entity was not found.\",\"status\":\"NOT_FOUND\","
                    + "\"details\":[{\"@type\":\"type.googleapis.com/google.firebase.fcm.v1.FcmError\",\"errorCode\":\"UNREGISTERED\"}]}}");
            case "busy" -> busyCalls.incrementAndGet() == 1
                    ? new Answer(503, "{\"error\":{\"code\":503,\"status\":\"UNAVAILABLE\"}}", Map.of("Retry-After", "0"))
                    : Answer.json(200, "{\"name\":\"projects/" + PROJECT + "/messages/2\"}");
            case "malformed" -> Answer.json(400, "{\"error\":{\"code\":400,\"status\":\"INVALID_ARGUMENT\","
                    + "\"details\":[{\"@type\":\"type.googleapis.com/google.firebase.fcm.v1.FcmError\",\"errorCode\":\"INVALID_ARGUMENT\"}]}}");
            default -> Answer.json(200, "{\"name\":\"projects/" + PROJECT + "/messages/1\"}");
        };
    }

    /** The token endpoint: a valid JWT bearer grant, signed by the account's key, for FCM's scope. */
    private Answer token(Received r) {
        tokenCalls.incrementAndGet();
        try {
            Map<String, String> form = new java.util.HashMap<>();
            for (String pair : new String(r.body(), StandardCharsets.UTF_8).split("&")) {
                String[] kv = pair.split("=", 2);
                form.put(kv[0], URLDecoder.decode(kv[1], StandardCharsets.UTF_8));
            }
            SignedJWT jwt = SignedJWT.parse(form.get("assertion"));
            boolean valid = form.get("grant_type").equals("urn:ietf:params:oauth:grant-type:jwt-bearer")
                    && jwt.verify(new RSASSAVerifier((RSAPublicKey) account.getPublic()))
                    && jwt.getJWTClaimsSet().getIssuer().equals("push@kchat-test.iam.gserviceaccount.com")
                    && jwt.getJWTClaimsSet().getStringClaim("scope").equals(FcmAccessTokens.SCOPE)
                    && jwt.getJWTClaimsSet().getAudience().contains(google.uri("/token").toString());
            return valid ? Answer.json(200, "{\"access_token\":\"" + ACCESS_TOKEN + "\",\"expires_in\":3599,\"token_type\":\"Bearer\"}")
                    : Answer.json(400, "{\"error\":\"invalid_grant\"}");
        } catch (Exception e) {
            return Answer.json(400, "{\"error\":\"invalid_request\"}");
        }
    }

    @Test
    void shouldSendAnHttpV1MessageWithTheCollapseKeyAndBadgeUsingOneAccessToken() throws Exception {
        FcmProvider fcm = provider();

        Delivery first = fcm.send(request(PushPlatform.FCM, "device-1")).get();
        Delivery second = fcm.send(request(PushPlatform.FCM, "device-2")).get();

        assertThat(first.kind()).isEqualTo(Delivery.Kind.DELIVERED);
        assertThat(first.detail()).contains("projects/kchat-test/messages/1");
        assertThat(second.kind()).isEqualTo(Delivery.Kind.DELIVERED);
        assertThat(tokenCalls.get()).as("the access token is kept until it expires").isEqualTo(1);
        Received sent = google.requests().stream().filter(r -> r.path().endsWith("messages:send")).findFirst().orElseThrow();
        JsonNode message = JSON.readTree(sent.body()).get("message");
        assertThat(message.get("token").asText()).isEqualTo("device-1");
        assertThat(message.at("/notification/title").asText()).isEqualTo("alice");
        assertThat(message.at("/notification/body").asText()).isEqualTo("call me (+2 more)");
        assertThat(message.at("/android/collapse_key").asText()).isEqualTo("d:alice:bob");
        assertThat(message.at("/android/notification/tag").asText()).isEqualTo("d:alice:bob");
        assertThat(message.at("/android/notification/notification_count").asInt()).isEqualTo(5);
        assertThat(message.at("/apns/payload/aps/badge").asInt()).isEqualTo(5);
        assertThat(message.at("/data/push_id").asText()).isEqualTo("bob:phone:7");
        assertThat(message.at("/data/badge").asText()).as("FCM data values are strings").isEqualTo("5");
    }

    @Test
    void shouldReportUnregisteredAsAnInvalidTokenRetryUnavailableAndRefuseInvalidArgument() throws Exception {
        DeliveryAttempts attempts = new DeliveryAttempts(Map.of(PushPlatform.FCM, provider()),
                new RetryPolicy(3, Duration.ofMillis(10), Duration.ofMillis(50)), new DeliveryMetrics(new SimpleMeterRegistry()));

        DeliveryAttempts.Result gone = attempts.deliver(request(PushPlatform.FCM, "gone")).get();
        DeliveryAttempts.Result busy = attempts.deliver(request(PushPlatform.FCM, "busy")).get();
        DeliveryAttempts.Result malformed = attempts.deliver(request(PushPlatform.FCM, "malformed")).get();

        assertThat(gone.status()).isEqualTo(PushStatus.TOKEN_INVALID);
        assertThat(gone.detail()).isEqualTo("HTTP 404 UNREGISTERED");
        assertThat(busy.status()).isEqualTo(PushStatus.DELIVERED);
        assertThat(busy.attempts()).isEqualTo(2);
        assertThat(malformed.status()).isEqualTo(PushStatus.REJECTED);
        assertThat(malformed.attempts()).isEqualTo(1);
    }

    @Test
    void shouldRetryWhenTheTokenEndpointRefusesTheAccount() throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
        generator.initialize(2048);
        account = generator.generateKeyPair(); // the stub now expects another key than the file's
        FcmProvider fcm = FcmProvider.create(serviceAccount(generator.generateKeyPair()), null, base(), Duration.ofSeconds(2));

        Delivery answer = fcm.send(request(PushPlatform.FCM, "device-1")).get();

        assertThat(answer.kind()).isEqualTo(Delivery.Kind.RETRY);
        assertThat(answer.detail()).startsWith("no FCM access token");
        assertThat(google.requests()).noneMatch(r -> r.path().endsWith("messages:send"));
    }

    private FcmProvider provider() throws Exception {
        return FcmProvider.create(serviceAccount(account), null, base(), Duration.ofSeconds(2));
    }

    private URI base() {
        return google.uri("/");
    }

    /** A service account key file as the Firebase console writes it, pointing at the stub's token endpoint. */
    private Path serviceAccount(KeyPair keys) throws Exception {
        String pem = "-----BEGIN PRIVATE KEY-----\n" + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                .encodeToString(keys.getPrivate().getEncoded()) + "\n-----END PRIVATE KEY-----\n";
        var node = JSON.createObjectNode().put("type", "service_account").put("project_id", PROJECT).put("private_key_id", "k1")
                .put("private_key", pem).put("client_email", "push@kchat-test.iam.gserviceaccount.com")
                .put("token_uri", google.uri("/token").toString());
        Path file = Files.createTempFile(dir, "account", ".json");
        Files.write(file, JSON.writeValueAsBytes(node));
        return file;
    }
}
