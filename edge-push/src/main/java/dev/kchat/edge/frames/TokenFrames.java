package dev.kchat.edge.frames;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kchat.api.ApiException;
import dev.kchat.api.auth.JwtAuthenticator.AuthenticationException;
import dev.kchat.api.auth.JwtAuthenticator.Caller;
import dev.kchat.edge.http.Authentication;
import dev.kchat.edge.protocol.Frames;
import dev.kchat.edge.session.Session;

/**
 * {@code refresh {token}}: a newer token for the session, verified as at the door. It must name the
 * session's user: another user's token is answered {@code token_user_mismatch} and the session is
 * closed with 4401. An invalid token is refused and the session keeps its current one.
 */
public final class TokenFrames {

    private final Authentication auth;

    public TokenFrames(Authentication auth) {
        this.auth = auth;
    }

    public void refresh(Session session, ObjectNode fields) {
        JsonNode token = fields.get("token");
        if (token == null || !token.isTextual() || token.asText().isBlank()) {
            throw ApiException.badRequest("missing_field", "token is required");
        }
        Caller verified;
        try {
            verified = auth.verify("Bearer " + token.asText(), session.deviceId());
        } catch (AuthenticationException e) {
            throw new ApiException(401, e.code(), e.getMessage());
        }
        if (!verified.userId().equals(session.userId())) {
            session.send(Frames.error("token_user_mismatch", "the token is for another user; this session is "
                    + session.userId() + "'s", null));
            session.close(Frames.CLOSE_UNAUTHORIZED, "token_user_mismatch");
            return;
        }
        session.tokenRefreshed(verified.expiresAt());
        session.send(Frames.refreshed(verified.expiresAt()));
    }
}
