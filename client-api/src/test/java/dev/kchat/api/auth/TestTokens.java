package dev.kchat.api.auth;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.PlainJWT;
import com.nimbusds.jwt.SignedJWT;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Tokens for the authorization matrix, shared (through this module's test jar) by the tests of every
 * door: good claims with an issuer and an audience, and tokens that are each wrong in one way.
 */
public final class TestTokens {

    public static final String ISSUER = "https://id.example";
    public static final String AUDIENCE = "kchat";

    private TestTokens() {
    }

    /** Claims every door accepts: alice, issuer and audience right, an hour to go. */
    public static JWTClaimsSet.Builder good() {
        return new JWTClaimsSet.Builder().subject("alice").issuer(ISSUER).audience(AUDIENCE)
                .expirationTime(Date.from(Instant.now().plus(Duration.ofHours(1))));
    }

    /** {@code claims} signed by {@code signer} under {@code alg}. */
    public static String signed(JWSAlgorithm alg, JWSSigner signer, JWTClaimsSet claims) {
        try {
            SignedJWT jwt = new SignedJWT(new JWSHeader(alg), claims);
            jwt.sign(signer);
            return jwt.serialize();
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
    }

    /** {@code claims} signed with HS256 and {@code secret}. */
    public static String hs256(String secret, JWTClaimsSet claims) {
        try {
            return signed(JWSAlgorithm.HS256, new MACSigner(secret), claims);
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * For a door that verifies HS256 with {@code secret} and requires {@link #ISSUER} and {@link #AUDIENCE}:
     * tokens each wrong in one way (alg none, another key, expired, no exp, foreign issuer, foreign or no
     * audience), by what is wrong.
     */
    public static Map<String, String> badFor(String secret) {
        Map<String, String> bad = new LinkedHashMap<>();
        bad.put("alg none", new PlainJWT(good().build()).serialize());
        bad.put("another key", hs256("another-secret-of-at-least-32-bytes!!", good().build()));
        bad.put("expired", hs256(secret, good().expirationTime(Date.from(Instant.now().minus(Duration.ofMinutes(2)))).build()));
        bad.put("no exp", hs256(secret, good().expirationTime(null).build()));
        bad.put("foreign issuer", hs256(secret, good().issuer("https://evil.example").build()));
        bad.put("foreign audience", hs256(secret, good().audience("other-app").build()));
        bad.put("no audience", hs256(secret, good().audience((String) null).build()));
        return bad;
    }
}
