package dev.kchat.edge.http;

import com.nimbusds.jwt.JWTParser;
import dev.kchat.api.auth.JwtAuthenticator;
import dev.kchat.api.auth.JwtAuthenticator.AuthenticationException;
import dev.kchat.api.auth.JwtAuthenticator.Caller;
import io.undertow.server.HttpHandler;
import io.undertow.util.AttachmentKey;
import io.undertow.util.Headers;
import java.text.ParseException;
import java.time.Instant;
import java.util.Date;
import java.util.Deque;

/**
 * The edge's HTTP doors are authenticated by bearer token, in the {@code Authorization} header or the
 * {@code access_token} query parameter (browsers' WebSockets cannot set headers); 401 otherwise. The
 * token's expiry goes with the caller: a WebSocket session ends when its token does.
 */
public final class Authentication {

    /** The authenticated caller of an exchange. */
    public static final AttachmentKey<Verified> CALLER = AttachmentKey.create(Verified.class);

    /** A caller and when its token expires ({@code exp}, which {@link JwtAuthenticator} requires). */
    public record Verified(Caller caller, Instant expiresAt) {
    }

    private final JwtAuthenticator auth;

    public Authentication(JwtAuthenticator auth) {
        this.auth = auth;
    }

    /** {@code next} runs with {@link #CALLER} attached, or the request is answered 401. */
    public HttpHandler authenticated(HttpHandler next) {
        return ex -> {
            String header = ex.getRequestHeaders().getFirst(Headers.AUTHORIZATION);
            if (header == null) {
                Deque<String> token = ex.getQueryParameters().get("access_token");
                header = token == null || token.isEmpty() ? null : "Bearer " + token.getFirst();
            }
            try {
                ex.putAttachment(CALLER, verify(header, ex.getRequestHeaders().getFirst("X-Device-Id")));
            } catch (AuthenticationException e) {
                ex.getResponseHeaders().put(Headers.WWW_AUTHENTICATE, "Bearer");
                HttpAnswers.error(ex, 401, e.code(), e.getMessage());
                return;
            }
            next.handleRequest(ex);
        };
    }

    /**
     * Verifies an {@code Authorization} header value, as every door does.
     *
     * @throws AuthenticationException with the code to answer
     */
    public Verified verify(String authorizationHeader, String deviceHeader) {
        Caller caller = auth.authenticate(authorizationHeader, deviceHeader);
        return new Verified(caller, expiryOf(authorizationHeader.substring(7).trim()));
    }

    /** The {@code exp} of a token that has been verified (so it parses and has one). */
    static Instant expiryOf(String token) {
        try {
            Date exp = JWTParser.parse(token).getJWTClaimsSet().getExpirationTime();
            if (exp == null) {
                throw new AuthenticationException("invalid_token", "token has no exp");
            }
            return exp.toInstant();
        } catch (ParseException e) {
            throw new AuthenticationException("invalid_token", "token is not a JWT");
        }
    }
}
