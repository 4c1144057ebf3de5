package dev.kchat.api.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class JwtAuthenticatorTest {

    private static final String SECRET = "a-local-secret-of-at-least-32-bytes!!";
    private final JwtAuthenticator auth = new JwtAuthenticator(AuthConfig.hs256(SECRET));
    private final TokenMinter minter = new TokenMinter(SECRET, null);

    @Test
    void shouldAuthenticateAValidTokenWithTheDeviceFromTheHeader() {
        var caller = auth.authenticate("Bearer " + minter.mint("alice", Duration.ofMinutes(5)), "phone");

        assertThat(caller.userId()).isEqualTo("alice");
        assertThat(caller.deviceId()).isEqualTo("phone");
    }

    @Test
    void shouldTellWhenTheCallersTokenExpires() {
        // Given a token whose exp is 5 minutes ahead (JWT times are whole seconds)
        Instant before = Instant.now().plus(Duration.ofMinutes(5)).minusSeconds(1);
        String token = minter.mint("alice", Duration.ofMinutes(5));
        Instant after = Instant.now().plus(Duration.ofMinutes(5));

        // When it is verified
        var caller = auth.authenticate("Bearer " + token, null);

        // Then the caller carries that exp
        assertThat(caller.expiresAt()).isBetween(before, after);
        assertThat(caller.expiresAt().getNano()).isZero();
    }

    @Test
    void shouldRefuseMissingMalformedExpiredAndForeignTokens() {
        assertThatThrownBy(() -> auth.authenticate(null, null)).hasMessageContaining("Bearer");
        assertThatThrownBy(() -> auth.authenticate("Basic abc", null)).hasMessageContaining("Bearer scheme");
        assertThatThrownBy(() -> auth.authenticate("Bearer not.a.jwt", null))
                .isInstanceOf(JwtAuthenticator.AuthenticationException.class);
        assertThatThrownBy(() -> auth.authenticate("Bearer " + minter.mint("alice", Duration.ofMinutes(-5)), null))
                .hasMessageContaining("xpired");
        String foreign = new TokenMinter("another-secret-of-at-least-32-bytes!!", null).mint("alice", Duration.ofMinutes(5));
        assertThatThrownBy(() -> auth.authenticate("Bearer " + foreign, null))
                .isInstanceOfSatisfying(JwtAuthenticator.AuthenticationException.class,
                        e -> assertThat(e.code()).isEqualTo("invalid_token"));
    }

    @Test
    void shouldReadTheRolesTheTokenGrants() {
        // Given a token minted with the moderator role, and one minted without roles
        String moderator = minter.mint("mia", Duration.ofMinutes(5), "moderator", "support");
        String plain = minter.mint("alice", Duration.ofMinutes(5));

        // When both are verified
        var mia = auth.authenticate("Bearer " + moderator, null);
        var alice = auth.authenticate("Bearer " + plain, null);

        // Then mia has both roles, alice none
        assertThat(mia.roles()).containsExactlyInAnyOrder("moderator", "support");
        assertThat(mia.hasRole("moderator")).isTrue();
        assertThat(alice.roles()).isEmpty();
        assertThat(alice.hasRole("moderator")).isFalse();
    }

    @Test
    void shouldRefuseARolesClaimThatIsNotAnArrayOfStrings() throws Exception {
        // Given tokens, well signed, whose roles claim is a string, an array with a number, an object
        for (Object roles : List.<Object>of("moderator", List.of("moderator", 7), Map.of("moderator", true))) {
            SignedJWT jwt = new SignedJWT(new JWSHeader(JWSAlgorithm.HS256), new JWTClaimsSet.Builder()
                    .subject("mallory").expirationTime(Date.from(Instant.now().plusSeconds(60)))
                    .claim("roles", roles).build());
            jwt.sign(new MACSigner(SECRET.getBytes(java.nio.charset.StandardCharsets.UTF_8)));

            // Then each is refused as an invalid token (401), not read as "no roles"
            assertThatThrownBy(() -> auth.authenticate("Bearer " + jwt.serialize(), null))
                    .as("roles = %s", roles)
                    .isInstanceOfSatisfying(JwtAuthenticator.AuthenticationException.class,
                            e -> assertThat(e.code()).isEqualTo("invalid_token"))
                    .hasMessageContaining("roles");
        }
    }

    @Test
    void shouldGiveNoRolesToCallersNotMadeFromATokenOrMadeWithNull() {
        assertThat(new JwtAuthenticator.Caller("bench", "d").roles()).isEmpty();
        assertThat(new JwtAuthenticator.Caller("bench", "d", null, null).roles()).isEmpty();
    }

    @Test
    void shouldRefuseASubjectThatIsNotAUserId() {
        String token = minter.mint("alice:evil", Duration.ofMinutes(5));

        assertThatThrownBy(() -> auth.authenticate("Bearer " + token, null)).hasMessageContaining("not a valid user id");
    }

    @Test
    void shouldCheckTheIssuerWhenConfigured() {
        JwtAuthenticator strict = new JwtAuthenticator(new AuthConfig(Optional.of(SECRET), Optional.empty(),
                Optional.empty(), Optional.of("https://id.example"), Optional.empty(), Duration.ofSeconds(5)));

        assertThat(strict.authenticate("Bearer " + new TokenMinter(SECRET, "https://id.example").mint("bob", Duration.ofMinutes(1)), null)
                .userId()).isEqualTo("bob");
        assertThatThrownBy(() -> strict.authenticate("Bearer " + minter.mint("bob", Duration.ofMinutes(1)), null))
                .isInstanceOf(JwtAuthenticator.AuthenticationException.class);
    }

    @Test
    void shouldVerifyRs256WithAPemPublicKey() throws Exception {
        RSAKey key = new RSAKeyGenerator(2048).generate();
        String pem = "-----BEGIN PUBLIC KEY-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes()).encodeToString(key.toRSAPublicKey().getEncoded())
                + "\n-----END PUBLIC KEY-----\n";
        JwtAuthenticator rs = new JwtAuthenticator(new AuthConfig(Optional.empty(), Optional.of(pem),
                Optional.empty(), Optional.empty(), Optional.empty(), Duration.ofSeconds(5)));
        SignedJWT jwt = new SignedJWT(new JWSHeader(JWSAlgorithm.RS256), new JWTClaimsSet.Builder()
                .subject("carol").expirationTime(Date.from(Instant.now().plusSeconds(60))).build());
        jwt.sign(new RSASSASigner(key));

        assertThat(rs.authenticate("Bearer " + jwt.serialize(), "web").userId()).isEqualTo("carol");
        assertThatThrownBy(() -> rs.authenticate("Bearer " + minter.mint("carol", Duration.ofMinutes(1)), null))
                .as("an HS256 token is not accepted where RS256 is configured")
                .isInstanceOf(JwtAuthenticator.AuthenticationException.class);
    }

    @Test
    void shouldRefuseAmbiguousOrWeakConfiguration() {
        assertThatThrownBy(() -> new JwtAuthenticator(AuthConfig.hs256("short"))).hasMessageContaining("32 bytes");
        assertThatThrownBy(() -> new JwtAuthenticator(new AuthConfig(Optional.empty(), Optional.empty(), Optional.empty(),
                Optional.empty(), Optional.empty(), Duration.ZERO))).hasMessageContaining("exactly one");
    }
}
