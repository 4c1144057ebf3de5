package dev.kchat.localkafka;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kchat.schemas.Samples;
import dev.kchat.schemas.registry.HttpSchemaRegistryClient;
import dev.kchat.schemas.registry.InMemorySchemaRegistry;
import dev.kchat.schemas.topic.Topic;
import dev.kchat.schemas.topic.TopicProvisioner;
import dev.kchat.schemas.topic.Topics;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Through a real KRaft broker (child JVM): every topic is created as the registry says, and a
 * record of every topic written with the platform's serdes comes back in the Confluent wire format
 * with the id the registry (served over HTTP) assigned, and decodes to what was sent.
 */
class KafkaRoundTripTest {

    private static KafkaBroker broker;
    private static RegistryHttpServer registryServer;

    @BeforeAll
    static void start() {
        broker = KafkaBroker.startTemporary();
        registryServer = RegistryHttpServer.start(new InMemorySchemaRegistry(), "127.0.0.1", 0);
    }

    @AfterAll
    static void stop() {
        registryServer.close();
        broker.close();
    }

    @Test
    void shouldCreateEveryTopicWithItsPartitionsAndCleanupPolicy() throws Exception {
        Topics topics = Topics.create(new InMemorySchemaRegistry());

        broker.createTopics(topics);
        List<String> again = broker.createTopics(topics);

        assertThat(again).as("second run creates nothing").isEmpty();
        try (Admin admin = broker.admin()) {
            Set<String> names = admin.listTopics().names().get(10, TimeUnit.SECONDS);
            assertThat(names).containsAll(topics.all().stream().map(Topic::name).toList());
            Map<String, TopicDescription> described = admin.describeTopics(names).allTopicNames().get(10, TimeUnit.SECONDS);
            for (Topic<?, ?> t : topics.all()) {
                assertThat(described.get(t.name()).partitions()).as(t.name()).hasSize(t.partitions());
            }
            var configs = admin.describeConfigs(List.of(new org.apache.kafka.common.config.ConfigResource(
                    org.apache.kafka.common.config.ConfigResource.Type.TOPIC, Topics.PRESENCE_CHANGES))).all().get();
            assertThat(configs.values().iterator().next().get("cleanup.policy").value()).isEqualTo("compact");
        }
    }

    @Test
    @SuppressWarnings("unchecked")
    void shouldRoundTripAnAvroRecordOfEveryTopicThroughTheBroker() {
        HttpSchemaRegistryClient registry = new HttpSchemaRegistryClient("http://127.0.0.1:" + registryServer.port());
        Topics topics = Topics.create(registry);
        broker.createTopics(topics);
        Map<String, Integer> ids = TopicProvisioner.registerSchemas(registry, topics);
        Map<String, Map.Entry<String, SpecificRecord>> samples = Samples.oneRecordPerTopic();

        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers(),
                ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true), new ByteArraySerializer(), new ByteArraySerializer())) {
            for (Topic<?, ?> t : topics.all()) {
                Topic<String, SpecificRecord> topic = (Topic<String, SpecificRecord>) t;
                Map.Entry<String, SpecificRecord> sample = samples.get(topic.name());
                producer.send(new ProducerRecord<>(topic.name(),
                        topic.keySerde().serializer().serialize(topic.name(), sample.getKey()),
                        topic.valueSerde().serializer().serialize(topic.name(), sample.getValue())));
            }
            producer.flush();
        }

        Map<String, ConsumerRecord<byte[], byte[]>> received = readOnePerTopic(topics, Duration.ofSeconds(30));

        assertThat(received.keySet()).containsExactlyInAnyOrderElementsOf(samples.keySet());
        for (Topic<?, ?> t : topics.all()) {
            Topic<String, SpecificRecord> topic = (Topic<String, SpecificRecord>) t;
            byte[] value = received.get(topic.name()).value();
            assertThat(value[0]).as("magic byte on %s", topic.name()).isZero();
            assertThat(ByteBuffer.wrap(value, 1, 4).getInt()).as("schema id on %s", topic.name())
                    .isEqualTo(ids.get(topic.valueSubject()));
            assertThat(topic.keySerde().deserializer().deserialize(topic.name(), received.get(topic.name()).key()))
                    .isEqualTo(samples.get(topic.name()).getKey());
            // A consumer with its own registry client resolves the id over HTTP, as any tool would.
            Topics reader = Topics.create(new HttpSchemaRegistryClient("http://127.0.0.1:" + registryServer.port()));
            assertThat(reader.byName(topic.name()).valueSerde().deserializer().deserialize(topic.name(), value))
                    .as("decoded %s", topic.name()).isEqualTo(samples.get(topic.name()).getValue());
        }
    }

    private static Map<String, ConsumerRecord<byte[], byte[]>> readOnePerTopic(Topics topics, Duration timeout) {
        Map<String, ConsumerRecord<byte[], byte[]>> out = new HashMap<>();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers(),
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"), new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = new ArrayList<>();
            for (Topic<?, ?> t : topics.all()) {
                for (int p = 0; p < t.partitions(); p++) {
                    partitions.add(new TopicPartition(t.name(), p));
                }
            }
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            long deadline = System.nanoTime() + timeout.toNanos();
            Set<String> wanted = topics.all().stream().map(Topic::name).collect(Collectors.toSet());
            while (!out.keySet().containsAll(wanted) && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(200)).forEach(r -> out.putIfAbsent(r.topic(), r));
            }
        }
        return out;
    }
}
