package dev.kchat.ingress;

import static org.assertj.core.api.Assertions.assertThat;

import io.undertow.Undertow;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** CORS in front of the API, over real HTTP: a listed origin is let in, any other is not. */
class CrossOriginTest {

    private static final String PAGE = "http://127.0.0.1:8090";
    private final HttpClient http = HttpClient.newHttpClient();
    private final AtomicInteger reachedApi = new AtomicInteger();
    private Undertow server;
    private String base;

    @BeforeEach
    void start() {
        server = Undertow.builder().addHttpListener(0, "127.0.0.1")
                .setHandler(new CrossOrigin(List.of(PAGE), ex -> {
                    reachedApi.incrementAndGet();
                    ex.setStatusCode(200).getResponseSender().send("{}");
                }))
                .build();
        server.start();
        base = "http://127.0.0.1:" + ((InetSocketAddress) server.getListenerInfo().get(0).getAddress()).getPort();
    }

    @AfterEach
    void stop() {
        server.stop();
    }

    @Test
    void shouldAnswerAListedOriginsPreflightWithoutReachingTheApi() throws Exception {
        HttpResponse<String> r = send(HttpRequest.newBuilder(URI.create(base + "/v1/conversations"))
                .method("OPTIONS", HttpRequest.BodyPublishers.noBody())
                .header("Origin", PAGE).header("Access-Control-Request-Method", "POST")
                .header("Access-Control-Request-Headers", "authorization, content-type, idempotency-key"));

        assertThat(r.statusCode()).isEqualTo(204);
        assertThat(r.headers().firstValue("Access-Control-Allow-Origin")).contains(PAGE);
        assertThat(r.headers().firstValue("Access-Control-Allow-Headers")).contains(CrossOrigin.REQUEST_HEADERS);
        assertThat(r.headers().firstValue("Access-Control-Allow-Methods").orElseThrow()).contains("PATCH", "DELETE");
        assertThat(reachedApi).hasValue(0);
    }

    @Test
    void shouldLetAListedOriginReadTheAnswerAndItsHeaders() throws Exception {
        HttpResponse<String> r = send(HttpRequest.newBuilder(URI.create(base + "/v1/conversations")).header("Origin", PAGE));

        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("Access-Control-Allow-Origin")).contains(PAGE);
        assertThat(r.headers().firstValue("Access-Control-Expose-Headers").orElseThrow()).contains("Retry-After", "Preference-Applied");
        assertThat(r.headers().allValues("Vary")).contains("Origin");
    }

    @Test
    void shouldGiveAnOriginNotListedNoCorsHeaders() throws Exception {
        HttpResponse<String> preflight = send(HttpRequest.newBuilder(URI.create(base + "/v1/conversations"))
                .method("OPTIONS", HttpRequest.BodyPublishers.noBody())
                .header("Origin", "http://evil.test").header("Access-Control-Request-Method", "POST"));
        HttpResponse<String> get = send(HttpRequest.newBuilder(URI.create(base + "/v1/conversations")).header("Origin", "http://evil.test"));

        assertThat(preflight.headers().firstValue("Access-Control-Allow-Origin")).isEmpty();
        assertThat(get.headers().firstValue("Access-Control-Allow-Origin")).isEmpty();
    }

    private HttpResponse<String> send(HttpRequest.Builder request) throws Exception {
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }
}
