package dev.kchat.media.store;

import java.net.URI;
import java.time.Instant;
import java.util.Map;

/**
 * A URL that grants one operation on one object until {@code expiresAt}, and the headers the client
 * must send with it (they are part of what was signed, e.g. {@code Content-Type}).
 */
public record SignedUrl(String method, URI url, Instant expiresAt, Map<String, String> headers) {

    public SignedUrl {
        headers = Map.copyOf(headers);
    }
}
