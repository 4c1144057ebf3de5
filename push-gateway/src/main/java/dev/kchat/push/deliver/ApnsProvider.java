package dev.kchat.push.deliver;

import com.eatthepath.pushy.apns.ApnsClient;
import com.eatthepath.pushy.apns.ApnsClientBuilder;
import com.eatthepath.pushy.apns.DeliveryPriority;
import com.eatthepath.pushy.apns.PushType;
import com.eatthepath.pushy.apns.auth.ApnsSigningKey;
import com.eatthepath.pushy.apns.util.SimpleApnsPayloadBuilder;
import com.eatthepath.pushy.apns.util.SimpleApnsPushNotification;
import dev.kchat.events.push.PushPlatform;
import dev.kchat.events.push.PushRequest;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Apple's push service through Pushy (HTTP/2, token-based authentication with the team's signing
 * key). The APNs topic is the token's app id (the bundle id); {@code apns-collapse-id} is the
 * collapse key (hashed when longer than APNs' 64 bytes), {@code apns-id} a name-based UUID of the
 * push id, {@code thread-id} the conversation, and the badge is the user's unread count.
 *
 * <p>Answers, as Apple documents them: accepted delivered; {@code BadDeviceToken},
 * {@code Unregistered} (410) and {@code DeviceTokenNotForTopic} mean the token is gone;
 * {@code TooManyRequests}, {@code InternalServerError}, {@code ServiceUnavailable},
 * {@code Shutdown} and a failed connection retry; anything else is refused for good.
 */
public final class ApnsProvider implements PushProvider {

    /** Longest {@code apns-collapse-id} APNs takes, in bytes. */
    static final int MAX_COLLAPSE_ID_BYTES = 64;
    /** How long APNs keeps trying to reach an offline device. */
    static final Duration EXPIRATION = Duration.ofDays(1);
    private static final Set<String> TOKEN_GONE = Set.of("BadDeviceToken", "Unregistered", "DeviceTokenNotForTopic");
    private static final Set<String> TRANSIENT = Set.of("TooManyRequests", "InternalServerError", "ServiceUnavailable", "Shutdown");
    private static final Logger log = LoggerFactory.getLogger(ApnsProvider.class);

    private final ApnsClient client;

    ApnsProvider(ApnsClient client) {
        this.client = client;
    }

    /**
     * A provider for the APNs server at {@code host:port} with the team's {@code .p8} signing key;
     * {@code trustedCa} null trusts the JVM's certificate authorities (Apple's servers), else only it.
     */
    public static ApnsProvider create(String host, int port, File signingKey, String teamId, String keyId, File trustedCa,
            Duration timeout) {
        try {
            ApnsClientBuilder builder = new ApnsClientBuilder().setApnsServer(host, port)
                    .setSigningKey(ApnsSigningKey.loadFromPkcs8File(signingKey, teamId, keyId))
                    .setConnectionTimeout(timeout);
            if (trustedCa != null) {
                builder.setTrustedServerCertificateChain(trustedCa);
            }
            return new ApnsProvider(builder.build());
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalArgumentException("cannot set up the APNs client for " + host + ":" + port + ": " + e.getMessage(), e);
        }
    }

    @Override
    public PushPlatform platform() {
        return PushPlatform.APNS;
    }

    @Override
    public CompletableFuture<Delivery> send(PushRequest r) {
        SimpleApnsPushNotification notification = new SimpleApnsPushNotification(r.getToken(), r.getAppId(), payload(r),
                Instant.now().plus(EXPIRATION), DeliveryPriority.IMMEDIATE, PushType.ALERT, collapseId(r.getCollapseKey()),
                apnsId(r.getPushId()));
        return client.sendNotification(notification).handle((response, failure) -> {
            if (failure != null) {
                return Delivery.retry("APNs unreachable: " + WebhookProvider.rootMessage(failure), null);
            }
            if (response.isAccepted()) {
                return Delivery.delivered("HTTP " + response.getStatusCode());
            }
            String reason = response.getRejectionReason().orElse("unknown");
            String detail = "HTTP " + response.getStatusCode() + " " + reason;
            if (TOKEN_GONE.contains(reason)) {
                return Delivery.tokenInvalid(detail);
            }
            return TRANSIENT.contains(reason) ? Delivery.retry(detail, null) : Delivery.rejected(detail);
        });
    }

    static String payload(PushRequest r) {
        SimpleApnsPayloadBuilder b = new SimpleApnsPayloadBuilder();
        b.setAlertTitle(NotificationText.title(r)).setAlertBody(NotificationText.body(r))
                .setBadgeNumber((int) Math.min(Integer.MAX_VALUE, r.getBadge()))
                .setSound(SimpleApnsPayloadBuilder.DEFAULT_SOUND_FILENAME)
                .setThreadId(r.getCollapseKey())
                .addCustomProperty("push_id", r.getPushId())
                .addCustomProperty("kind", r.getKind().name())
                .addCustomProperty("last_inbox_seq", r.getLastInboxSeq());
        if (r.getConversationId() != null) {
            b.addCustomProperty("conversation_id", r.getConversationId());
        }
        if (r.getLastConvSeq() != null) {
            b.addCustomProperty("last_conv_seq", r.getLastConvSeq());
        }
        return b.build();
    }

    /** The collapse key as APNs takes it: itself when short enough, else its SHA-256 in hex (64 bytes). */
    static String collapseId(String key) {
        if (key.getBytes(StandardCharsets.UTF_8).length <= MAX_COLLAPSE_ID_BYTES) {
            return key;
        }
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }

    /** The same push id always gives the same {@code apns-id}. */
    static UUID apnsId(String pushId) {
        return UUID.nameUUIDFromBytes(pushId.getBytes(StandardCharsets.UTF_8));
    }

    /** Waits for notifications in flight (up to 10 s), then closes the connections. */
    @Override
    public void close() {
        try {
            client.close().get(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            log.warn("APNs client did not close cleanly: {}", e.toString());
        }
    }
}
