package dev.kchat.edge.http;

import dev.kchat.api.auth.JwtAuthenticator;
import dev.kchat.api.auth.JwtAuthenticator.AuthenticationException;
import dev.kchat.api.auth.JwtAuthenticator.Caller;
import dev.kchat.api.http.ApiAnswers;
import io.undertow.server.HttpHandler;
import io.undertow.util.AttachmentKey;
import io.undertow.util.Headers;
import java.util.Deque;

/**
 * The edge's HTTP doors are authenticated by bearer token, in the {@code Authorization} header or the
 * {@code access_token} query parameter (browsers' WebSockets cannot set headers); 401 otherwise. The
 * token's expiry goes with the caller ({@link Caller#expiresAt()}): a WebSocket session ends when its
 * token does.
 */
public final class Authentication {

    /** The authenticated caller of an exchange. */
    public static final AttachmentKey<Caller> CALLER = AttachmentKey.create(Caller.class);

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
                ApiAnswers.unauthorized(ex, e);
                return;
            }
            next.handleRequest(ex);
        };
    }

    /**
     * Verifies an {@code Authorization} header value, as every door does: the caller, with its token's
     * expiry ({@code exp}, which {@link JwtAuthenticator} requires).
     *
     * @throws AuthenticationException with the code to answer
     */
    public Caller verify(String authorizationHeader, String deviceHeader) {
        return auth.authenticate(authorizationHeader, deviceHeader);
    }
}
