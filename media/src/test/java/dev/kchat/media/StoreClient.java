package dev.kchat.media;

import dev.kchat.media.store.SignedUrl;
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

/** What a client does with signed URLs: plain HTTP, nothing of the platform's. */
public final class StoreClient {

    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private StoreClient() {
    }

    /** PUTs {@code body} to the signed URL with its signed headers; returns the status. */
    public static int put(SignedUrl url, byte[] body) {
        HttpRequest.Builder request = HttpRequest.newBuilder(url.url()).PUT(HttpRequest.BodyPublishers.ofByteArray(body));
        url.headers().forEach((name, value) -> {
            if (!name.equalsIgnoreCase("content-length")) {
                request.header(name, value);
            }
        });
        return send(request.build(), HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    /** GETs the signed URL. */
    public static HttpResponse<byte[]> get(java.net.URI url) {
        return send(HttpRequest.newBuilder(url).GET().build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    private static <T> HttpResponse<T> send(HttpRequest request, HttpResponse.BodyHandler<T> handler) {
        try {
            return HTTP.send(request, handler);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
