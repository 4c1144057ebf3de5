package dev.kchat.media.local;

import dev.kchat.media.store.ObjectKeys;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.Headers;
import io.undertow.util.Methods;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.time.Instant;
import java.util.Deque;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves the local store's signed URLs: {@code PUT} stores the body (at most the signed byte count)
 * and {@code GET} returns the object with the signed content type. Refusals answer as S3 does, with
 * a status and a short XML-free code in the body: {@code 403 signature_invalid}, {@code 403 url_expired},
 * {@code 413 too_large}, {@code 404 no_such_key}, {@code 405} for other methods.
 */
final class LocalObjectHandler implements HttpHandler {

    private static final Logger log = LoggerFactory.getLogger(LocalObjectHandler.class);

    private final Path root;
    private final UrlSigner signer;
    private final Clock clock;
    private final String prefix;

    LocalObjectHandler(Path root, UrlSigner signer, Clock clock, String prefix) {
        this.root = root;
        this.signer = signer;
        this.clock = clock;
        this.prefix = prefix;
    }

    @Override
    public void handleRequest(HttpServerExchange ex) throws Exception {
        if (ex.isInIoThread()) {
            ex.dispatch(this); // file I/O blocks
            return;
        }
        ex.startBlocking();
        String path = ex.getRequestPath();
        if (!path.startsWith(prefix)) {
            answer(ex, 404, "no_such_key");
            return;
        }
        String key = path.substring(prefix.length());
        if (!ObjectKeys.SAFE_KEY.matcher(key).matches() || key.contains("..")) {
            answer(ex, 404, "no_such_key");
            return;
        }
        String method = ex.getRequestMethod().toString();
        if (!ex.getRequestMethod().equals(Methods.PUT) && !ex.getRequestMethod().equals(Methods.GET)) {
            answer(ex, 405, "method_not_allowed");
            return;
        }
        long expires;
        long max;
        try {
            expires = Long.parseLong(param(ex, "exp"));
            max = Long.parseLong(param(ex, "max"));
        } catch (NumberFormatException | NullPointerException e) {
            answer(ex, 403, "signature_invalid");
            return;
        }
        String contentType = param(ex, "ct");
        if (contentType == null || !signer.verify(param(ex, "sig"), method, key, Instant.ofEpochSecond(expires), max, contentType)) {
            answer(ex, 403, "signature_invalid");
            return;
        }
        if (clock.instant().getEpochSecond() > expires) {
            answer(ex, 403, "url_expired");
            return;
        }
        Path file = resolve(root, key);
        if (method.equals("PUT")) {
            put(ex, file, max);
        } else {
            get(ex, file, contentType);
        }
    }

    private void put(HttpServerExchange ex, Path file, long max) throws IOException {
        long declared = ex.getRequestContentLength();
        if (declared > max) {
            answer(ex, 413, "too_large");
            return;
        }
        Files.createDirectories(file.getParent());
        Path tmp = Files.createTempFile(file.getParent(), ".upload", ".tmp");
        long written = 0;
        try (InputStream in = ex.getInputStream(); OutputStream out = Files.newOutputStream(tmp)) {
            byte[] buffer = new byte[64 * 1024];
            for (int n; (n = in.read(buffer)) > 0; ) {
                written += n;
                if (written > max) {
                    break;
                }
                out.write(buffer, 0, n);
            }
        }
        if (written > max) {
            Files.deleteIfExists(tmp);
            answer(ex, 413, "too_large");
            return;
        }
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        log.debug("stored {} bytes at {}", written, file);
        ex.getResponseHeaders().put(Headers.ETAG, "\"" + written + "\"");
        ex.setStatusCode(200);
        ex.endExchange();
    }

    private static void get(HttpServerExchange ex, Path file, String contentType) throws IOException {
        if (!Files.isRegularFile(file)) {
            answer(ex, 404, "no_such_key");
            return;
        }
        ex.setStatusCode(200);
        ex.getResponseHeaders().put(Headers.CONTENT_TYPE, contentType);
        ex.getResponseHeaders().put(Headers.CONTENT_LENGTH, Files.size(file));
        ex.getResponseHeaders().put(Headers.CACHE_CONTROL, "private, max-age=300");
        try (OutputStream out = ex.getOutputStream()) {
            Files.copy(file, out);
        }
    }

    /** The file of {@code key} under {@code root}; a key that would leave it is refused. */
    static Path resolve(Path root, String key) {
        Path file = root.resolve(key).normalize();
        if (!file.startsWith(root)) {
            throw new IllegalArgumentException("key leaves the store: " + key);
        }
        return file;
    }

    private static String param(HttpServerExchange ex, String name) {
        Deque<String> values = ex.getQueryParameters().get(name);
        return values == null ? null : values.peekFirst();
    }

    private static void answer(HttpServerExchange ex, int status, String code) {
        ex.setStatusCode(status);
        ex.getResponseHeaders().put(Headers.CONTENT_TYPE, "text/plain; charset=utf-8");
        ex.getResponseSender().send(code + "\n", StandardCharsets.UTF_8);
    }
}
