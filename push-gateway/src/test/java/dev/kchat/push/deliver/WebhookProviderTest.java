package dev.kchat.push.deliver;

import static dev.kchat.push.deliver.Requests.request;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kchat.events.push.PushPlatform;
import dev.kchat.events.push.PushRequest;
import dev.kchat.events.push.PushStatus;
import dev.kchat.push.deliver.RecordingServer.Answer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The signed webhook against a real HTTP receiver, alone and through the retrying {@link DeliveryAttempts}. */
class WebhookProviderTest {

    private static final byte[] SECRET = "s3cret".getBytes(StandardCharsets.UTF_8);
    private static final Instant NOW = Instant.parse("2026-11-26T10:00:05Z");
    private static final RetryPolicy FAST = new RetryPolicy(3, Duration.ofMillis(10), Duration.ofMillis(50));

    @Test
    void shouldPostASignedJsonBodyThatTheReceiverCanVerify() throws Exception {
        try (RecordingServer receiver = new RecordingServer(r -> Answer.of(204))) {
            WebhookProvider webhook = webhook(receiver.uri("/push"));

            Delivery answer = webhook.send(request(PushPlatform.WEBHOOK, "handle-1")).get();

            assertThat(answer.kind()).isEqualTo(Delivery.Kind.DELIVERED);
            RecordingServer.Received got = receiver.requests().get(0);
            assertThat(got.method()).isEqualTo("POST");
            assertThat(got.path()).isEqualTo("/push");
            assertThat(got.header(WebhookSignature.PUSH_ID_HEADER)).isEqualTo("bob:phone:7");
            assertThat(got.header(WebhookSignature.TIMESTAMP_HEADER)).isEqualTo(String.valueOf(NOW.getEpochSecond()));
            assertThat(WebhookSignature.verify(SECRET, got.header(WebhookSignature.TIMESTAMP_HEADER), got.body(),
                    got.header(WebhookSignature.SIGNATURE_HEADER), NOW.getEpochSecond(), 300)).isTrue();
            JsonNode body = new ObjectMapper().readTree(got.body());
            assertThat(body.get("token").asText()).isEqualTo("handle-1");
            assertThat(body.get("title").asText()).isEqualTo("alice");
            assertThat(body.get("body").asText()).isEqualTo("call me (+2 more)");
            assertThat(body.get("badge").asLong()).isEqualTo(5);
            assertThat(body.get("collapse_key").asText()).isEqualTo("d:alice:bob");
            assertThat(body.get("last_inbox_seq").asLong()).isEqualTo(7);
        }
    }

    @Test
    void shouldFailVerificationOfATamperedBodyAnOtherSecretOrAnOldTimestamp() {
        byte[] body = "{\"badge\":5}".getBytes(StandardCharsets.UTF_8);
        long at = NOW.getEpochSecond();
        String signature = WebhookSignature.sign(SECRET, at, body);

        assertThat(WebhookSignature.verify(SECRET, String.valueOf(at), body, signature, at, 300)).isTrue();
        assertThat(WebhookSignature.verify(SECRET, String.valueOf(at), "{\"badge\":6}".getBytes(StandardCharsets.UTF_8), signature, at, 300))
                .isFalse();
        assertThat(WebhookSignature.verify("other".getBytes(StandardCharsets.UTF_8), String.valueOf(at), body, signature, at, 300)).isFalse();
        assertThat(WebhookSignature.verify(SECRET, String.valueOf(at), body, signature, at + 301, 300)).isFalse();
        assertThat(WebhookSignature.verify(SECRET, "x", body, signature, at, 300)).isFalse();
    }

    @Test
    void shouldHideTheTextWhenTheRequestIsHidden() throws Exception {
        try (RecordingServer receiver = new RecordingServer(r -> Answer.of(200))) {
            PushRequest hidden = PushRequest.newBuilder(request(PushPlatform.WEBHOOK, "h")).setHidden(true).setTitle(null).setBody(null)
                    .build();

            webhook(receiver.uri("/")).send(hidden).get();

            JsonNode body = new ObjectMapper().readTree(receiver.requests().get(0).body());
            assertThat(body.get("title").asText()).isEqualTo("kchat");
            assertThat(body.get("body").asText()).isEqualTo("New message (3)");
            assertThat(new String(receiver.requests().get(0).body(), StandardCharsets.UTF_8)).doesNotContain("call me");
        }
    }

