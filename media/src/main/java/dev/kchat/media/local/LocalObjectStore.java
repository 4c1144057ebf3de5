package dev.kchat.media.local;

import dev.kchat.media.store.MultipartPlan;
import dev.kchat.media.store.ObjectKeys;
import dev.kchat.media.store.ObjectNotFoundException;
import dev.kchat.media.store.ObjectStore;
import dev.kchat.media.store.SignedUrl;
import io.undertow.Undertow;
import io.undertow.UndertowOptions;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Media in a directory, for {@code bin/run-local} and tests: objects are files under {@code root},
 * and the store serves its own signed, expiring URLs on a small HTTP server of its own
 * ({@link LocalObjectHandler}), so clients upload and download straight to it as they would to S3
 * (and not through the API's port, whose request bodies are limited to messages' size).
 *
 * <p>A multipart upload keeps its parts as {@code <key>.part-<n>} until {@link #completeMultipart}
 * joins them. Writes go to a temporary file first and are moved into place, so a reader never sees
 * half an object.
 */
public final class LocalObjectStore implements ObjectStore {

    private static final Logger log = LoggerFactory.getLogger(LocalObjectStore.class);
    /** Path of the object URLs on the store's server. */
    static final String PREFIX = "/media/objects/";

    private final Path root;
    private final UrlSigner signer;
    private final Clock clock;
    private final Undertow server;
    private final String publicHost;
    private volatile URI base;

    private LocalObjectStore(Path root, UrlSigner signer, Clock clock, Undertow server, String publicHost) {
        this.root = root;
        this.signer = signer;
        this.clock = clock;
        this.server = server;
        this.publicHost = publicHost;
    }

    /**
     * Starts the store's server on {@code host:port} (0: any free port) over {@code root}.
     *
     * @param publicHost the host name clients reach the server by (in the signed URLs)
     */
    public static LocalObjectStore start(Path root, String host, int port, String publicHost, byte[] signingKey, Clock clock) {
        LocalObjectStore store = prepare(root, host, port, publicHost, signingKey, clock);
        store.listen();
        return store;
    }

    /**
     * The store, not yet listening: {@link #listen()} binds its port. An application that also binds
     * ports chosen ahead (tests probe free ports, then bind them) listens after binding those, so that
     * a port of 0 here cannot be handed one of them in between.
     */
    public static LocalObjectStore prepare(Path root, String host, int port, String publicHost, byte[] signingKey, Clock clock) {
        try {
            Files.createDirectories(root);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the media directory " + root, e);
        }
        UrlSigner signer = new UrlSigner(signingKey);
        Path absolute = root.toAbsolutePath();
        Undertow server = Undertow.builder()
                .addHttpListener(port, host)
                .setServerOption(UndertowOptions.NO_REQUEST_TIMEOUT, 60_000)
                // Undertow's own 2 MiB cap would cut uploads short; each URL's signed byte count is the limit.
                .setServerOption(UndertowOptions.MAX_ENTITY_SIZE, Long.MAX_VALUE)
                .setHandler(new LocalObjectHandler(absolute, signer, clock, PREFIX))
                .build();
        return new LocalObjectStore(absolute, signer, clock, server, publicHost);
    }

    /** Binds the store's port and serves its URLs; URLs are signed only from then on. */
    public void listen() {
        server.start();
        int bound = ((InetSocketAddress) server.getListenerInfo().get(0).getAddress()).getPort();
        base = URI.create("http://" + publicHost + ":" + bound);
        log.info("local media store in {} serving signed URLs on {}", root, base);
    }

    /** Where the store's server listens, e.g. {@code http://127.0.0.1:8070}. */
    public URI baseUrl() {
        return base;
    }

    @Override
    public SignedUrl signPut(String key, String contentType, long size, Duration ttl) {
        return sign("PUT", key, size, contentType, ttl, Map.of("Content-Type", contentType));
    }

    @Override
    public MultipartPlan startMultipart(String key, String contentType, int parts, long partSize, Duration ttl) {
        try {
            Files.createDirectories(file(key).getParent());
            Files.writeString(file(key + ".parts"), String.valueOf(parts));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        List<SignedUrl> urls = new ArrayList<>();
        for (int n = 1; n <= parts; n++) {
            urls.add(sign("PUT", partKey(key, n), partSize, "application/octet-stream", ttl, Map.of()));
        }
        return new MultipartPlan(partSize, urls);
    }

    @Override
    public List<Integer> completeMultipart(String key, int parts) {
        Path manifest = file(key + ".parts");
        if (!Files.exists(manifest)) {
            throw new ObjectNotFoundException(key);
        }
        List<Integer> missing = new ArrayList<>();
        for (int n = 1; n <= parts; n++) {
            if (!Files.exists(file(partKey(key, n)))) {
                missing.add(n);
            }
        }
        if (!missing.isEmpty()) {
            return missing;
        }
        try {
            Path tmp = Files.createTempFile(file(key).getParent(), ".join", ".tmp");
            try (OutputStream out = Files.newOutputStream(tmp)) {
                for (int n = 1; n <= parts; n++) {
                    Files.copy(file(partKey(key, n)), out);
                }
            }
            Files.move(tmp, file(key), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            for (int n = 1; n <= parts; n++) {
                Files.deleteIfExists(file(partKey(key, n)));
            }
            Files.deleteIfExists(manifest);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot join the parts of " + key, e);
        }
        return List.of();
    }

    @Override
    public OptionalLong size(String key) {
        Path file = file(key);
        try {
            return Files.isRegularFile(file) ? OptionalLong.of(Files.size(file)) : OptionalLong.empty();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public byte[] readPrefix(String key, int maxBytes) throws IOException {
        try (InputStream in = open(key)) {
            return in.readNBytes(maxBytes);
        }
    }

    @Override
    public InputStream open(String key) throws IOException {
        Path file = file(key);
        if (!Files.isRegularFile(file)) {
            throw new ObjectNotFoundException(key);
        }
        return Files.newInputStream(file);
    }

    @Override
    public void put(String key, byte[] bytes, String contentType) throws IOException {
        Path file = file(key);
        Files.createDirectories(file.getParent());
        Path tmp = Files.createTempFile(file.getParent(), ".put", ".tmp");
        Files.write(tmp, bytes);
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    @Override
    public SignedUrl signGet(String key, String contentType, Duration ttl) {
        return sign("GET", key, 0, contentType, ttl, Map.of());
    }

    @Override
    public void delete(String key) {
        try {
            Files.deleteIfExists(file(key));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        server.stop();
    }

    static String partKey(String key, int n) {
        return key + ".part-" + n;
    }

    private SignedUrl sign(String method, String key, long maxBytes, String contentType, Duration ttl, Map<String, String> headers) {
        ObjectKeys.check(key);
        URI base = this.base;
        if (base == null) {
            throw new IllegalStateException("the local media store does not listen yet");
        }
        Instant expires = clock.instant().plus(ttl).plusSeconds(1).truncatedTo(java.time.temporal.ChronoUnit.SECONDS);
        String sig = signer.sign(method, key, expires, maxBytes, contentType);
        URI url = URI.create(base + PREFIX + key + "?exp=" + expires.getEpochSecond() + "&max=" + maxBytes
                + "&ct=" + URLEncoder.encode(contentType, StandardCharsets.UTF_8) + "&sig=" + sig);
        return new SignedUrl(method, url, expires, headers);
    }

    private Path file(String key) {
        return LocalObjectHandler.resolve(root, ObjectKeys.check(key));
    }
}
