package dev.kchat.schemas.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kchat.events.chat.ChatCommand;
import dev.kchat.schemas.Samples;
import dev.kchat.schemas.serde.AvroSerde;
import java.util.Iterator;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.DecoderFactory;
import org.junit.jupiter.api.Test;

/**
 * Schema evolution rules on a real platform schema (chat.commands): what a new version of a topic's
 * schema may and may not do.
 */
class SchemaEvolutionTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String SUBJECT = "chat.commands-value";

    private final InMemorySchemaRegistry registry = new InMemorySchemaRegistry();
    private final Schema v1 = ChatCommand.getClassSchema();

    @Test
    void shouldAcceptAnOptionalFieldWithADefaultUnderBackward() {
        registry.setCompatibility(SUBJECT, Compatibility.BACKWARD);
        registry.register(SUBJECT, v1);

        Schema v2 = withOptionalField(v1, "client_version");

        assertThat(registry.isCompatible(SUBJECT, v2)).isTrue();
        assertThat(registry.register(SUBJECT, v2)).isEqualTo(2);
        assertThat(registry.versions(SUBJECT)).containsExactly(1, 2);
    }

    @Test
    void shouldAcceptAnOptionalFieldWithADefaultUnderThePlatformLevel() {
        registry.setCompatibility(SUBJECT, Compatibility.PLATFORM_DEFAULT);
        registry.register(SUBJECT, v1);

        assertThat(registry.compatibilityProblems(SUBJECT, withOptionalField(v1, "client_version"))).isEmpty();
    }

    @Test
    void shouldAcceptANewKindOfCommandAsAUnionBranchUnderThePlatformLevel() {
        registry.setCompatibility(SUBJECT, Compatibility.PLATFORM_DEFAULT);
        registry.register(SUBJECT, v1);

        Schema v2 = withPayloadBranch(v1, "PinMessage");

        assertThat(registry.compatibilityProblems(SUBJECT, v2)).isEmpty();
        assertThat(registry.register(SUBJECT, v2)).isEqualTo(2);
        // Why the platform level is not FULL: a reader without the branch cannot resolve it.
        assertThat(Compatibility.FULL_TRANSITIVE.check(v2, java.util.List.of(v1)))
                .anySatisfy(p -> assertThat(p).contains("an earlier version cannot read"));
    }

    @Test
    void shouldRefuseARequiredFieldWithoutDefaultUnderThePlatformLevel() {
        registry.setCompatibility(SUBJECT, Compatibility.PLATFORM_DEFAULT);
        registry.register(SUBJECT, v1);

        Schema withRequired = withField(v1, JSON.createObjectNode().put("name", "tenant_id").put("type", "string"));

        assertThat(registry.isCompatible(SUBJECT, withRequired)).isFalse();
        assertThatThrownBy(() -> registry.register(SUBJECT, withRequired))
                .isInstanceOf(SchemaRegistryException.class)
                .hasMessageContaining("tenant_id")
                .satisfies(e -> assertThat(((SchemaRegistryException) e).errorCode())
                        .isEqualTo(SchemaRegistryException.INCOMPATIBLE_SCHEMA));
        assertThat(registry.versions(SUBJECT)).containsExactly(1);
    }

    @Test
    void shouldRefuseRemovingARequiredFieldUnderForwardButNotUnderPlainBackward() {
        // Avro's resolution rules: a reader ignores writer fields it does not know, so plain
        // BACKWARD allows the removal; old consumers (FORWARD) cannot fill the missing field.
        Schema withoutSender = withoutField(v1, "sender_id");
        assertThat(Compatibility.BACKWARD.check(withoutSender, java.util.List.of(v1))).isEmpty();
        assertThat(Compatibility.FORWARD.check(withoutSender, java.util.List.of(v1)))
                .singleElement().asString().contains("READER_FIELD_MISSING_DEFAULT_VALUE").contains("sender_id");
    }

    @Test
    void shouldRefuseARequiredFieldWithoutDefaultUnderBackward() {
        registry.setCompatibility(SUBJECT, Compatibility.BACKWARD);
        registry.register(SUBJECT, v1);

        Schema withRequired = withField(v1, JSON.createObjectNode().put("name", "tenant_id").put("type", "string"));

        assertThatThrownBy(() -> registry.register(SUBJECT, withRequired))
                .isInstanceOf(SchemaRegistryException.class).hasMessageContaining("tenant_id");
    }

    @Test
    void shouldCheckEveryEarlierVersionWhenTransitive() {
        registry.setCompatibility(SUBJECT, Compatibility.NONE);
        registry.register(SUBJECT, v1);
        Schema v2 = withoutField(v1, "sender_device_id"); // optional field removed
        registry.register(SUBJECT, v2);
        // v3 re-adds the field as a plain string: fine against v2, but v1 data holds a nullable
        // union there, whose null branch a string reader cannot take.
        Schema v3 = withField(v2, JSON.createObjectNode().put("name", "sender_device_id").put("type", "string").put("default", "unknown"));

        assertThat(Compatibility.BACKWARD.check(v3, java.util.List.of(v1, v2))).isEmpty();
        assertThat(Compatibility.BACKWARD_TRANSITIVE.check(v3, java.util.List.of(v1, v2)))
                .anySatisfy(p -> assertThat(p).contains("sender_device_id"));
    }

    @Test
    void shouldLetANewReaderDecodeDataWrittenWithTheOldSchema() throws Exception {
        registry.setCompatibility(SUBJECT, Compatibility.PLATFORM_DEFAULT);
        byte[] oldBytes = AvroSerde.forValues(registry, ChatCommand.class).serialize("chat.commands", Samples.sendCommand("k1", "hi"));
        Schema v2 = withOptionalField(v1, "client_version");
        registry.register(SUBJECT, v2);

        GenericRecord decoded = new GenericDatumReader<GenericRecord>(v1, v2, GenericData.get())
                .read(null, DecoderFactory.get().binaryDecoder(oldBytes, 5, oldBytes.length - 5, null));

        assertThat(decoded.get("client_version")).isNull();
        assertThat(decoded.get("sender_id").toString()).isEqualTo(Samples.ALICE);
    }

    private static Schema withOptionalField(Schema schema, String name) {
        ObjectNode field = JSON.createObjectNode().put("name", name).putNull("default");
        field.putArray("type").add("null").add("string");
        return withField(schema, field);
    }

    private static Schema withField(Schema schema, ObjectNode field) {
        ObjectNode json = parse(schema);
        ((ArrayNode) json.get("fields")).add(field);
        return new Schema.Parser().parse(json.toString());
    }

    private static Schema withPayloadBranch(Schema schema, String recordName) {
        ObjectNode json = parse(schema);
        for (com.fasterxml.jackson.databind.JsonNode field : json.get("fields")) {
            if (field.get("name").asText().equals("payload")) {
                ((ArrayNode) field.get("type")).addObject().put("type", "record").put("name", recordName)
                        .putArray("fields").addObject().put("name", "target_seq").put("type", "long");
            }
        }
        return new Schema.Parser().parse(json.toString());
    }

    private static Schema withoutField(Schema schema, String name) {
        ObjectNode json = parse(schema);
        Iterator<com.fasterxml.jackson.databind.JsonNode> fields = json.get("fields").iterator();
        while (fields.hasNext()) {
            if (fields.next().get("name").asText().equals(name)) {
                fields.remove();
            }
        }
        return new Schema.Parser().parse(json.toString());
    }

    private static ObjectNode parse(Schema schema) {
        try {
            return (ObjectNode) JSON.readTree(schema.toString());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
