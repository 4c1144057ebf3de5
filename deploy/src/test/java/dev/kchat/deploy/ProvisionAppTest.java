package dev.kchat.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kchat.schemas.registry.InMemorySchemaRegistry;
import dev.kchat.schemas.topic.Topic;
import dev.kchat.schemas.topic.Topics;
import dev.kchat.service.Settings;
import java.time.Duration;
import java.util.Map;
import org.apache.kafka.clients.admin.TopicDescription;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The provisioning app on a real KRaft broker and the registry over HTTP. */
class ProvisionAppTest {

    static TestCluster cluster;

    @BeforeAll
    static void start() {
        cluster = new TestCluster();
    }

    @AfterAll
    static void stop() {
        cluster.close();
    }

    static ProvisionConfig config(int conversationPartitions) {
        return ProvisionConfig.from(Settings.of(Map.of(
                ProvisionConfig.BOOTSTRAP_SERVERS, cluster.bootstrapServers(),
                ProvisionConfig.SCHEMA_REGISTRY_URL, cluster.registryUrl(),
                ProvisionConfig.CONVERSATION_PARTITIONS, String.valueOf(conversationPartitions),
                ProvisionConfig.TIMEOUT, "30s")));
    }

    @Test
    void shouldCreateEveryTopicAndRegisterEverySchemaOnceAndChangeNothingOnASecondRun() throws Exception {
        // When
        ProvisionApp.Outcome first = ProvisionApp.provision(config(8));
        ProvisionApp.Outcome second = ProvisionApp.provision(config(8));

        // Then: every topic exists with the configured partitions, every value schema is registered
        Topics expected = Topics.create(new InMemorySchemaRegistry(), 8, Topics.DEFAULT_USER_PARTITIONS);
        Map<String, TopicDescription> described = cluster.broker.admin().describeTopics(
                expected.all().stream().map(Topic::name).toList()).allTopicNames().get();
        for (Topic<?, ?> topic : expected.all()) {
            assertThat(described.get(topic.name()).partitions()).as(topic.name()).hasSize(topic.partitions());
        }
        assertThat(described.get(Topics.COMMANDS).partitions()).hasSize(8);
        assertThat(first.createdTopics()).hasSize(expected.all().size());
        assertThat(cluster.registry.registry().subjects()).containsAll(first.schemaIds().keySet());
        // ... and a second run creates nothing and finds the same schema ids
        assertThat(second.createdTopics()).isEmpty();
        assertThat(second.schemaIds()).isEqualTo(first.schemaIds());
    }

    @Test
    void shouldRefuseATopicWithFewerPartitionsThanConfiguredAndNameIt() {
        // Given: the topics as the first test (or this one) left them, with at most 8 partitions
        ProvisionApp.provision(config(8));

        // When / Then
        assertThatThrownBy(() -> ProvisionApp.provision(config(12)))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageMatching("topic \\S+ has \\d+ partitions, the platform needs \\d+");
    }

    @Test
    void shouldRefuseBadSettingsWithTheKey() {
        assertThatThrownBy(() -> ProvisionConfig.from(Settings.of(Map.of(ProvisionConfig.REPLICATION_FACTOR, "0"))))
                .isInstanceOf(Settings.ConfigException.class).hasMessageContaining(ProvisionConfig.REPLICATION_FACTOR);
        assertThatThrownBy(() -> ProvisionConfig.from(Settings.of(Map.of(ProvisionConfig.SCHEMA_REGISTRY_URL, "registry:8081"))))
                .isInstanceOf(Settings.ConfigException.class).hasMessageContaining("must be an http(s) URL");
        assertThat(ProvisionConfig.from(Settings.of(Map.of())).timeout()).isEqualTo(Duration.ofMinutes(2));
    }
}
