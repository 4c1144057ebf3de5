package dev.kchat.schemas.registry;

import java.util.List;
import org.apache.avro.Schema;

/**
 * The subset of the Confluent Schema Registry API the platform uses. Implemented over HTTP
 * ({@link HttpSchemaRegistryClient}) and in process ({@link InMemorySchemaRegistry}).
 *
 * <p>Ids are global: the same schema text has the same id under every subject. Subjects follow the
 * TopicNameStrategy: {@code <topic>-value} and {@code <topic>-key}.
 *
 * <p>Every method throws {@link SchemaRegistryException} with the registry's error code when the
 * registry answers with an error, and {@link SchemaRegistryException.Unavailable} when it cannot be
 * reached.
 */
public interface SchemaRegistryClient extends AutoCloseable {

    /**
     * Registers a schema under a subject, or returns the id it already has there. Refused with
     * error code {@link SchemaRegistryException#INCOMPATIBLE_SCHEMA} if it breaks the subject's
     * compatibility level.
     *
     * @return the global schema id
     */
    int register(String subject, Schema schema);

    /** Finds the id of a schema already registered under a subject, without registering it. */
    int lookup(String subject, Schema schema);

    /** The schema with this global id. */
    Schema schemaById(int id);

    /** The newest version registered under a subject. */
    SchemaVersion latest(String subject);

    /** Version numbers registered under a subject, oldest first. */
    List<Integer> versions(String subject);

    /** Whether a schema could be registered under the subject now, against its compatibility level. */
    boolean isCompatible(String subject, Schema schema);

    /** The compatibility level that applies to a subject (its own, else the global default). */
    Compatibility compatibility(String subject);

    /** Sets a subject's compatibility level. */
    void setCompatibility(String subject, Compatibility level);

    @Override
    default void close() {
    }

    /** One registered version of a subject. */
    record SchemaVersion(String subject, int version, int id, Schema schema) {
    }
}
