package dev.kchat.schemas.registry;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.Schema;

/**
 * Client of a Confluent-compatible Schema Registry over its REST API (v1).
 *
 * <p>Written by hand because Confluent's client jars are not on Maven Central; it implements only
 * the documented endpoints the platform needs ({@code POST /subjects/{s}/versions},
 * {@code POST /subjects/{s}}, {@code GET /schemas/ids/{id}}, {@code GET /subjects/{s}/versions[/latest]},
 * {@code POST /compatibility/subjects/{s}/versions/latest}, {@code GET|PUT /config/{s}}).
 *
 * <p>Caching: ids and schemas are immutable once assigned, so schemas by id and ids by
 * (subject, schema) are cached for the life of the client; "latest", "versions" and config are
 * always fetched. Thread-safe.
 */
public final class HttpSchemaRegistryClient implements SchemaRegistryClient {

    static final String CONTENT_TYPE = "application/vnd.schemaregistry.v1+json";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final URI base;
    private final HttpClient http;
    private final Duration requestTimeout;
    private final Map<Integer, Schema> schemasById = new ConcurrentHashMap<>();
    private final Map<String, Integer> idsBySubjectAndSchema = new ConcurrentHashMap<>();

    public HttpSchemaRegistryClient(String baseUrl, Duration requestTimeout) {
        String trimmed = baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl;
        this.base = URI.create(trimmed);
        if (base.getScheme() == null || !(base.getScheme().equals("http") || base.getScheme().equals("https"))) {
            throw new IllegalArgumentException("schema registry URL must be http(s)://host:port, was " + baseUrl);
        }
        this.requestTimeout = requestTimeout;
        this.http = HttpClient.newBuilder().connectTimeout(requestTimeout).build();
    }

    public HttpSchemaRegistryClient(String baseUrl) {
        this(baseUrl, Duration.ofSeconds(10));
    }

    public URI baseUrl() {
        return base;
    }

    @Override
    public int register(String subject, Schema schema) {
        String cacheKey = subject + '\u0000' + schema;
        Integer cached = idsBySubjectAndSchema.get(cacheKey);
        if (cached != null) {
            return cached;
        }
        JsonNode answer = send("POST", "/subjects/" + encode(subject) + "/versions", schemaBody(schema));
        int id = answer.path("id").asInt(-1);
        if (id < 0) {
            throw unexpected("register", answer);
        }
        remember(cacheKey, id, schema);
        return id;
    }

    @Override
    public int lookup(String subject, Schema schema) {
        String cacheKey = subject + '\u0000' + schema;
        Integer cached = idsBySubjectAndSchema.get(cacheKey);
        if (cached != null) {
            return cached;
        }
        JsonNode answer = send("POST", "/subjects/" + encode(subject), schemaBody(schema));
        int id = answer.path("id").asInt(-1);
        if (id < 0) {
            throw unexpected("lookup", answer);
        }
        remember(cacheKey, id, schema);
        return id;
    }

    @Override
    public Schema schemaById(int id) {
        Schema cached = schemasById.get(id);
        if (cached != null) {
            return cached;
        }
        JsonNode answer = send("GET", "/schemas/ids/" + id, null);
        Schema schema = parse(answer);
        schemasById.putIfAbsent(id, schema);
        return schema;
    }

    @Override
    public SchemaVersion latest(String subject) {
        JsonNode answer = send("GET", "/subjects/" + encode(subject) + "/versions/latest", null);
        return new SchemaVersion(answer.path("subject").asText(subject), answer.path("version").asInt(),
                answer.path("id").asInt(), parse(answer));
    }

    @Override
    public List<Integer> versions(String subject) {
        JsonNode answer = send("GET", "/subjects/" + encode(subject) + "/versions", null);
        if (!answer.isArray()) {
            throw unexpected("versions", answer);
        }
        List<Integer> out = new ArrayList<>();
        answer.forEach(n -> out.add(n.asInt()));
        return List.copyOf(out);
    }

