package dev.kchat.api.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jose.util.Base64URL;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.PlainJWT;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The authorization matrix of issue 15 at the one place every door verifies tokens: each kind of bad
 * token is refused with {@code invalid_token} (and a message saying why), under HS256 and under RS256,
 * with the issuer and audience required. A good token of the same shape is accepted, so each refusal
 * is for the one thing that is wrong. (The doors answer these with 401 and the code: edge-push's
 * {@code JwtDoorTest}, ingress's {@code JwtApiTest}; a user removed from a conversation is refused by
 * routing and the read paths: {@code CommandOutcomesEndToEndTest}, {@code ReadAccessApiTest}.)
 */
class JwtMatrixTest {

    private static final String SECRET = "a-local-secret-of-at-least-32-bytes!!";
    private static final String ISSUER = TestTokens.ISSUER;
    private static final String AUDIENCE = TestTokens.AUDIENCE;
    private static final RSAKey RSA = rsaKey();
    private static final JwtAuthenticator HS = new JwtAuthenticator(new AuthConfig(Optional.of(SECRET), Optional.empty(),
            Optional.empty(), Optional.of(ISSUER), Optional.of(AUDIENCE), Duration.ofSeconds(30)));
    private static final JwtAuthenticator RS = new JwtAuthenticator(new AuthConfig(Optional.empty(), Optional.of(pem(RSA)),
            Optional.empty(), Optional.of(ISSUER), Optional.of(AUDIENCE), Duration.ofSeconds(30)));

    private static RSAKey rsaKey() {
        try {
            return new RSAKeyGenerator(2048).generate();
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String pem(RSAKey key) {
        try {
            return "-----BEGIN PUBLIC KEY-----\n" + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                    .encodeToString(key.toRSAPublicKey().getEncoded()) + "\n-----END PUBLIC KEY-----\n";
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
    }

    static JWTClaimsSet.Builder good() {
        return TestTokens.good();
    }

    static String signed(JWSAlgorithm alg, JWSSigner signer, JWTClaimsSet claims) {
        return TestTokens.signed(alg, signer, claims);
    }

    static String hs(JWTClaimsSet claims) {
        return TestTokens.hs256(SECRET, claims);
    }

    static String rs(JWTClaimsSet claims) {
        try {
            return signed(JWSAlgorithm.RS256, new RSASSASigner(RSA), claims);
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A token whose header says {@code alg} (e.g. a spelling of none) over good claims, with {@code signature}. */
    static String withHeader(String alg, String signature) {
        String header = Base64URL.encode("{\"alg\":\"" + alg + "\",\"typ\":\"JWT\"}").toString();
        String claims = Base64URL.encode(good().build().toString()).toString();
        return header + "." + claims + "." + signature;
    }

    static Stream<Arguments> badTokens() throws JOSEException {
        Instant now = Instant.now();
        String realSignature = hs(good().build()).split("\\.")[2];
        return Stream.of(
                Arguments.of("alg none", HS, new PlainJWT(good().build()).serialize(), "nsecured"),
                Arguments.of("alg none under RS256", RS, new PlainJWT(good().build()).serialize(), "nsecured"),
                Arguments.of("alg None with a real HS256 signature", HS, withHeader("None", realSignature), ""),
                Arguments.of("alg NONE, no signature", HS, withHeader("NONE", ""), ""),
                Arguments.of("signed with another secret", HS,
                        signed(JWSAlgorithm.HS256, new MACSigner("another-secret-of-at-least-32-bytes!!"), good().build()), "ignature"),
                Arguments.of("RS256 where HS256 is configured", HS, rs(good().build()), ""),
                Arguments.of("HS256 where RS256 is configured", RS, hs(good().build()), ""),
                Arguments.of("HS256 keyed with the RS256 public key (algorithm confusion)", RS,
                        signed(JWSAlgorithm.HS256, new MACSigner(RSA.toRSAPublicKey().getEncoded()), good().build()), ""),
                Arguments.of("RS256 signed by another key", RS,
                        signed(JWSAlgorithm.RS256, new RSASSASigner(rsaKey()), good().build()), "ignature"),
                Arguments.of("expired beyond the clock skew", HS,
                        hs(good().expirationTime(Date.from(now.minus(Duration.ofMinutes(2)))).build()), "xpired"),
                Arguments.of("expired, RS256", RS,
                        rs(good().expirationTime(Date.from(now.minus(Duration.ofMinutes(2)))).build()), "xpired"),
                Arguments.of("without exp", HS, hs(good().expirationTime(null).build()), "exp"),
                Arguments.of("without exp, RS256", RS, rs(good().expirationTime(null).build()), "exp"),
                Arguments.of("not valid before a minute from now", HS,
                        hs(good().notBeforeTime(Date.from(now.plus(Duration.ofMinutes(2)))).build()), ""),
                Arguments.of("foreign issuer", HS, hs(good().issuer("https://evil.example").build()), "iss"),
                Arguments.of("no issuer", HS, hs(good().issuer(null).build()), "iss"),
                Arguments.of("foreign audience", HS, hs(good().audience("other-app").build()), "aud"),
                Arguments.of("no audience", HS, hs(good().audience((String) null).build()), "aud"),
                Arguments.of("foreign issuer, RS256", RS, rs(good().issuer("https://evil.example").build()), "iss"),
                Arguments.of("foreign audience, RS256", RS, rs(good().audience("other-app").build()), "aud"),
                Arguments.of("without a subject", HS, hs(good().subject(null).build()), "sub"),
                Arguments.of("a subject that is not a user id", HS, hs(good().subject("alice bob").build()), "user id"),
                Arguments.of("a claims part that was changed after signing", HS, tampered(hs(good().build())), ""),
                Arguments.of("not a JWT", HS, "not.a.jwt", ""),
                Arguments.of("empty", HS, "", ""));
    }

    /** The signed token with its claims swapped for bob's: the signature no longer matches. */
    private static String tampered(String token) {
        String[] parts = token.split("\\.");
        return parts[0] + "." + Base64URL.encode(good().subject("bob").build().toString()) + "." + parts[2];
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badTokens")
    void shouldRefuseEveryBadTokenWithInvalidToken(String what, JwtAuthenticator auth, String token, String because) {
        assertThatThrownBy(() -> auth.authenticate("Bearer " + token, null))
                .isInstanceOfSatisfying(JwtAuthenticator.AuthenticationException.class, e -> {
                    assertThat(e.code()).isEqualTo("invalid_token");
                    assertThat(e.getMessage()).contains(because);
                });
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("goodTokens")
    void shouldAcceptTheGoodTokenEachBadOneDiffersFrom(String what, JwtAuthenticator auth, String token) {
        assertThat(auth.authenticate("Bearer " + token, null).userId()).isEqualTo("alice");
    }

    static Stream<Arguments> goodTokens() {
        return Stream.of(Arguments.of("HS256", HS, hs(good().build())), Arguments.of("RS256", RS, rs(good().build())),
                Arguments.of("expired within the clock skew", HS,
                        hs(good().expirationTime(Date.from(Instant.now().minusSeconds(5))).build())));
    }
}
