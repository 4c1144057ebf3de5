package dev.kchat.push.deliver;

import static dev.kchat.push.deliver.Requests.request;
import static org.assertj.core.api.Assertions.assertThat;

import com.eatthepath.pushy.apns.ApnsClientBuilder;
import com.eatthepath.pushy.apns.auth.ApnsSigningKey;
import com.eatthepath.pushy.apns.auth.ApnsVerificationKey;
import com.eatthepath.pushy.apns.server.MockApnsServer;
import com.eatthepath.pushy.apns.server.MockApnsServerBuilder;
import com.eatthepath.pushy.apns.server.MockApnsServerListener;
import com.eatthepath.pushy.apns.server.RejectionReason;
import com.eatthepath.pushy.apns.server.ValidatingPushNotificationHandlerFactory;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kchat.events.push.PushPlatform;
import dev.kchat.events.push.PushStatus;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http2.Http2Headers;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.ECPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The APNs provider (Pushy's client) against Pushy's own {@link MockApnsServer} over TLS and HTTP/2,
 * with token authentication: the server validates the signing key, the topic and the device token
 * as APNs does ({@link ValidatingPushNotificationHandlerFactory}), and answers DeviceTokenNotForTopic
 * for a token it does not know under the topic and Unregistered (410) for one that has expired.
 */
class ApnsProviderTest {

    private static final String TEAM = "TEAM123456";
    private static final String KEY_ID = "KEY1234567";
    private static final String TOPIC = "dev.kchat.app";
    private static final String GOOD = "a1".repeat(32);
    private static final String EXPIRED = "b2".repeat(32);
    private static final String UNKNOWN = "c3".repeat(32);

    // One server and client for the class: each costs Netty's event loop shutdown (seconds) to stop.
    private static MockApnsServer server;
    private static ApnsProvider apns;
    private static final List<Http2Headers> accepted = new CopyOnWriteArrayList<>();
    private static final List<String> payloads = new CopyOnWriteArrayList<>();

    @BeforeEach
    void forget() {
        accepted.clear();
        payloads.clear();
    }

    @BeforeAll
    static void start() throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(new ECGenParameterSpec("secp256r1"));
        KeyPair key = generator.generateKeyPair();
        ApnsVerificationKey verification = new ApnsVerificationKey(KEY_ID, TEAM, (ECPublicKey) key.getPublic());
        try (InputStream chain = resource("apns/server.pem"); InputStream privateKey = resource("apns/server-key.pem")) {
            server = new MockApnsServerBuilder()
                    .setServerCredentials(chain, privateKey, null)
                    .setHandlerFactory(new ValidatingPushNotificationHandlerFactory(
                            Map.of(TOPIC, Set.of(GOOD, EXPIRED)),
                            Map.of(EXPIRED, Instant.parse("2026-01-01T00:00:00Z")),
                            Map.of(KEY_ID, verification),
                            Map.of(verification, Set.of(TOPIC))))
                    .setListener(new MockApnsServerListener() {
                        @Override
                        public void handlePushNotificationAccepted(Http2Headers headers, ByteBuf payload) {
                            accepted.add(headers);
                            payloads.add(payload == null ? "" : payload.toString(StandardCharsets.UTF_8));
                        }

                        @Override
                        public void handlePushNotificationRejected(Http2Headers headers, ByteBuf payload, RejectionReason reason,
                                Instant deviceTokenExpirationTimestamp) {
                        }
                    })
                    .build();
        }
        int port = ((Number) server.start(0).get()).intValue();
        try (InputStream ca = resource("apns/ca.pem")) {
            apns = new ApnsProvider(new ApnsClientBuilder().setApnsServer("localhost", port)
                    .setSigningKey(new ApnsSigningKey(KEY_ID, TEAM, (ECPrivateKey) key.getPrivate()))
                    .setTrustedServerCertificateChain(ca).build());
        }
    }

    @AfterAll
    static void stop() throws Exception {
        if (apns != null) {
            apns.close();
        }
        server.shutdown().get();
    }

    @Test
    void shouldDeliverAnAlertWithBadgeCollapseIdAndApnsIdOfThePush() throws Exception {
        Delivery answer = apns.send(request(PushPlatform.APNS, GOOD)).get();

        assertThat(answer.kind()).isEqualTo(Delivery.Kind.DELIVERED);
        assertThat(answer.detail()).isEqualTo("HTTP 200");
        Http2Headers headers = accepted.get(0);
        assertThat(headers.get("apns-topic").toString()).isEqualTo(TOPIC);
        assertThat(headers.get("apns-collapse-id").toString()).isEqualTo("d:alice:bob");
        assertThat(headers.get("apns-id").toString()).isEqualTo(ApnsProvider.apnsId("bob:phone:7").toString());
        assertThat(headers.get("apns-push-type").toString()).isEqualTo("alert");
        JsonNode aps = new ObjectMapper().readTree(payloads.get(0)).get("aps");
        assertThat(aps.get("badge").asInt()).isEqualTo(5);
        assertThat(aps.at("/alert/title").asText()).isEqualTo("alice");
        assertThat(aps.at("/alert/body").asText()).isEqualTo("call me (+2 more)");
        assertThat(aps.get("thread-id").asText()).isEqualTo("d:alice:bob");
    }

    @Test
    void shouldReportAnUnknownOrExpiredDeviceTokenAsInvalid() throws Exception {
        DeliveryAttempts attempts = new DeliveryAttempts(Map.of(PushPlatform.APNS, apns),
                new RetryPolicy(3, Duration.ofMillis(10), Duration.ofMillis(50)), new DeliveryMetrics(new SimpleMeterRegistry()));

        DeliveryAttempts.Result unknown = attempts.deliver(request(PushPlatform.APNS, UNKNOWN)).get();
        DeliveryAttempts.Result expired = attempts.deliver(request(PushPlatform.APNS, EXPIRED)).get();

        assertThat(unknown.status()).isEqualTo(PushStatus.TOKEN_INVALID);
        assertThat(unknown.detail()).as("the mock server's answer for a token it does not know under the topic")
                .isEqualTo("HTTP 400 DeviceTokenNotForTopic");
        assertThat(expired.status()).isEqualTo(PushStatus.TOKEN_INVALID);
        assertThat(expired.detail()).isEqualTo("HTTP 410 Unregistered");
        assertThat(accepted).isEmpty();
    }

    @Test
    void shouldRefuseForGoodATopicTheKeyIsNotFor() throws Exception {
        var wrongTopic = dev.kchat.events.push.PushRequest.newBuilder(request(PushPlatform.APNS, GOOD)).setAppId("com.other.app").build();

        Delivery answer = apns.send(wrongTopic).get();

        assertThat(answer.kind()).isIn(Delivery.Kind.REJECTED, Delivery.Kind.TOKEN_INVALID);
        assertThat(accepted).isEmpty();
    }

    @Test
    void shouldHashACollapseKeyLongerThanApnsTakes() {
        String key = "g:" + "x".repeat(100);

        assertThat(ApnsProvider.collapseId(key)).hasSize(64).isNotEqualTo(key);
        assertThat(ApnsProvider.collapseId("d:alice:bob")).isEqualTo("d:alice:bob");
    }

    private static InputStream resource(String name) {
        return ApnsProviderTest.class.getClassLoader().getResourceAsStream(name);
    }
}
