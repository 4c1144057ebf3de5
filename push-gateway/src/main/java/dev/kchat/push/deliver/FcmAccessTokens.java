package dev.kchat.push.deliver;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;

/**
 * OAuth 2.0 access tokens for FCM's HTTP v1 API from a service account key file, by the JWT bearer
 * grant (RFC 7523) Google documents for server-to-server calls: a JWT signed with the account's
 * RSA key is exchanged at the account's {@code token_uri} for a bearer token, kept until a minute
 * before it expires. Written over nimbus-jose-jwt (already the platform's JWT library) rather than
 * google-auth-library, which would bring Guava and Google's HTTP client for this one exchange.
 */
final class FcmAccessTokens {

    static final String SCOPE = "https://www.googleapis.com/auth/firebase.messaging";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration REFRESH_EARLY = Duration.ofMinutes(1);

    private final String clientEmail;
    private final String keyId;
    private final PrivateKey key;
    private final URI tokenUri;
    private final String projectId;
    private final HttpClient http;
    private final Duration timeout;
    private final Clock clock;
    private String token;
    private Instant expiresAt = Instant.MIN;

    private FcmAccessTokens(String clientEmail, String keyId, PrivateKey key, URI tokenUri, String projectId, Duration timeout,
            Clock clock) {
        this.clientEmail = clientEmail;
        this.keyId = keyId;
        this.key = key;
        this.tokenUri = tokenUri;
        this.projectId = projectId;
        this.timeout = timeout;
        this.clock = clock;
        this.http = HttpClient.newBuilder().connectTimeout(timeout).build();
    }

    /** Reads a service account key file ({@code type service_account}, as the Firebase console downloads it). */
    static FcmAccessTokens fromServiceAccount(Path file, Duration timeout, Clock clock) {
        try {
            JsonNode account = JSON.readTree(Files.readAllBytes(file));
            String pem = account.path("private_key").asText();
            String base64 = pem.replaceAll("-----(BEGIN|END) PRIVATE KEY-----", "").replaceAll("\\s", "");
            PrivateKey key = KeyFactory.getInstance("RSA").generatePrivate(new PKCS8EncodedKeySpec(Base64.getDecoder().decode(base64)));
            return new FcmAccessTokens(required(account, "client_email", file), account.path("private_key_id").asText(null), key,
                    URI.create(required(account, "token_uri", file)), account.path("project_id").asText(null), timeout, clock);
        } catch (IOException | GeneralSecurityException | IllegalArgumentException e) {
            throw new IllegalArgumentException("cannot read the FCM service account key " + file + ": " + e.getMessage(), e);
        }
    }

    /** The project named in the key file, if any. */
    String projectId() {
        return projectId;
    }

    /** A valid access token, fetched when none is held or it is about to expire. */
    synchronized String token() throws IOException, InterruptedException {
        Instant now = clock.instant();
        if (token != null && now.isBefore(expiresAt.minus(REFRESH_EARLY))) {
            return token;
        }
        String form = "grant_type=" + URLEncoder.encode("urn:ietf:params:oauth:grant-type:jwt-bearer", StandardCharsets.UTF_8)
                + "&assertion=" + assertion(now);
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(tokenUri).timeout(timeout)
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(form)).build(), HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200) {
            throw new IOException("token endpoint answered " + response.statusCode() + ": " + response.body());
        }
        JsonNode body = JSON.readTree(response.body());
        token = body.path("access_token").asText(null);
        if (token == null) {
            throw new IOException("token endpoint answered no access_token");
        }
        expiresAt = now.plusSeconds(body.path("expires_in").asLong(3600));
        return token;
    }

    /** Forgets the held token (FCM answered 401: it was revoked or the clock is off). */
    synchronized void invalidate() {
        token = null;
    }

    private String assertion(Instant now) {
        JWTClaimsSet claims = new JWTClaimsSet.Builder().issuer(clientEmail).audience(tokenUri.toString())
                .claim("scope", SCOPE).issueTime(Date.from(now)).expirationTime(Date.from(now.plus(Duration.ofHours(1)))).build();
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID(keyId).build(), claims);
        try {
            jwt.sign(new RSASSASigner(key));
        } catch (JOSEException e) {
            throw new IllegalStateException("cannot sign the FCM token request", e);
        }
        return jwt.serialize();
    }

    private static String required(JsonNode account, String field, Path file) {
        String value = account.path(field).asText(null);
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException(file + " has no " + field);
        }
        return value;
    }
}
