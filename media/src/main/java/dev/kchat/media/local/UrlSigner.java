package dev.kchat.media.local;

import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Signs and checks the local store's URLs: HMAC-SHA256 over the operation, the key, the expiry, the
 * byte limit and the content type, hex-encoded in {@code sig}.
 *
 * <p>Hand-written on purpose: the local store is for {@code bin/run-local} and tests, where no S3
 * service exists to sign for, and the scheme needs only the JDK's {@link Mac}; pulling in a
 * presigning library for a server we also write would sign with one party's rules and check with
 * another's. Deployments use S3 (or MinIO) and the AWS SDK's SigV4 presigner instead. The check is
 * constant-time ({@link MessageDigest#isEqual}).
 */
public final class UrlSigner {

    private static final String ALGORITHM = "HmacSHA256";
    private final SecretKeySpec key;

    public UrlSigner(byte[] secret) {
        if (secret.length < 32) {
            throw new IllegalArgumentException("the signing key needs at least 32 bytes, got " + secret.length);
        }
        this.key = new SecretKeySpec(secret.clone(), ALGORITHM);
    }

    /** The signature of one grant. */
    public String sign(String method, String objectKey, Instant expires, long maxBytes, String contentType) {
        try {
            Mac mac = Mac.getInstance(ALGORITHM);
            mac.init(key);
            String payload = method + "\n" + objectKey + "\n" + expires.getEpochSecond() + "\n" + maxBytes + "\n" + contentType;
            return HexFormat.of().formatHex(mac.doFinal(payload.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException | InvalidKeyException e) {
            throw new IllegalStateException("HmacSHA256 is part of every JDK", e);
        }
    }

    /** True if {@code signature} is the signature of this grant (whether it expired is the caller's check). */
    public boolean verify(String signature, String method, String objectKey, Instant expires, long maxBytes, String contentType) {
        if (signature == null) {
            return false;
        }
        byte[] expected = sign(method, objectKey, expires, maxBytes, contentType).getBytes(StandardCharsets.US_ASCII);
        return MessageDigest.isEqual(expected, signature.getBytes(StandardCharsets.US_ASCII));
    }
}
