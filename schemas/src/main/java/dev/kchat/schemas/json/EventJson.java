package dev.kchat.schemas.json;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.Base64;
import java.util.Collection;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.specific.SpecificRecord;

/**
 * The JSON that clients see for an event: field names as in the schema (snake_case), timestamps as
 * ISO-8601, enums as their symbol, and a union of records (an envelope's payload) as an object whose
 * {@code "type"} is the record's simple name ({@code "MessagePosted"}).
 *
 * <p>Avro's own JSON encoding wraps union branches in their full names, which clients should not
 * have to know; this mapping is the documented wire shape of the HTTP API and the WebSocket frames.
 */
public final class EventJson {

    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private EventJson() {
    }

    /** A record as a JSON object. */
    public static ObjectNode toJson(SpecificRecord record) {
        ObjectNode out = NODES.objectNode();
        for (Schema.Field field : record.getSchema().getFields()) {
            Object value = record.get(field.pos());
            if (value instanceof SpecificRecord nested && isUnionOfRecords(field.schema())) {
                ObjectNode branch = toJson(nested);
                ObjectNode typed = NODES.objectNode().put("type", nested.getSchema().getName());
                typed.setAll(branch);
                out.set(field.name(), typed);
            } else {
                out.set(field.name(), value(value));
            }
        }
        return out;
    }

    private static boolean isUnionOfRecords(Schema schema) {
        return schema.getType() == Schema.Type.UNION
                && schema.getTypes().stream().filter(s -> s.getType() != Schema.Type.NULL).count() > 1;
    }

    private static JsonNode value(Object value) {
        if (value == null) {
            return NODES.nullNode();
        } else if (value instanceof SpecificRecord r) {
            return toJson(r);
        } else if (value instanceof CharSequence s) {
            return NODES.textNode(s.toString());
        } else if (value instanceof Integer i) {
            return NODES.numberNode(i);
        } else if (value instanceof Long l) {
            return NODES.numberNode(l);
        } else if (value instanceof Boolean b) {
            return NODES.booleanNode(b);
        } else if (value instanceof Double d) {
            return NODES.numberNode(d);
        } else if (value instanceof Float f) {
            return NODES.numberNode(f);
        } else if (value instanceof Instant t) {
            return NODES.textNode(t.toString());
        } else if (value instanceof Enum<?> e) {
            return NODES.textNode(e.name());
        } else if (value instanceof ByteBuffer b) {
            ByteBuffer copy = b.duplicate();
            byte[] bytes = new byte[copy.remaining()];
            copy.get(bytes);
            return NODES.textNode(Base64.getEncoder().encodeToString(bytes));
        } else if (value instanceof Collection<?> c) {
            ArrayNode array = NODES.arrayNode();
            c.forEach(v -> array.add(value(v)));
            return array;
        } else if (value instanceof Map<?, ?> m) {
            ObjectNode object = NODES.objectNode();
            m.forEach((k, v) -> object.set(k.toString(), value(v)));
            return object;
        }
        return NODES.textNode(value.toString());
    }
}
