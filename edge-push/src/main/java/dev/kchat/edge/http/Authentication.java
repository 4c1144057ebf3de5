package dev.kchat.edge.http;

import dev.kchat.api.auth.JwtAuthenticator;
import dev.kchat.api.auth.JwtAuthenticator.AuthenticationException;
import dev.kchat.api.auth.JwtAuthenticator.Caller;
import io.undertow.server.HttpHandler;
import io.undertow.util.AttachmentKey;
import io.undertow.util.Headers;
import java.util.Deque;

/**
 * The edge's HTTP doors are authenticated by bearer token, in the {@code Authorization} header or the
 * {@code access_token} query parameter (browsers' WebSockets cannot set headers); 401 otherwise.
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
                ex.putAttachment(CALLER, auth.authenticate(header, ex.getRequestHeaders().getFirst("X-Device-Id")));
            } catch (AuthenticationException e) {
                ex.getResponseHeaders().put(Headers.WWW_AUTHENTICATE, "Bearer");
                HttpAnswers.error(ex, 401, e.code(), e.getMessage());
                return;
            }
            next.handleRequest(ex);
        };
    }
}