    @Test
    void shouldRetryATransientFailureWithBackoffAndThenDeliver() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        try (RecordingServer receiver = new RecordingServer(r -> calls.incrementAndGet() < 3 ? Answer.of(503) : Answer.of(200))) {
            DeliveryAttempts attempts = attempts(webhook(receiver.uri("/")));

            DeliveryAttempts.Result result = attempts.deliver(request(PushPlatform.WEBHOOK, "h")).get();

            assertThat(result.status()).isEqualTo(PushStatus.DELIVERED);
            assertThat(result.attempts()).isEqualTo(3);
            assertThat(receiver.requests()).extracting(r -> r.header(WebhookSignature.PUSH_ID_HEADER))
                    .as("the same push id on every attempt").containsOnly("bob:phone:7").hasSize(3);
        }
    }

    @Test
    void shouldReportAGoneHandleAsAnInvalidTokenAndNotRetryIt() throws Exception {
        try (RecordingServer receiver = new RecordingServer(r -> Answer.of(410))) {
            DeliveryAttempts.Result result = attempts(webhook(receiver.uri("/"))).deliver(request(PushPlatform.WEBHOOK, "h")).get();

            assertThat(result.status()).isEqualTo(PushStatus.TOKEN_INVALID);
            assertThat(result.attempts()).isEqualTo(1);
            assertThat(result.detail()).isEqualTo("HTTP 410");
        }
    }

    @Test
    void shouldRefuseForGoodOnAClientErrorAndFailAfterTheLastAttempt() throws Exception {
        try (RecordingServer refusing = new RecordingServer(r -> Answer.of(400));
                RecordingServer down = new RecordingServer(r -> Answer.of(500))) {
            assertThat(attempts(webhook(refusing.uri("/"))).deliver(request(PushPlatform.WEBHOOK, "h")).get().status())
                    .isEqualTo(PushStatus.REJECTED);
            DeliveryAttempts.Result failed = attempts(webhook(down.uri("/"))).deliver(request(PushPlatform.WEBHOOK, "h")).get();
            assertThat(failed.status()).isEqualTo(PushStatus.FAILED);
            assertThat(failed.attempts()).isEqualTo(3);
            assertThat(down.requests()).hasSize(3);
        }
    }

    @Test
    void shouldRetryAnUnreachableReceiverAndRejectAPlatformWithoutProvider() throws Exception {
        URI closed;
        try (RecordingServer gone = new RecordingServer(r -> Answer.of(200))) {
            closed = gone.uri("/");
        }
        DeliveryAttempts attempts = attempts(webhook(closed));

        DeliveryAttempts.Result unreachable = attempts.deliver(request(PushPlatform.WEBHOOK, "h")).get();
        DeliveryAttempts.Result noProvider = attempts.deliver(request(PushPlatform.APNS, "a")).get();

        assertThat(unreachable.status()).isEqualTo(PushStatus.FAILED);
        assertThat(unreachable.detail()).startsWith("webhook unreachable");
        assertThat(noProvider.status()).isEqualTo(PushStatus.REJECTED);
        assertThat(noProvider.detail()).isEqualTo("no provider configured for APNS");
    }

    @Test
    void shouldHonourRetryAfterUpToTheMaximumAndBackOffExponentially() {
        RetryPolicy policy = new RetryPolicy(5, Duration.ofMillis(200), Duration.ofSeconds(10));

        assertThat(policy.delayAfter(1, Duration.ofSeconds(3))).isEqualTo(Duration.ofSeconds(3));
        assertThat(policy.delayAfter(1, Duration.ofMinutes(3))).isEqualTo(Duration.ofSeconds(10));
        assertThat(policy.delayAfter(1, null)).isBetween(Duration.ofMillis(160), Duration.ofMillis(240));
        assertThat(policy.delayAfter(3, null)).isBetween(Duration.ofMillis(640), Duration.ofMillis(960));
        assertThat(policy.delayAfter(20, null)).as("capped, jitter below").isBetween(Duration.ofSeconds(8), Duration.ofSeconds(10));
        assertThat(RetryAfter.parse("7")).isEqualTo(Duration.ofSeconds(7));
        assertThat(RetryAfter.parse("Wed, 21 Oct 2015 07:28:00 GMT")).isNull();
    }

    private static WebhookProvider webhook(URI uri) {
        return new WebhookProvider(uri, SECRET, Duration.ofSeconds(2), Clock.fixed(NOW, ZoneOffset.UTC));
    }

    private static DeliveryAttempts attempts(PushProvider provider) {
        return new DeliveryAttempts(Map.of(provider.platform(), provider), FAST, new DeliveryMetrics(new SimpleMeterRegistry()));
    }
}
