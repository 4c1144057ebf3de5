package dev.kchat.schemas.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.kchat.events.chat.ConversationEvent;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.avro.Schema;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The HTTP client against a stub server that answers as the Confluent Schema Registry API is
 * documented to (docs.confluent.io/platform/current/schema-registry/develop/api.html), recording
 * what the client sends.
 */
class HttpSchemaRegistryClientTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Schema SCHEMA = ConversationEvent.getClassSchema();

    private record Call(String method, String pathAndQuery, String contentType, JsonNode body) {
    }

    private record Answer(int status, String body) {
    }

    private final List<Call> calls = new CopyOnWriteArrayList<>();
    private final Map<String, Answer> answers = new ConcurrentHashMap<>();
    private HttpServer stub;
    private HttpSchemaRegistryClient client;

    @BeforeEach
    void startStub() throws IOException {
        stub = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        stub.createContext("/", this::answer);
        stub.start();
        client = new HttpSchemaRegistryClient("http://127.0.0.1:" + stub.getAddress().getPort(), Duration.ofSeconds(5));
    }

    @AfterEach
    void stopStub() {
        stub.stop(0);
    }

    private void answer(HttpExchange ex) throws IOException {
        String body = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
        String key = ex.getRequestMethod() + " " + ex.getRequestURI();
        calls.add(new Call(ex.getRequestMethod(), ex.getRequestURI().toString(),
                ex.getRequestHeaders().getFirst("Content-Type"), body.isEmpty() ? null : JSON.readTree(body)));
        Answer a = answers.getOrDefault(key, new Answer(404, "{\"error_code\":40400,\"message\":\"HTTP 404 Not Found\"}"));
        byte[] bytes = a.body().getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().add("Content-Type", "application/vnd.schemaregistry.v1+json");
        ex.sendResponseHeaders(a.status(), bytes.length);
        ex.getResponseBody().write(bytes);
        ex.close();
    }

    private void given(String request, int status, String body) {
        answers.put(request, new Answer(status, body));
    }

    private static String quoted(Schema schema) {
        try {
            return JSON.writeValueAsString(schema.toString());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void shouldRegisterWithTheDocumentedRequestAndCacheTheId() {
        given("POST /subjects/chat.conversation.log-value/versions", 200, "{\"id\":7}");

        int first = client.register("chat.conversation.log-value", SCHEMA);
        int second = client.register("chat.conversation.log-value", SCHEMA);

        assertThat(first).isEqualTo(7);
        assertThat(second).isEqualTo(7);
        assertThat(calls).hasSize(1);
        Call call = calls.get(0);
        assertThat(call.contentType()).isEqualTo("application/vnd.schemaregistry.v1+json");
        assertThat(call.body().get("schema").asText()).isEqualTo(SCHEMA.toString());
        assertThat(call.body().get("schemaType").asText()).isEqualTo("AVRO");
    }

    @Test
    void shouldFetchASchemaByIdOnceAndServeItFromCache() {
        given("GET /schemas/ids/7", 200, "{\"schema\":" + quoted(SCHEMA) + "}");

        Schema a = client.schemaById(7);
        Schema b = client.schemaById(7);

        assertThat(a).isEqualTo(SCHEMA);
        assertThat(b).isSameAs(a);
        assertThat(calls).hasSize(1);
    }

    @Test
    void shouldKnowTheIdOfARegisteredSchemaAfterRegistering() {
        given("POST /subjects/s-value/versions", 200, "{\"id\":3}");
        client.register("s-value", SCHEMA);

        assertThat(client.schemaById(3)).isEqualTo(SCHEMA);
        assertThat(calls).hasSize(1);
    }

    @Test
    void shouldLookUpWithoutRegistering() {
        given("POST /subjects/s-value", 200, "{\"subject\":\"s-value\",\"id\":4,\"version\":2,\"schema\":" + quoted(SCHEMA) + "}");

        assertThat(client.lookup("s-value", SCHEMA)).isEqualTo(4);
        assertThat(calls.get(0).pathAndQuery()).isEqualTo("/subjects/s-value");
    }

    @Test
    void shouldReadLatestVersionAndVersionList() {
        given("GET /subjects/s-value/versions/latest", 200,
                "{\"subject\":\"s-value\",\"id\":9,\"version\":2,\"schema\":" + quoted(SCHEMA) + "}");
        given("GET /subjects/s-value/versions", 200, "[1,2]");

        SchemaRegistryClient.SchemaVersion latest = client.latest("s-value");

        assertThat(latest.id()).isEqualTo(9);
        assertThat(latest.version()).isEqualTo(2);
        assertThat(latest.schema()).isEqualTo(SCHEMA);
        assertThat(client.versions("s-value")).containsExactly(1, 2);
    }

    @Test
    void shouldReportTheRegistrysCompatibilityVerdict() {
        given("POST /compatibility/subjects/s-value/versions/latest", 200, "{\"is_compatible\":false}");
        given("POST /compatibility/subjects/new-value/versions/latest", 404,
                "{\"error_code\":40401,\"message\":\"Subject 'new-value' not found.\"}");

        assertThat(client.isCompatible("s-value", SCHEMA)).isFalse();
        assertThat(client.isCompatible("new-value", SCHEMA)).as("nothing registered, nothing to break").isTrue();
    }

    @Test
    void shouldReadAndSetSubjectCompatibility() {
        given("GET /config/s-value?defaultToGlobal=true", 200, "{\"compatibilityLevel\":\"FULL_TRANSITIVE\"}");
        given("PUT /config/s-value", 200, "{\"compatibility\":\"FULL\"}");

        assertThat(client.compatibility("s-value")).isEqualTo(Compatibility.FULL_TRANSITIVE);
        client.setCompatibility("s-value", Compatibility.FULL);

        assertThat(calls.get(1).body().get("compatibility").asText()).isEqualTo("FULL");
    }

    @Test
    void shouldRaiseTheRegistrysErrorCodeWhenASchemaIsIncompatible() {
        given("POST /subjects/s-value/versions", 409,
                "{\"error_code\":409,\"message\":\"Schema being registered is incompatible with an earlier schema\"}");

        assertThatThrownBy(() -> client.register("s-value", SCHEMA))
                .isInstanceOfSatisfying(SchemaRegistryException.class, e -> {
                    assertThat(e.errorCode()).isEqualTo(409);
                    assertThat(e.getMessage()).contains("incompatible with an earlier schema");
                })
                .isNotInstanceOf(SchemaRegistryException.Unavailable.class);
    }

    @Test
    void shouldRaiseNotFoundWithItsCode() {
        given("GET /schemas/ids/404", 404, "{\"error_code\":40403,\"message\":\"Schema 404 not found\"}");

        assertThatThrownBy(() -> client.schemaById(404))
                .isInstanceOfSatisfying(SchemaRegistryException.class,
                        e -> assertThat(e.errorCode()).isEqualTo(SchemaRegistryException.SCHEMA_NOT_FOUND));
    }

    @Test
    void shouldRaiseUnavailableOnServerErrors() {
        given("GET /schemas/ids/5", 500, "{\"error_code\":50001,\"message\":\"Error in the backend data store\"}");

        assertThatThrownBy(() -> client.schemaById(5))
                .isInstanceOf(SchemaRegistryException.Unavailable.class)
                .hasMessageContaining("Error in the backend data store");
    }

    @Test
    void shouldRaiseUnavailableWhenNothingListens() throws IOException {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0)) {
            closedPort = s.getLocalPort();
        }
        HttpSchemaRegistryClient down = new HttpSchemaRegistryClient("http://127.0.0.1:" + closedPort, Duration.ofSeconds(2));

        assertThatThrownBy(() -> down.register("s-value", SCHEMA))
                .isInstanceOf(SchemaRegistryException.Unavailable.class)
                .hasMessageContaining("unreachable");
    }

    @Test
    void shouldRaiseUnavailableWhenTheAnswerIsNotTheRegistryApi() {
        given("GET /schemas/ids/6", 200, "<html>proxy login</html>");

        assertThatThrownBy(() -> client.schemaById(6))
                .isInstanceOf(SchemaRegistryException.Unavailable.class)
                .hasMessageContaining("not JSON");
    }

    @Test
    void shouldRefuseAUrlThatIsNotHttp() {
        assertThatThrownBy(() -> new HttpSchemaRegistryClient("mock://scope"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("http(s)://");
    }
}
