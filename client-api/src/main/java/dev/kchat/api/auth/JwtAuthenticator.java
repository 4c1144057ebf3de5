package dev.kchat.api.auth;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.source.ImmutableJWKSet;
import com.nimbusds.jose.jwk.source.ImmutableSecret;
import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.jwk.source.JWKSourceBuilder;
import com.nimbusds.jose.proc.BadJOSEException;
import com.nimbusds.jose.proc.JWSVerificationKeySelector;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.proc.DefaultJWTClaimsVerifier;
import com.nimbusds.jwt.proc.DefaultJWTProcessor;
import dev.kchat.api.auth.AuthConfig;
import dev.kchat.schemas.Ids;
import java.net.MalformedURLException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.X509EncodedKeySpec;
import java.time.Instant;
import java.util.Base64;
import java.text.ParseException;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Verifies bearer tokens (JWS-signed JWTs) with Nimbus JOSE+JWT and returns the caller.
 *
 * <p>HS256 with a shared secret serves local runs and tests; RS256 with a fixed public key or the
 * identity provider's JWKS serves production. {@code exp} is required, {@code nbf} honoured,
 * {@code iss}/{@code aud} checked when configured; the subject is the user id and must follow
 * {@link Ids#USER_ID}. An optional {@code roles} claim (an array of strings, e.g.
 * {@code ["moderator"]}) gives the caller roles; absent, the caller has none. Thread-safe.
 */
public final class JwtAuthenticator {

    /** The claim that lists the caller's roles: a JSON array of strings. */
    public static final String ROLES_CLAIM = "roles";

    /** Nimbus requires HS256 secrets of at least 256 bits. */
    public static final int MIN_SECRET_BYTES = 32;

    private final DefaultJWTProcessor<SecurityContext> processor;

    public JwtAuthenticator(AuthConfig config) {
        int configured = (config.hs256Secret().isPresent() ? 1 : 0) + (config.rs256PublicKeyPem().isPresent() ? 1 : 0)
                + (config.jwksUrl().isPresent() ? 1 : 0);
        if (configured != 1) {
            throw new IllegalArgumentException("set exactly one of auth.jwt.hs256.secret, auth.jwt.rs256.public.key,"
                    + " auth.jwt.jwks.url (found " + configured + ")");
        }
        JWSAlgorithm algorithm;
        JWKSource<SecurityContext> keys;
        if (config.hs256Secret().isPresent()) {
            byte[] secret = config.hs256Secret().get().getBytes(StandardCharsets.UTF_8);
            if (secret.length < MIN_SECRET_BYTES) {
                throw new IllegalArgumentException("auth.jwt.hs256.secret must be at least " + MIN_SECRET_BYTES + " bytes");
            }
            algorithm = JWSAlgorithm.HS256;
            keys = new ImmutableSecret<>(secret);
        } else if (config.rs256PublicKeyPem().isPresent()) {
            algorithm = JWSAlgorithm.RS256;
            keys = new ImmutableJWKSet<>(new JWKSet(new RSAKey.Builder(rsaPublicKey(config.rs256PublicKeyPem().get())).build()));
        } else {
            algorithm = JWSAlgorithm.RS256;
            try {
                keys = JWKSourceBuilder.create(URI.create(config.jwksUrl().get()).toURL()).retrying(true).build();
            } catch (MalformedURLException | IllegalArgumentException e) {
                throw new IllegalArgumentException("auth.jwt.jwks.url is not a URL: " + config.jwksUrl().get(), e);
            }
        }
        processor = new DefaultJWTProcessor<>();
        processor.setJWSKeySelector(new JWSVerificationKeySelector<>(algorithm, keys));
        JWTClaimsSet.Builder exact = new JWTClaimsSet.Builder();
        config.issuer().ifPresent(exact::issuer);
        Set<String> required = new HashSet<>(Set.of("sub", "exp"));
        DefaultJWTClaimsVerifier<SecurityContext> verifier = new DefaultJWTClaimsVerifier<>(
                config.audience().orElse(null), exact.build(), required);
        verifier.setMaxClockSkew((int) config.clockSkew().toSeconds());
        processor.setJWTClaimsSetVerifier(verifier);
    }

