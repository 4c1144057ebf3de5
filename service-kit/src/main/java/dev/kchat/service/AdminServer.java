package dev.kchat.service;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.undertow.Undertow;
import io.undertow.server.HttpServerExchange;
import io.undertow.server.handlers.PathHandler;
import io.undertow.util.Headers;
import io.undertow.util.StatusCodes;
import java.net.InetSocketAddress;
import java.util.LinkedHashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The operator-facing HTTP endpoint of a component: {@code GET /health/live} (the process runs),
 * {@code GET /health/ready} (every readiness check is up; 503 otherwise, with each check's detail)
 * and {@code GET /metrics} (Prometheus text format).
 */
public final class AdminServer implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(AdminServer.class);

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Undertow server;
    private final int port;

    private AdminServer(Undertow server, int port) {
        this.server = server;
        this.port = port;
    }

    /**
     * Starts the admin server. Port 0 picks a free one ({@link #port()} tells which).
     *
     * @param checks readiness checks by name, evaluated in order on each request
     */
    public static AdminServer start(String host, int port, PrometheusMeterRegistry metrics, Map<String, Health.Check> checks) {
        Map<String, Health.Check> ordered = new LinkedHashMap<>(checks);
        PathHandler paths = new PathHandler()
                .addExactPath("/health/live", ex -> json(ex, StatusCodes.OK, "{\"status\":\"UP\"}"))
                .addExactPath("/health/ready", ex -> ready(ex, ordered))
                .addExactPath("/metrics", ex -> {
                    ex.getResponseHeaders().put(Headers.CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8");
                    ex.getResponseSender().send(metrics.scrape());
                });
        Undertow server = Undertow.builder()
                .addHttpListener(port, host)
                .setIoThreads(1)
                .setWorkerThreads(2)
                .setHandler(paths)
                .build();
        server.start();
        int bound = ((InetSocketAddress) server.getListenerInfo().get(0).getAddress()).getPort();
        log.info("admin server on http://{}:{} (/health/live, /health/ready, /metrics)", host, bound);
        return new AdminServer(server, bound);
    }

    public int port() {
        return port;
    }

    private static void ready(HttpServerExchange ex, Map<String, Health.Check> checks) throws Exception {
        boolean allUp = true;
        ObjectNode body = JSON.createObjectNode();
        ObjectNode results = body.putObject("checks");
        for (Map.Entry<String, Health.Check> e : checks.entrySet()) {
            Health h;
            try {
                h = e.getValue().check();
            } catch (RuntimeException failure) {
                h = Health.down("check failed: " + failure);
            }
            allUp &= h.up();
            results.putObject(e.getKey()).put("up", h.up()).put("detail", h.detail());
        }
        body.put("status", allUp ? "UP" : "DOWN");
        json(ex, allUp ? StatusCodes.OK : StatusCodes.SERVICE_UNAVAILABLE, JSON.writeValueAsString(body));
    }

    private static void json(HttpServerExchange ex, int status, String body) {
        ex.setStatusCode(status);
        ex.getResponseHeaders().put(Headers.CONTENT_TYPE, "application/json");
        ex.getResponseSender().send(body);
    }

    @Override
    public void close() {
        server.stop();
    }

}