    @Override
    public boolean isCompatible(String subject, Schema schema) {
        try {
            JsonNode answer = send("POST", "/compatibility/subjects/" + encode(subject) + "/versions/latest",
                    schemaBody(schema));
            if (!answer.has("is_compatible")) {
                throw unexpected("compatibility", answer);
            }
            return answer.get("is_compatible").asBoolean();
        } catch (SchemaRegistryException e) {
            if (e.errorCode() == SchemaRegistryException.SUBJECT_NOT_FOUND
                    || e.errorCode() == SchemaRegistryException.VERSION_NOT_FOUND) {
                return true; // nothing registered yet: nothing to break
            }
            throw e;
        }
    }

    @Override
    public Compatibility compatibility(String subject) {
        JsonNode answer = send("GET", "/config/" + encode(subject) + "?defaultToGlobal=true", null);
        String level = answer.path("compatibilityLevel").asText(answer.path("compatibility").asText(""));
        try {
            return Compatibility.valueOf(level);
        } catch (IllegalArgumentException e) {
            throw unexpected("config", answer);
        }
    }

    @Override
    public void setCompatibility(String subject, Compatibility level) {
        ObjectNode body = JSON.createObjectNode().put("compatibility", level.name());
        send("PUT", "/config/" + encode(subject), body);
    }

    private void remember(String cacheKey, int id, Schema schema) {
        idsBySubjectAndSchema.put(cacheKey, id);
        schemasById.putIfAbsent(id, schema);
    }

    private static ObjectNode schemaBody(Schema schema) {
        return JSON.createObjectNode().put("schemaType", "AVRO").put("schema", schema.toString());
    }

    private Schema parse(JsonNode answer) {
        String text = answer.path("schema").asText(null);
        if (text == null) {
            throw unexpected("schema", answer);
        }
        String type = answer.path("schemaType").asText("AVRO");
        if (!type.equals("AVRO")) {
            throw new SchemaRegistryException(SchemaRegistryException.INVALID_SCHEMA,
                    "registry returned a " + type + " schema; only AVRO is supported");
        }
        try {
            return new Schema.Parser().parse(text);
        } catch (RuntimeException e) {
            throw new SchemaRegistryException(SchemaRegistryException.INVALID_SCHEMA,
                    "registry returned a schema Avro cannot parse: " + e.getMessage(), e);
        }
    }

    private JsonNode send(String method, String path, JsonNode body) {
        URI uri = URI.create(base + path);
        HttpRequest.Builder request = HttpRequest.newBuilder(uri)
                .timeout(requestTimeout)
                .header("Accept", CONTENT_TYPE + ", application/json");
        if (body != null) {
            request.header("Content-Type", CONTENT_TYPE)
                    .method(method, HttpRequest.BodyPublishers.ofString(body.toString(), StandardCharsets.UTF_8));
        } else {
            request.method(method, HttpRequest.BodyPublishers.noBody());
        }
        HttpResponse<String> response;
        try {
            response = http.send(request.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new SchemaRegistryException.Unavailable(
                    "schema registry at " + base + " is unreachable (" + method + " " + path + "): " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SchemaRegistryException.Unavailable("interrupted while calling the schema registry", e);
        }
        JsonNode json;
        try {
            json = JSON.readTree(response.body());
        } catch (JsonProcessingException e) {
            throw new SchemaRegistryException.Unavailable("schema registry at " + base + " answered " + method + " "
                    + path + " with HTTP " + response.statusCode() + " and a body that is not JSON", e);
        }
        if (response.statusCode() / 100 != 2) {
            int code = json.path("error_code").asInt(response.statusCode());
            String message = json.path("message").asText("HTTP " + response.statusCode());
            if (response.statusCode() >= 500) {
                throw new SchemaRegistryException.Unavailable("schema registry error on " + method + " " + path + ": "
                        + message + " (error_code " + code + ")", null);
            }
            throw new SchemaRegistryException(code, message);
        }
        return json;
    }

    private SchemaRegistryException unexpected(String what, JsonNode answer) {
        return new SchemaRegistryException.Unavailable(
                "schema registry at " + base + " gave an unexpected " + what + " answer: " + answer, null);
    }

    private static String encode(String subject) {
        return URLEncoder.encode(subject, StandardCharsets.UTF_8).replace("+", "%20");
    }
}
