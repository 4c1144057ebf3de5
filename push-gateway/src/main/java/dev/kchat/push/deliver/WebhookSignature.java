package dev.kchat.push.deliver;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The webhook's signature: {@code X-Kchat-Signature: v1=<hex HMAC-SHA256(secret, timestamp + "." + body)>}
 * with {@code X-Kchat-Timestamp} the Unix time in seconds. Signing the timestamp with the body lets a
 * receiver refuse replays of an old request ({@link #verify} with a tolerance), as Stripe's and
 * Slack's webhooks do.
 */
public final class WebhookSignature {

    public static final String SIGNATURE_HEADER = "X-Kchat-Signature";
    public static final String TIMESTAMP_HEADER = "X-Kchat-Timestamp";
    public static final String PUSH_ID_HEADER = "X-Kchat-Push-Id";
    static final String VERSION = "v1=";

    private WebhookSignature() {
    }

    /** The header value for a body sent at {@code epochSeconds}. */
    public static String sign(byte[] secret, long epochSeconds, byte[] body) {
        return VERSION + HexFormat.of().formatHex(mac(secret, epochSeconds, body));
    }

    /**
     * True if {@code header} signs {@code body} at {@code epochSeconds} with {@code secret} and that
     * time is within {@code toleranceSeconds} of {@code nowSeconds}. Compares in constant time.
     */
    public static boolean verify(byte[] secret, String timestampHeader, byte[] body, String header, long nowSeconds,
            long toleranceSeconds) {
        if (header == null || timestampHeader == null || !header.startsWith(VERSION)) {
            return false;
        }
        long at;
        byte[] given;
        try {
            at = Long.parseLong(timestampHeader);
            given = HexFormat.of().parseHex(header.substring(VERSION.length()));
        } catch (IllegalArgumentException e) {
            return false;
        }
        return Math.abs(nowSeconds - at) <= toleranceSeconds && MessageDigest.isEqual(given, mac(secret, at, body));
    }

    private static byte[] mac(byte[] secret, long epochSeconds, byte[] body) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret, "HmacSHA256"));
            mac.update((epochSeconds + ".").getBytes(StandardCharsets.US_ASCII));
            return mac.doFinal(body);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is part of every JDK", e);
        }
    }
}
