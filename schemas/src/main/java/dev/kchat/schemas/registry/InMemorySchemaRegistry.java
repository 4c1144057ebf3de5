package dev.kchat.schemas.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;

/**
 * A schema registry held in this process, with the same semantics as the Confluent registry:
 * global ids, per-subject versions, compatibility levels checked on registration. It serves unit
 * tests (one instance per test, no shared static state) and the all-in-one local runner, which
 * also exposes it over the Confluent REST API so any Confluent-compatible tool can read our topics.
 *
 * <p>Thread-safe: every operation holds the instance lock; registration is rare and cheap.
 */
public final class InMemorySchemaRegistry implements SchemaRegistryClient {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Map<String, Integer> idsBySchemaText = new HashMap<>();
    private final Map<Integer, Schema> schemasById = new HashMap<>();
    private final Map<String, List<SchemaVersion>> subjects = new HashMap<>();
    private final Map<String, Compatibility> subjectLevels = new HashMap<>();
    private Compatibility globalLevel;
    private final Path file;

    /** A registry whose global default level is BACKWARD, as Confluent's. */
    public InMemorySchemaRegistry() {
        this(Compatibility.BACKWARD);
    }

    public InMemorySchemaRegistry(Compatibility globalLevel) {
        this.globalLevel = globalLevel;
        this.file = null;
    }

    private InMemorySchemaRegistry(Path file) {
        this.globalLevel = Compatibility.BACKWARD;
        this.file = file;
    }

    /**
     * A registry kept in a JSON file: loaded now if the file exists, rewritten (atomically) after
     * every change. The local runner uses it so schema ids stay valid for records already in its
     * broker across restarts, as the Confluent registry keeps them in its {@code _schemas} topic.
     */
    public static InMemorySchemaRegistry persistentAt(Path file) {
        InMemorySchemaRegistry registry = new InMemorySchemaRegistry(file);
        if (Files.exists(file)) {
            registry.load();
        }
        return registry;
    }

    private void load() {
        try {
            JsonNode root = JSON.readTree(file.toFile());
            globalLevel = Compatibility.valueOf(root.path("compatibility").asText("BACKWARD"));
            root.path("subject_compatibility").fields().forEachRemaining(
                    e -> subjectLevels.put(e.getKey(), Compatibility.valueOf(e.getValue().asText())));
            for (JsonNode v : root.path("versions")) {
                Schema schema = new Schema.Parser().parse(v.get("schema").asText());
                int id = v.get("id").asInt();
                idsBySchemaText.put(schema.toString(), id);
                schemasById.put(id, schema);
                List<SchemaVersion> list = new ArrayList<>(subjects.getOrDefault(v.get("subject").asText(), List.of()));
                list.add(new SchemaVersion(v.get("subject").asText(), v.get("version").asInt(), id, schema));
                subjects.put(v.get("subject").asText(), List.copyOf(list));
            }
        } catch (IOException | RuntimeException e) {
            throw new IllegalStateException("cannot load the schema registry from " + file + ": " + e, e);
        }
    }

    private void save() {
        if (file == null) {
            return;
        }
        ObjectNode root = JSON.createObjectNode().put("compatibility", globalLevel.name());
        ObjectNode levels = root.putObject("subject_compatibility");
        subjectLevels.forEach((subject, level) -> levels.put(subject, level.name()));
        ArrayNode versions = root.putArray("versions");
        subjects.values().stream().flatMap(List::stream).sorted(Comparator.comparingInt(SchemaVersion::id)
                .thenComparing(SchemaVersion::subject)).forEach(v -> versions.addObject()
                .put("subject", v.subject()).put("version", v.version()).put("id", v.id())
                .put("schema", v.schema().toString()));
        try {
            Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
            JSON.writerWithDefaultPrettyPrinter().writeValue(tmp.toFile(), root);
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new SchemaRegistryException(SchemaRegistryException.BACKEND_ERROR,
                    "cannot write the schema registry to " + file + ": " + e, e);
        }
    }

