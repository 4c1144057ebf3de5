package dev.kchat.schemas.registry;

import java.util.ArrayList;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.SchemaCompatibility.SchemaCompatibilityType;

/**
 * Compatibility levels of the Confluent Schema Registry, checked with Avro's own
 * reader/writer resolution rules ({@link SchemaCompatibility}).
 *
 * <ul>
 *   <li>BACKWARD: consumers on the new schema read data written with the previous one
 *       (add optional fields, delete fields).</li>
 *   <li>FORWARD: consumers on the previous schema read data written with the new one
 *       (add fields, delete optional fields).</li>
 *   <li>FULL: both. Only optional fields (with defaults) may be added or removed.</li>
 *   <li>*_TRANSITIVE: against every earlier version, not only the latest.</li>
 * </ul>
 *
 * <p>The platform registers its subjects with {@link #PLATFORM_DEFAULT} (BACKWARD_TRANSITIVE): a
 * service on the newest schema reads every record ever written. New event kinds are new branches of
 * an envelope's union, which no FORWARD level admits (a reader without the branch cannot resolve
 * it), so consumers are upgraded before producers write a new kind; consumers that decode with the
 * writer's schema from the registry (generic readers, most data tools) are never affected. Fields
 * are added and removed only with defaults, by convention (see docs/topics.md).
 */
public enum Compatibility {
    NONE, BACKWARD, BACKWARD_TRANSITIVE, FORWARD, FORWARD_TRANSITIVE, FULL, FULL_TRANSITIVE;

    /** The level the platform sets on its own subjects. */
    public static final Compatibility PLATFORM_DEFAULT = BACKWARD_TRANSITIVE;

    /**
     * Checks a candidate schema against the versions already registered.
     *
     * @param candidate the schema to register
     * @param existing  registered versions, oldest first
     * @return a description of each incompatibility found; empty if compatible
     */
    public List<String> check(Schema candidate, List<Schema> existing) {
        if (this == NONE || existing.isEmpty()) {
            return List.of();
        }
        List<Schema> against = isTransitive() ? existing : List.of(existing.get(existing.size() - 1));
        List<String> problems = new ArrayList<>();
        for (Schema previous : against) {
            if (checksBackward()) {
                describe(SchemaCompatibility.checkReaderWriterCompatibility(candidate, previous), candidate,
                        "new schema cannot read data written with an earlier version", problems);
            }
            if (checksForward()) {
                describe(SchemaCompatibility.checkReaderWriterCompatibility(previous, candidate), previous,
                        "an earlier version cannot read data written with the new schema", problems);
            }
        }
        return problems;
    }

    private boolean isTransitive() {
        return name().endsWith("_TRANSITIVE");
    }

    private boolean checksBackward() {
        return name().startsWith("BACKWARD") || name().startsWith("FULL");
    }

    private boolean checksForward() {
        return name().startsWith("FORWARD") || name().startsWith("FULL");
    }

    private static void describe(SchemaCompatibility.SchemaPairCompatibility result, Schema reader, String direction,
            List<String> out) {
        if (result.getType() == SchemaCompatibilityType.COMPATIBLE) {
            return;
        }
        for (SchemaCompatibility.Incompatibility i : result.getResult().getIncompatibilities()) {
            out.add(direction + ": " + i.getType() + " at " + fieldPath(reader, i.getLocation())
                    + " (" + i.getMessage() + ")");
        }
    }

    /**
     * Turns Avro's JSON-pointer location ({@code /fields/5/type/0}) into field names
     * ({@code sender_device_id}) so the person changing a schema sees which field broke.
     */
    static String fieldPath(Schema reader, String location) {
        List<String> names = new ArrayList<>();
        Schema current = reader;
        String[] parts = location.split("/");
        try {
            for (int i = 1; i < parts.length; i++) {
                String part = parts[i];
                if (part.equals("fields") && i + 1 < parts.length && current.getType() == Schema.Type.RECORD) {
                    Schema.Field field = current.getFields().get(Integer.parseInt(parts[++i]));
                    names.add(field.name());
                    current = field.schema();
                } else if (part.equals("items") && current.getType() == Schema.Type.ARRAY) {
                    current = current.getElementType();
                } else if (part.equals("values") && current.getType() == Schema.Type.MAP) {
                    current = current.getValueType();
                } else if (part.matches("\\d+") && current.getType() == Schema.Type.UNION) {
                    current = current.getTypes().get(Integer.parseInt(part));
                }
            }
        } catch (RuntimeException e) {
            return location; // a location we cannot walk is still worth showing as is
        }
        return names.isEmpty() ? location : String.join(".", names) + " (" + location + ")";
    }
}
