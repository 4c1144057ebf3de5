package dev.kchat.localkafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kchat.events.chat.ChatCommand;
import dev.kchat.events.chat.ConversationEvent;
import dev.kchat.schemas.registry.Compatibility;
import dev.kchat.schemas.registry.HttpSchemaRegistryClient;
import dev.kchat.schemas.registry.InMemorySchemaRegistry;
import dev.kchat.schemas.registry.SchemaRegistryException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.apache.avro.Schema;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Our HTTP client against our registry server: the two halves of the Confluent REST API agree. */
class RegistryHttpServerTest {

    private final InMemorySchemaRegistry registry = new InMemorySchemaRegistry();
    private final RegistryHttpServer server = RegistryHttpServer.start(registry, "127.0.0.1", 0);
    private final String url = "http://127.0.0.1:" + server.port();
    private final HttpSchemaRegistryClient client = new HttpSchemaRegistryClient(url);

    @AfterEach
    void stop() {
        server.close();
    }

    @Test
    void shouldRegisterLookUpAndFetchOverHttp() {
        Schema schema = ConversationEvent.getClassSchema();

        int id = client.register("chat.conversation.log-value", schema);

        assertThat(registry.latest("chat.conversation.log-value").id()).isEqualTo(id);
        assertThat(client.lookup("chat.conversation.log-value", schema)).isEqualTo(id);
        assertThat(new HttpSchemaRegistryClient(url).schemaById(id)).isEqualTo(schema);
        assertThat(client.latest("chat.conversation.log-value").version()).isEqualTo(1);
        assertThat(client.versions("chat.conversation.log-value")).containsExactly(1);
    }

    @Test
    void shouldAnswerIncompatibleRegistrationsWith409() {
        client.setCompatibility("chat.commands-value", Compatibility.FULL_TRANSITIVE);
        client.register("chat.commands-value", ChatCommand.getClassSchema());
        Schema unrelated = ConversationEvent.getClassSchema();

        assertThat(client.isCompatible("chat.commands-value", unrelated)).isFalse();
        assertThatThrownBy(() -> client.register("chat.commands-value", unrelated))
                .isInstanceOfSatisfying(SchemaRegistryException.class,
                        e -> assertThat(e.errorCode()).isEqualTo(SchemaRegistryException.INCOMPATIBLE_SCHEMA));
        assertThat(client.compatibility("chat.commands-value")).isEqualTo(Compatibility.FULL_TRANSITIVE);
        assertThat(client.compatibility("other-value")).as("global default").isEqualTo(Compatibility.BACKWARD);
    }

    @Test
    void shouldAnswerMissingThingsWithTheDocumentedErrorCodes() {
        assertThatThrownBy(() -> client.schemaById(42)).isInstanceOfSatisfying(SchemaRegistryException.class,
                e -> assertThat(e.errorCode()).isEqualTo(SchemaRegistryException.SCHEMA_NOT_FOUND));
        assertThatThrownBy(() -> client.latest("nope-value")).isInstanceOfSatisfying(SchemaRegistryException.class,
                e -> assertThat(e.errorCode()).isEqualTo(SchemaRegistryException.SUBJECT_NOT_FOUND));
    }

    @Test
    void shouldRefuseAnInvalidSchemaWith422() throws Exception {
        HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                        URI.create(url + "/subjects/x-value/versions"))
                        .header("Content-Type", "application/vnd.schemaregistry.v1+json")
                        .POST(HttpRequest.BodyPublishers.ofString("{\"schema\":\"{\\\"type\\\":\\\"recrd\\\"}\"}"))
                        .build(), HttpResponse.BodyHandlers.ofString());

        assertThat(response.statusCode()).isEqualTo(422);
        assertThat(response.body()).contains("\"error_code\":42201");
        assertThat(registry.subjects()).isEmpty();
    }
}
