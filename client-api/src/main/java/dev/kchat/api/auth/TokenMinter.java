package dev.kchat.api.auth;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;

/**
 * Mints HS256 tokens for local runs and tests. Production tokens come from the identity provider;
 * this class exists so a newcomer can chat locally and tests can authenticate for real.
 */
public final class TokenMinter {

    private final MACSigner signer;
    private final String issuer;

    public TokenMinter(String hs256Secret, String issuer) {
        try {
            this.signer = new MACSigner(hs256Secret.getBytes(StandardCharsets.UTF_8));
        } catch (JOSEException e) {
            throw new IllegalArgumentException("HS256 secret must be at least 32 bytes", e);
        }
        this.issuer = issuer;
    }

    /** A token for a user, valid for {@code ttl}, with no roles. */
    public String mint(String userId, Duration ttl) {
        return mint(userId, ttl, new String[0]);
    }

    /**
     * A token for a user, valid for {@code ttl}, whose {@code roles} claim lists {@code roles} (e.g.
     * {@code moderator}); without roles, the token has no {@code roles} claim.
     */
    public String mint(String userId, Duration ttl, String... roles) {
        Instant now = Instant.now();
        JWTClaimsSet.Builder claims = new JWTClaimsSet.Builder()
                .subject(userId)
                .issueTime(Date.from(now))
                .expirationTime(Date.from(now.plus(ttl)));
        if (issuer != null) {
            claims.issuer(issuer);
        }
        if (roles.length > 0) {
            claims.claim(JwtAuthenticator.ROLES_CLAIM, List.of(roles));
        }
        SignedJWT jwt = new SignedJWT(new JWSHeader(JWSAlgorithm.HS256), claims.build());
        try {
            jwt.sign(signer);
        } catch (JOSEException e) {
            throw new IllegalStateException("cannot sign a token", e);
        }
        return jwt.serialize();
    }
}
