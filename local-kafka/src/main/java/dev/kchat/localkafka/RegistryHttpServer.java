package dev.kchat.localkafka;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kchat.schemas.registry.Compatibility;
import dev.kchat.schemas.registry.InMemorySchemaRegistry;
import dev.kchat.schemas.registry.SchemaRegistryClient.SchemaVersion;
import dev.kchat.schemas.registry.SchemaRegistryException;
import io.undertow.Handlers;
import io.undertow.Undertow;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.server.RoutingHandler;
import io.undertow.server.handlers.BlockingHandler;
import io.undertow.util.Headers;
import io.undertow.util.StatusCodes;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Deque;
import org.apache.avro.Schema;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves an {@link InMemorySchemaRegistry} over the Confluent Schema Registry REST API (v1), so
 * data engineers can point any Confluent-compatible tool at the local runner's topics.
 *
 * <p>Written by hand because Confluent's registry server is not on Maven Central. It implements
 * the subset of the documented API that clients use to produce and consume: subjects and versions,
 * schemas by id, registration and lookup, compatibility checks and config. Errors answer with the
 * documented {@code {"error_code": ..., "message": ...}} body.
 */
public final class RegistryHttpServer implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(RegistryHttpServer.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String CONTENT_TYPE = "application/vnd.schemaregistry.v1+json";
    private static final int SUBJECT_LEVEL_NOT_CONFIGURED = 40408;
    private static final int UNPROCESSABLE = 42200;

    private final InMemorySchemaRegistry registry;
    private final Undertow server;
    private final int port;

    private RegistryHttpServer(InMemorySchemaRegistry registry, Undertow server, int port) {
        this.registry = registry;
        this.server = server;
        this.port = port;
    }

    /** Serves the registry on {@code host:port} (port 0 picks a free one). */
    public static RegistryHttpServer start(InMemorySchemaRegistry registry, String host, int port) {
        RoutingHandler routes = Handlers.routing()
                .get("/", ex -> send(ex, StatusCodes.OK, JSON.createObjectNode()))
                .get("/subjects", ex -> send(ex, StatusCodes.OK, JSON.valueToTree(registry.subjects())))
                .get("/subjects/{subject}/versions", ex -> send(ex, StatusCodes.OK,
                        JSON.valueToTree(registry.versions(param(ex, "subject")))))
                .get("/subjects/{subject}/versions/{version}", ex -> send(ex, StatusCodes.OK,
                        versionJson(version(registry, ex))))
                .get("/subjects/{subject}/versions/{version}/schema", ex -> sendRaw(ex,
                        version(registry, ex).schema().toString()))
                .post("/subjects/{subject}/versions", ex -> {
                    int id = registry.register(param(ex, "subject"), schemaOf(ex));
                    send(ex, StatusCodes.OK, JSON.createObjectNode().put("id", id));
                })
                .post("/subjects/{subject}", ex -> {
                    String subject = param(ex, "subject");
                    int id = registry.lookup(subject, schemaOf(ex));
                    SchemaVersion found = registry.versions(subject).stream()
                            .map(v -> registry.version(subject, v))
                            .filter(v -> v.id() == id).findFirst().orElseThrow();
                    send(ex, StatusCodes.OK, versionJson(found));
                })
                .get("/schemas/ids/{id}", ex -> send(ex, StatusCodes.OK, JSON.createObjectNode()
                        .put("schema", registry.schemaById(intParam(ex, "id")).toString())))
                .post("/compatibility/subjects/{subject}/versions/{version}", ex -> {
                    String subject = param(ex, "subject");
                    var problems = registry.compatibilityProblems(subject, schemaOf(ex));
                    ObjectNode body = JSON.createObjectNode().put("is_compatible", problems.isEmpty());
                    if (queryFlag(ex, "verbose")) {
                        body.set("messages", JSON.valueToTree(problems));
                    }
                    send(ex, StatusCodes.OK, body);
                })
                .get("/config", ex -> send(ex, StatusCodes.OK, JSON.createObjectNode()
                        .put("compatibilityLevel", registry.globalCompatibility().name())))
                .put("/config", ex -> {
                    Compatibility level = levelOf(ex);
                    registry.setGlobalCompatibility(level);
                    send(ex, StatusCodes.OK, JSON.createObjectNode().put("compatibility", level.name()));
                })
                .get("/config/{subject}", ex -> {
                    String subject = param(ex, "subject");
                    Compatibility level = registry.subjectCompatibility(subject).orElse(null);
                    if (level == null && !queryFlag(ex, "defaultToGlobal")) {
                        throw new SchemaRegistryException(SUBJECT_LEVEL_NOT_CONFIGURED, "Subject '" + subject
                                + "' does not have subject-level compatibility configured");
                    }
                    send(ex, StatusCodes.OK, JSON.createObjectNode().put("compatibilityLevel",
                            (level == null ? registry.globalCompatibility() : level).name()));
                })
                .put("/config/{subject}", ex -> {
                    Compatibility level = levelOf(ex);
                    registry.setCompatibility(param(ex, "subject"), level);
                    send(ex, StatusCodes.OK, JSON.createObjectNode().put("compatibility", level.name()));
                })
                .setFallbackHandler(ex -> error(ex, new SchemaRegistryException(40400, "HTTP 404 Not Found")));
        HttpHandler handler = new BlockingHandler(ex -> {
            try {
                routes.handleRequest(ex);
            } catch (SchemaRegistryException e) {
                error(ex, e);
            } catch (IOException e) {
                error(ex, new SchemaRegistryException(SchemaRegistryException.INVALID_SCHEMA,
                        "Invalid schema: " + e.getMessage()));
            } catch (IllegalArgumentException e) {
                error(ex, new SchemaRegistryException(UNPROCESSABLE, e.getMessage()));
            } catch (RuntimeException e) {
                log.error("registry request {} {} failed", ex.getRequestMethod(), ex.getRequestPath(), e);
                error(ex, new SchemaRegistryException(SchemaRegistryException.BACKEND_ERROR, "Error in the backend: " + e));
            }
        });
        Undertow server = Undertow.builder()
                .addHttpListener(port, host)
                .setIoThreads(1)
                .setWorkerThreads(4)
                .setHandler(handler)
                .build();
        server.start();
        int bound = ((InetSocketAddress) server.getListenerInfo().get(0).getAddress()).getPort();
        log.info("schema registry (Confluent REST API) on http://{}:{}", host, bound);
        return new RegistryHttpServer(registry, server, bound);
    }

    public int port() {
        return port;
    }

    public InMemorySchemaRegistry registry() {
        return registry;
    }

    @Override
    public void close() {
        server.stop();
    }

    private static SchemaVersion version(InMemorySchemaRegistry registry, HttpServerExchange ex) {
        String subject = param(ex, "subject");
        String v = param(ex, "version");
        if (v.equals("latest") || v.equals("-1")) {
            return registry.latest(subject);
        }
        try {
            return registry.version(subject, Integer.parseInt(v));
        } catch (NumberFormatException e) {
            throw new SchemaRegistryException(42202, "The specified version '" + v + "' is not a valid version id");
        }
    }

    private static ObjectNode versionJson(SchemaVersion v) {
        return JSON.createObjectNode().put("subject", v.subject()).put("version", v.version())
                .put("id", v.id()).put("schema", v.schema().toString());
    }

    private static Schema schemaOf(HttpServerExchange ex) throws IOException {
        JsonNode body = JSON.readTree(ex.getInputStream());
        if (body == null || !body.hasNonNull("schema")) {
            throw new SchemaRegistryException(SchemaRegistryException.INVALID_SCHEMA, "Request has no 'schema' field");
        }
        String type = body.path("schemaType").asText("AVRO");
        if (!type.equals("AVRO")) {
            throw new SchemaRegistryException(SchemaRegistryException.INVALID_SCHEMA,
                    "schemaType " + type + " is not supported by this registry; only AVRO");
        }
        try {
            return new Schema.Parser().parse(body.get("schema").asText());
        } catch (RuntimeException e) {
            // Avro reports some invalid schemas (e.g. an unknown type name) with a bare NPE.
            throw new SchemaRegistryException(SchemaRegistryException.INVALID_SCHEMA, "Invalid schema: " + e.getMessage());
        }
    }

    private static Compatibility levelOf(HttpServerExchange ex) throws IOException {
        JsonNode body = JSON.readTree(ex.getInputStream());
        String level = body == null ? "" : body.path("compatibility").asText("");
        try {
            return Compatibility.valueOf(level);
        } catch (IllegalArgumentException e) {
            throw new SchemaRegistryException(SchemaRegistryException.INVALID_COMPATIBILITY_LEVEL,
                    "Invalid compatibility level '" + level + "'");
        }
    }

    private static String param(HttpServerExchange ex, String name) {
        Deque<String> values = ex.getQueryParameters().get(name);
        if (values == null || values.isEmpty()) {
            throw new IllegalArgumentException("missing path parameter " + name);
        }
        return values.getFirst();
    }

    private static int intParam(HttpServerExchange ex, String name) {
        try {
            return Integer.parseInt(param(ex, name));
        } catch (NumberFormatException e) {
            throw new SchemaRegistryException(SchemaRegistryException.SCHEMA_NOT_FOUND, "Schema " + param(ex, name) + " not found");
        }
    }

    private static boolean queryFlag(HttpServerExchange ex, String name) {
        Deque<String> values = ex.getQueryParameters().get(name);
        return values != null && !values.isEmpty() && Boolean.parseBoolean(values.getFirst());
    }

    private static void error(HttpServerExchange ex, SchemaRegistryException e) {
        ObjectNode body = JSON.createObjectNode().put("error_code", e.errorCode()).put("message", e.getMessage());
        send(ex, e.httpStatus(), body);
    }

    private static void send(HttpServerExchange ex, int status, JsonNode body) {
        ex.setStatusCode(status);
        ex.getResponseHeaders().put(Headers.CONTENT_TYPE, CONTENT_TYPE);
        ex.getResponseSender().send(body.toString(), StandardCharsets.UTF_8);
    }

    private static void sendRaw(HttpServerExchange ex, String text) {
        ex.getResponseHeaders().put(Headers.CONTENT_TYPE, CONTENT_TYPE);
        ex.getResponseSender().send(text, StandardCharsets.UTF_8);
    }
}
