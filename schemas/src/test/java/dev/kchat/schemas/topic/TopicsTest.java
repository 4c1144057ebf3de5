package dev.kchat.schemas.topic;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kchat.schemas.registry.Compatibility;
import dev.kchat.schemas.registry.InMemorySchemaRegistry;
import dev.kchat.schemas.serde.AvroSerde;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.avro.Schema;
import org.junit.jupiter.api.Test;

class TopicsTest {

    private final InMemorySchemaRegistry registry = new InMemorySchemaRegistry();

    @Test
    void shouldKeepConversationKeyedTopicsCoPartitioned() {
        Topics topics = Topics.create(registry, 12, 24);

        Set<Integer> counts = Set.of(topics.commands(), topics.conversationLog(), topics.commandResults(), topics.receipts())
                .stream().map(Topic::partitions).collect(Collectors.toSet());

        assertThat(counts).containsExactly(12);
        assertThat(topics.socialGraph().partitions()).isEqualTo(topics.momentsEvents().partitions()).isEqualTo(24);
        assertThat(topics.inbox().partitions()).isEqualTo(24);
        assertThat(topics.pushCandidates().partitions()).as("read with chat.inbox by the push decider")
                .isEqualTo(topics.presenceSessions().partitions()).isEqualTo(topics.pushSettings().partitions()).isEqualTo(24);
        assertThat(topics.inboxUnsequenced().partitions()).as("numbered together by fanout's inbox sequencer")
                .isEqualTo(topics.momentsNotifications().partitions()).isEqualTo(24);
        assertThat(topics.serverBroadcast().partitions()).as("not co-partitioned: its own setting")
                .isEqualTo(Topics.DEFAULT_SERVER_BROADCAST_PARTITIONS);
        assertThat(Topics.create(registry, 12, 24, 64).serverBroadcast().partitions()).isEqualTo(64);
    }

    @Test
    void shouldHaveUniqueNamesAndADocumentedValueSchemaForEveryTopic() {
        Topics topics = Topics.create(registry);

        assertThat(topics.all()).extracting(Topic::name).doesNotHaveDuplicates().hasSize(27);
        for (Topic<?, ?> t : topics.all()) {
            Schema schema = ((AvroSerde<?>) t.valueSerde()).schema();
            assertThat(schema.getDoc()).as("doc of %s", t.name()).contains(t.name());
            assertThat(t.keyDescription()).as("key of %s", t.name()).isNotBlank();
        }
    }

    @Test
    void shouldCompactOnlyLatestStateTopics() {
        Topics topics = Topics.create(registry);

        assertThat(topics.all()).filteredOn(t -> t.cleanupPolicy() == Topic.CleanupPolicy.COMPACT)
                .extracting(Topic::name).containsExactlyInAnyOrder(Topics.PRESENCE_CHANGES, Topics.MODERATION_MUTES, Topics.MODERATION_RULES);
        assertThat(topics.conversationLog().creationConfigs()).containsEntry("retention.ms", "-1")
                .containsEntry("cleanup.policy", "delete");
    }

    @Test
    void shouldRegisterEverySchemaAtThePlatformCompatibilityLevel() {
        Topics topics = Topics.create(registry);

        Map<String, Integer> ids = TopicProvisioner.registerSchemas(registry, topics);

        assertThat(ids).hasSize(27).containsKey("chat.inbox-value");
        assertThat(registry.compatibility("chat.inbox-value")).isEqualTo(Compatibility.BACKWARD_TRANSITIVE);
        assertThat(TopicProvisioner.registerSchemas(registry, topics)).as("idempotent").isEqualTo(ids);
    }

    @Test
    void shouldNameUnknownTopicsPrecisely() {
        assertThatThrownBy(() -> Topics.create(registry).byName("chat.nope"))
                .hasMessage("no platform topic named chat.nope");
    }
}
