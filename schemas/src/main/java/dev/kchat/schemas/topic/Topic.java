package dev.kchat.schemas.topic;

import java.util.Map;
import java.util.Objects;
import org.apache.kafka.common.serialization.Serde;

/**
 * A Kafka topic with its types: name, key and value serdes, partition count, cleanup policy and
 * topic-level configs. Immutable; the whole set lives in {@link Topics}.
 *
 * @param configs topic-level configs applied at creation (retention, compaction lag, ...)
 */
public record Topic<K, V>(
        String name,
        Serde<K> keySerde,
        Serde<V> valueSerde,
        int partitions,
        CleanupPolicy cleanupPolicy,
        Map<String, String> configs,
        String keyDescription) {

    public Topic {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(keySerde, "keySerde");
        Objects.requireNonNull(valueSerde, "valueSerde");
        Objects.requireNonNull(cleanupPolicy, "cleanupPolicy");
        if (partitions < 1) {
            throw new IllegalArgumentException("topic " + name + ": partitions must be >= 1, was " + partitions);
        }
        configs = Map.copyOf(configs);
    }

    /** Subject of the value schema in the registry (Confluent TopicNameStrategy). */
    public String valueSubject() {
        return name + "-value";
    }

    /** Subject of the key schema in the registry (Confluent TopicNameStrategy). */
    public String keySubject() {
        return name + "-key";
    }

    /** Topic-level configs to create the topic with, cleanup policy included. */
    public Map<String, String> creationConfigs() {
        java.util.HashMap<String, String> all = new java.util.HashMap<>(configs);
        all.put("cleanup.policy", cleanupPolicy.configValue());
        return all;
    }

    public enum CleanupPolicy {
        DELETE("delete"),
        COMPACT("compact");

        private final String configValue;

        CleanupPolicy(String configValue) {
            this.configValue = configValue;
        }

        public String configValue() {
            return configValue;
        }
    }
}