    /** Reads an X.509 SubjectPublicKeyInfo PEM with the JDK (Nimbus would need BouncyCastle for it). */
    static RSAPublicKey rsaPublicKey(String pem) {
        String base64 = pem.replace("-----BEGIN PUBLIC KEY-----", "").replace("-----END PUBLIC KEY-----", "")
                .replaceAll("\\s", "");
        try {
            return (RSAPublicKey) KeyFactory.getInstance("RSA")
                    .generatePublic(new X509EncodedKeySpec(Base64.getDecoder().decode(base64)));
        } catch (IllegalArgumentException | GeneralSecurityException | ClassCastException e) {
            throw new IllegalArgumentException("auth.jwt.rs256.public.key is not a PEM RSA public key (BEGIN PUBLIC KEY): " + e, e);
        }
    }

    /**
     * The authenticated caller of an {@code Authorization} header value.
     *
     * @throws AuthenticationException with a reason fit for the client when the header is missing,
     *                                 malformed, badly signed, expired or names an invalid user
     */
    public Caller authenticate(String authorizationHeader, String deviceHeader) {
        if (authorizationHeader == null || authorizationHeader.isBlank()) {
            throw new AuthenticationException("missing_token", "Authorization: Bearer <token> is required");
        }
        if (!authorizationHeader.regionMatches(true, 0, "Bearer ", 0, 7)) {
            throw new AuthenticationException("invalid_token", "Authorization must use the Bearer scheme");
        }
        JWTClaimsSet claims;
        try {
            claims = processor.process(authorizationHeader.substring(7).trim(), null);
        } catch (ParseException e) {
            throw new AuthenticationException("invalid_token", "token is not a JWT");
        } catch (BadJOSEException e) {
            throw new AuthenticationException("invalid_token", e.getMessage());
        } catch (JOSEException e) {
            throw new AuthenticationException("invalid_token", "token cannot be verified: " + e.getMessage());
        }
        String user = claims.getSubject();
        if (!Ids.isUserId(user)) {
            throw new AuthenticationException("invalid_token", "token subject is not a valid user id");
        }
        String device = deviceHeader;
        if (device == null || device.isBlank()) {
            Object claim = claims.getClaim("device");
            device = claim == null ? "default" : claim.toString();
        }
        if (!Ids.isUserId(device)) {
            throw new AuthenticationException("invalid_device", "device id must be 1-64 characters of [A-Za-z0-9_.-]");
        }
        // Never null: exp is a required claim (above).
        return new Caller(user, device, claims.getExpirationTime().toInstant(), roles(claims.getClaim(ROLES_CLAIM)));
    }

    /**
     * The roles of a {@code roles} claim: none if absent (or JSON null); refused as {@code invalid_token}
     * if it is anything but an array of strings, rather than read as no roles, so a token minted wrong
     * is noticed by whoever minted it.
     */
    static Set<String> roles(Object claim) {
        if (claim == null) {
            return Set.of();
        }
        if (!(claim instanceof List<?> list)) {
            throw new AuthenticationException("invalid_token", "the roles claim must be an array of strings");
        }
        Set<String> roles = new LinkedHashSet<>();
        for (Object role : list) {
            if (!(role instanceof String name)) {
                throw new AuthenticationException("invalid_token", "the roles claim must be an array of strings");
            }
            roles.add(name);
        }
        return roles;
    }

    /**
     * The authenticated user, the device it speaks from, when its token expires ({@code exp}) and the
     * roles its token grants.
     *
     * @param expiresAt the token's {@code exp}, never null for a caller that {@link #authenticate}
     *                  returned (tokens without {@code exp} are refused); null for a caller not made
     *                  from a token (benchmarks, tests)
     * @param roles     the token's {@code roles} claim (e.g. {@code moderator}); empty if it has none
     */
    public record Caller(String userId, String deviceId, Instant expiresAt, Set<String> roles) {

        public Caller {
            roles = roles == null ? Set.of() : Set.copyOf(roles);
        }

        /** A caller not made from a token: no expiry, no roles. */
        public Caller(String userId, String deviceId) {
            this(userId, deviceId, null);
        }

        /** A caller with no roles. */
        public Caller(String userId, String deviceId, Instant expiresAt) {
            this(userId, deviceId, expiresAt, Set.of());
        }

        /** Whether the token grants {@code role}. */
        public boolean hasRole(String role) {
            return roles.contains(role);
        }
    }

    /** Authentication failed; answered 401 with the code. */
    public static final class AuthenticationException extends RuntimeException {
        private final String code;

        public AuthenticationException(String code, String message) {
            super(message);
            this.code = code;
        }

        public String code() {
            return code;
        }
    }
}
