package dev.kchat.deploy;

import dev.kchat.schemas.topic.Topics;
import dev.kchat.service.Settings;
import java.time.Duration;

/**
 * What {@link ProvisionApp} provisions and where.
 *
 * @param bootstrapServers       the cluster's brokers
 * @param schemaRegistryUrl      the Confluent-compatible schema registry
 * @param replicationFactor      of every topic created (3 on a three-broker cluster)
 * @param conversationPartitions of every conversation-keyed topic (one count keeps them co-partitioned)
 * @param userPartitions         of every user-keyed topic
 * @param timeout                how long to wait for the cluster and the registry
 */
public record ProvisionConfig(String bootstrapServers, String schemaRegistryUrl, short replicationFactor,
        int conversationPartitions, int userPartitions, Duration timeout) {

    public static final String BOOTSTRAP_SERVERS = "kafka.bootstrap.servers";
    public static final String SCHEMA_REGISTRY_URL = "schema.registry.url";
    public static final String REPLICATION_FACTOR = "provision.replication.factor";
    public static final String CONVERSATION_PARTITIONS = "provision.conversation.partitions";
    public static final String USER_PARTITIONS = "provision.user.partitions";
    public static final String TIMEOUT = "provision.timeout";

    public static final String DEFAULT_BOOTSTRAP_SERVERS = "127.0.0.1:9092";
    public static final String DEFAULT_SCHEMA_REGISTRY_URL = "http://127.0.0.1:8081";
    public static final short DEFAULT_REPLICATION_FACTOR = 1;
    public static final Duration DEFAULT_TIMEOUT = Duration.ofMinutes(2);

    public ProvisionConfig {
        if (replicationFactor < 1) {
            throw new Settings.ConfigException(REPLICATION_FACTOR, "must be at least 1, was " + replicationFactor);
        }
        if (conversationPartitions < 1 || userPartitions < 1) {
            throw new Settings.ConfigException(conversationPartitions < 1 ? CONVERSATION_PARTITIONS : USER_PARTITIONS,
                    "must be at least 1");
        }
        if (!schemaRegistryUrl.startsWith("http://") && !schemaRegistryUrl.startsWith("https://")) {
            throw new Settings.ConfigException(SCHEMA_REGISTRY_URL, "must be an http(s) URL, was " + schemaRegistryUrl);
        }
    }

    public static ProvisionConfig from(Settings s) {
        int rf = s.integer(REPLICATION_FACTOR, DEFAULT_REPLICATION_FACTOR);
        if (rf > Short.MAX_VALUE) {
            throw new Settings.ConfigException(REPLICATION_FACTOR, "is too large: " + rf);
        }
        return new ProvisionConfig(
                s.string(BOOTSTRAP_SERVERS, DEFAULT_BOOTSTRAP_SERVERS),
                s.string(SCHEMA_REGISTRY_URL, DEFAULT_SCHEMA_REGISTRY_URL),
                (short) rf,
                s.integer(CONVERSATION_PARTITIONS, Topics.DEFAULT_CONVERSATION_PARTITIONS),
                s.integer(USER_PARTITIONS, Topics.DEFAULT_USER_PARTITIONS),
                s.duration(TIMEOUT, DEFAULT_TIMEOUT));
    }

    public static String help() {
        return String.format("""
                Creates the platform's topics and registers their value schemas, then exits (0: done;
                1: the cluster or the registry refused or did not answer; 2: a setting is wrong).
                Idempotent: what exists is checked, not recreated.

                Settings (-Dkey=value, KCHAT_KEY environment variables, or the file named by KCHAT_CONFIG):
                  %-36s %s
                  %-36s %s
                  %-36s replication factor of created topics (default %d; 3 on a 3-broker cluster)
                  %-36s partitions of conversation-keyed topics (default %d)
                  %-36s partitions of user-keyed topics (default %d)
                  %-36s wait for the cluster and the registry (default %s)
                """, BOOTSTRAP_SERVERS, "Kafka bootstrap servers (default " + DEFAULT_BOOTSTRAP_SERVERS + ")",
                SCHEMA_REGISTRY_URL, "schema registry, Confluent REST API (default " + DEFAULT_SCHEMA_REGISTRY_URL + ")",
                REPLICATION_FACTOR, DEFAULT_REPLICATION_FACTOR,
                CONVERSATION_PARTITIONS, Topics.DEFAULT_CONVERSATION_PARTITIONS,
                USER_PARTITIONS, Topics.DEFAULT_USER_PARTITIONS,
                TIMEOUT, DEFAULT_TIMEOUT.toSeconds() + "s");
    }
}
