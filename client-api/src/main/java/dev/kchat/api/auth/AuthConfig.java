package dev.kchat.api.auth;

import dev.kchat.service.Settings;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * How bearer tokens are verified. Exactly one of {@code hs256Secret} (local and tests),
 * {@code rs256PublicKeyPem} or {@code jwksUrl} (production) must be set.
 *
 * @param issuer   required {@code iss}, if set
 * @param audience required {@code aud}, if set
 */
public record AuthConfig(Optional<String> hs256Secret, Optional<String> rs256PublicKeyPem,
        Optional<String> jwksUrl, Optional<String> issuer, Optional<String> audience, Duration clockSkew) {

    /** Documented settings: key, default, meaning. */
    public static final List<String[]> DOCUMENTED = List.of(
            new String[] {"auth.jwt.hs256.secret", "(none)", "HS256 shared secret, at least 32 bytes (local/dev)"},
            new String[] {"auth.jwt.rs256.public.key", "(none)", "RS256 public key, PEM (production)"},
            new String[] {"auth.jwt.jwks.url", "(none)", "JWKS URL of the identity provider (production)"},
            new String[] {"auth.jwt.issuer", "(any)", "required iss claim"},
            new String[] {"auth.jwt.audience", "(any)", "required aud claim"},
            new String[] {"auth.jwt.clock.skew", "30s", "tolerated clock skew on exp/nbf"});

    public static AuthConfig from(Settings s) {
        return new AuthConfig(s.find("auth.jwt.hs256.secret"), s.find("auth.jwt.rs256.public.key"),
                s.find("auth.jwt.jwks.url"), s.find("auth.jwt.issuer"), s.find("auth.jwt.audience"),
                s.duration("auth.jwt.clock.skew", Duration.ofSeconds(30)));
    }

    /** HS256 with a shared secret: local runs and tests. */
    public static AuthConfig hs256(String secret) {
        return new AuthConfig(Optional.of(secret), Optional.empty(), Optional.empty(), Optional.empty(),
                Optional.empty(), Duration.ofSeconds(30));
    }
}
