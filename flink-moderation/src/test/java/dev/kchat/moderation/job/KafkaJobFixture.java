package dev.kchat.moderation.job;

import dev.kchat.events.chat.ConversationCreated;
import dev.kchat.events.chat.ConversationEvent;
import dev.kchat.events.common.ConversationKind;
import dev.kchat.events.common.Member;
import dev.kchat.events.common.MemberRole;
import dev.kchat.events.chat.MessagePosted;
import dev.kchat.events.moderation.ModerationRule;
import dev.kchat.localkafka.KafkaBroker;
import dev.kchat.localkafka.RegistryHttpServer;
import dev.kchat.moderation.ModerationConfig;
import dev.kchat.schemas.registry.HttpSchemaRegistryClient;
import dev.kchat.schemas.registry.InMemorySchemaRegistry;
import dev.kchat.schemas.topic.Topic;
import dev.kchat.schemas.topic.Topics;
import dev.kchat.service.Settings;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * A real KRaft broker (a child JVM from local-kafka, which keeps its 4.3 jars off this module's
 * classpath), the schema registry over HTTP, the platform's topics, and the job on a local
 * MiniCluster at parallelism 2 reading and writing them.
 */
final class KafkaJobFixture implements AutoCloseable {

    final KafkaBroker broker;
    final RegistryHttpServer registry;
    final String registryUrl;
    final Topics topics;
    private final Map<Topic<String, ?>, KafkaProducer<String, Object>> producers = new HashMap<>();

    KafkaJobFixture() {
        broker = KafkaBroker.startTemporary();
        registry = RegistryHttpServer.start(new InMemorySchemaRegistry(), "127.0.0.1", 0);
        registryUrl = "http://127.0.0.1:" + registry.port();
        topics = Topics.create(new HttpSchemaRegistryClient(registryUrl));
        broker.createTopics(topics);
    }

    /** Job settings for a test: 1 s checkpoints under {@code checkpoints}, parallelism 2, short idleness. */
    JobSettings settings(Path checkpoints, String name) {
        return settings(checkpoints, name, Map.of());
    }

    /** {@link #settings(Path, String)} with some settings added or replaced. */
    JobSettings settings(Path checkpoints, String name, Map<String, String> overrides) {
        Map<String, String> all = new HashMap<>(Map.of(
                JobSettings.BOOTSTRAP_SERVERS, broker.bootstrapServers(),
                JobSettings.SCHEMA_REGISTRY_URL, registryUrl,
                JobSettings.GROUP_ID, name,
                JobSettings.TRANSACTIONAL_ID_PREFIX, name,
                JobSettings.TRANSACTION_TIMEOUT, "1m",
                JobSettings.CHECKPOINT_INTERVAL, "1s",
                JobSettings.CHECKPOINT_DIR, checkpoints.toUri().toString(),
                JobSettings.PARALLELISM, "2",
                JobSettings.OUT_OF_ORDERNESS, "1s",
                JobSettings.IDLENESS, "3s"));
        all.putAll(overrides);
        return JobSettings.from(Settings.of(all));
    }

    /** Starts the job on a MiniCluster in this JVM, from a checkpoint if given. */
    static JobClient start(JobSettings settings, ModerationConfig config, Optional<Path> restore) throws Exception {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(
                settings.parallelism(), Checkpoints.configuration(settings, restore));
        return KafkaConnectors.job(settings, config).executeAsync(env);
    }

    static void cancel(JobClient job) throws Exception {
        job.cancel().get(60, TimeUnit.SECONDS);
    }

    @SuppressWarnings("unchecked")
    <V> void send(Topic<String, V> topic, String key, V value) {
        KafkaProducer<String, Object> producer = producers.computeIfAbsent(topic, t -> new KafkaProducer<>(Map.of(
                        ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers(),
                        ProducerConfig.ACKS_CONFIG, "all"),
                t.keySerde().serializer(), (org.apache.kafka.common.serialization.Serializer<Object>) t.valueSerde().serializer()));
        try {
            producer.send(new ProducerRecord<>(topic.name(), key, value)).get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("cannot send to " + topic.name(), e);
        }
    }

    /** Raw bytes that are not in the Confluent wire format. */
    void sendRaw(String topic, String key, byte[] value) {
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()), new ByteArraySerializer(), new ByteArraySerializer())) {
            producer.send(new ProducerRecord<>(topic, key.getBytes(), value)).get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("cannot send to " + topic, e);
        }
    }

    void rule(ModerationRule rule) {
        send(topics.moderationRules(), rule.getRuleId(), rule);
    }

    /** A ConversationCreated (seq 1) by {@code creator} at {@code at}, the creator the first member. */
    void create(String creator, String conversation, ConversationKind kind, Instant at, String... others) {
        List<Member> members = new ArrayList<>();
        members.add(Member.newBuilder().setUserId(creator).setRole(kind == ConversationKind.DIRECT ? MemberRole.MEMBER : MemberRole.OWNER).build());
        for (String other : others) {
            members.add(Member.newBuilder().setUserId(other).setRole(MemberRole.MEMBER).build());
        }
        send(topics.conversationLog(), conversation, ConversationEvent.newBuilder()
                .setConversationId(conversation).setSeq(1).setEventId("e-" + conversation + "-1").setActorId(creator)
                .setOccurredAt(at)
                .setPayload(ConversationCreated.newBuilder().setKind(kind).setMembers(members).build())
                .build());
    }

    /** A MessagePosted at {@code at}. */
    void post(String sender, String conversation, long seq, Instant at, String body) {
        send(topics.conversationLog(), conversation, ConversationEvent.newBuilder()
                .setConversationId(conversation).setSeq(seq).setEventId("e-" + conversation + "-" + seq).setActorId(sender)
                .setOccurredAt(at)
                .setPayload(MessagePosted.newBuilder().setMessageId("m-" + conversation + "-" + seq)
                        .setClientMsgId("c-" + conversation + "-" + seq).setBody(body).build())
                .build());
    }

    @Override
    public void close() {
        producers.values().forEach(KafkaProducer::close);
        registry.close();
        broker.close();
    }
}
