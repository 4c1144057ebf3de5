package dev.kchat.deploy;

import dev.kchat.schemas.registry.HttpSchemaRegistryClient;
import dev.kchat.schemas.registry.SchemaRegistryException;
import dev.kchat.schemas.topic.TopicProvisioner;
import dev.kchat.schemas.topic.Topics;
import dev.kchat.service.Settings;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one-shot provisioning of a deployment ({@code bin/provision}, the compose file's
 * {@code provision} service): every topic of {@link Topics} with its partitions, replication
 * factor and configs, and every value schema registered at the platform's compatibility level, by
 * {@link TopicProvisioner}. Run it before the apps, and again after an upgrade that adds topics or
 * evolves schemas (the registry refuses an incompatible schema: the run fails and names it).
 */
public final class ProvisionApp {

    private static final Logger log = LoggerFactory.getLogger(ProvisionApp.class);

    private ProvisionApp() {
    }

    /** What a run did. */
    public record Outcome(List<String> createdTopics, Map<String, Integer> schemaIds) {
    }

    /**
     * Creates the missing topics, then registers the schemas (their subjects are the topics').
     *
     * @throws IllegalStateException       if the cluster refuses, times out, or has a topic with fewer
     *                                     partitions than configured
     * @throws SchemaRegistryException     if the registry refuses a schema (e.g. incompatible)
     */
    public static Outcome provision(ProvisionConfig config) {
        HttpSchemaRegistryClient registry = new HttpSchemaRegistryClient(config.schemaRegistryUrl(), config.timeout());
        Topics topics = Topics.create(registry, config.conversationPartitions(), config.userPartitions());
        Map<String, Object> admin = Map.of(
                AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, config.bootstrapServers(),
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) config.timeout().toMillis());
        List<String> created;
        try (Admin client = Admin.create(admin)) {
            created = TopicProvisioner.createTopics(client, topics, config.replicationFactor(), config.timeout());
        }
        Map<String, Integer> ids = TopicProvisioner.registerSchemas(registry, topics);
        log.info("provisioned {}: {} topics ({} created now), {} schemas", config.bootstrapServers(),
                topics.all().size(), created.size(), ids.size());
        return new Outcome(created, ids);
    }

    public static void main(String[] args) {
        if (args.length > 0 && (args[0].equals("--help") || args[0].equals("-h"))) {
            System.out.print(ProvisionConfig.help());
            return;
        }
        ProvisionConfig config;
        try {
            config = ProvisionConfig.from(Settings.fromEnvironment());
        } catch (Settings.ConfigException e) {
            log.error("{} (--help lists the settings)", e.getMessage());
            System.exit(2);
            return;
        }
        try {
            provision(config);
        } catch (RuntimeException e) {
            log.error("provisioning failed", e);
            System.exit(1);
        }
    }
}