    @Override
    public synchronized int register(String subject, Schema schema) {
        List<SchemaVersion> versions = subjects.getOrDefault(subject, List.of());
        String text = schema.toString();
        for (SchemaVersion v : versions) {
            if (v.schema().toString().equals(text)) {
                return v.id();
            }
        }
        List<String> problems = compatibility(subject).check(schema, schemasOf(versions));
        if (!problems.isEmpty()) {
            throw new SchemaRegistryException(SchemaRegistryException.INCOMPATIBLE_SCHEMA,
                    "Schema being registered is incompatible with an earlier schema for subject \""
                            + subject + "\" at level " + compatibility(subject) + ": " + String.join("; ", problems));
        }
        int id = idsBySchemaText.computeIfAbsent(text, t -> idsBySchemaText.size() + 1);
        schemasById.putIfAbsent(id, schema);
        List<SchemaVersion> updated = new ArrayList<>(versions);
        updated.add(new SchemaVersion(subject, versions.size() + 1, id, schema));
        subjects.put(subject, List.copyOf(updated));
        save();
        return id;
    }

    @Override
    public synchronized int lookup(String subject, Schema schema) {
        List<SchemaVersion> versions = versionsOrThrow(subject);
        String text = schema.toString();
        return versions.stream()
                .filter(v -> v.schema().toString().equals(text))
                .mapToInt(SchemaVersion::id)
                .findFirst()
                .orElseThrow(() -> new SchemaRegistryException(SchemaRegistryException.SCHEMA_NOT_FOUND,
                        "Schema not found under subject \"" + subject + "\""));
    }

    @Override
    public synchronized Schema schemaById(int id) {
        Schema schema = schemasById.get(id);
        if (schema == null) {
            throw new SchemaRegistryException(SchemaRegistryException.SCHEMA_NOT_FOUND, "Schema " + id + " not found");
        }
        return schema;
    }

    @Override
    public synchronized SchemaVersion latest(String subject) {
        List<SchemaVersion> versions = versionsOrThrow(subject);
        return versions.get(versions.size() - 1);
    }

    /** A given version of a subject (1-based). */
    public synchronized SchemaVersion version(String subject, int version) {
        List<SchemaVersion> versions = versionsOrThrow(subject);
        if (version < 1 || version > versions.size()) {
            throw new SchemaRegistryException(SchemaRegistryException.VERSION_NOT_FOUND,
                    "Version " + version + " not found for subject \"" + subject + "\"");
        }
        return versions.get(version - 1);
    }

    @Override
    public synchronized List<Integer> versions(String subject) {
        return versionsOrThrow(subject).stream().map(SchemaVersion::version).toList();
    }

    /** Every subject with at least one version, sorted. */
    public synchronized List<String> subjects() {
        return subjects.keySet().stream().sorted().toList();
    }

    @Override
    public synchronized boolean isCompatible(String subject, Schema schema) {
        return compatibilityProblems(subject, schema).isEmpty();
    }

    /** Why a schema could not be registered under a subject now; empty if it could. */
    public synchronized List<String> compatibilityProblems(String subject, Schema schema) {
        return compatibility(subject).check(schema, schemasOf(subjects.getOrDefault(subject, List.of())));
    }

    @Override
    public synchronized Compatibility compatibility(String subject) {
        return subjectLevels.getOrDefault(subject, globalLevel);
    }

    @Override
    public synchronized void setCompatibility(String subject, Compatibility level) {
        subjectLevels.put(subject, level);
        save();
    }

    /** The level set on the subject itself, if any (without falling back to the global default). */
    public synchronized java.util.Optional<Compatibility> subjectCompatibility(String subject) {
        return java.util.Optional.ofNullable(subjectLevels.get(subject));
    }

    public synchronized Compatibility globalCompatibility() {
        return globalLevel;
    }

    public synchronized void setGlobalCompatibility(Compatibility level) {
        globalLevel = level;
        save();
    }

    private List<SchemaVersion> versionsOrThrow(String subject) {
        List<SchemaVersion> versions = subjects.get(subject);
        if (versions == null || versions.isEmpty()) {
            throw new SchemaRegistryException(SchemaRegistryException.SUBJECT_NOT_FOUND,
                    "Subject \"" + subject + "\" not found");
        }
        return versions;
    }

    private static List<Schema> schemasOf(List<SchemaVersion> versions) {
        return versions.stream().map(SchemaVersion::schema).toList();
    }
}
