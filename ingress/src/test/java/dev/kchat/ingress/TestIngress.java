package dev.kchat.ingress;

import com.datastax.oss.driver.api.core.cql.BoundStatement;
import dev.kchat.events.chat.ConversationEvent;
import dev.kchat.events.chat.InboxEntry;
import dev.kchat.localkafka.KafkaBroker;
import dev.kchat.schemas.registry.InMemorySchemaRegistry;
import dev.kchat.schemas.topic.Topic;
import dev.kchat.schemas.topic.Topics;
import dev.kchat.service.Settings;
import dev.kchat.store.TestEvents;
import dev.kchat.store.TestStore;
import dev.kchat.events.moderation.ModerationAction;
import dev.kchat.events.moderation.ModerationRule;
import dev.kchat.events.moderation.Verdict;
import dev.kchat.store.moderation.ModerationWriter;
import dev.kchat.store.moments.MomentsWriter;
import dev.kchat.events.social.FeedEntry;
import dev.kchat.events.social.MomentEvent;
import dev.kchat.events.social.SocialGraphEvent;
import org.apache.avro.specific.SpecificRecord;
import dev.kchat.store.servers.ServerWriter;
import dev.kchat.store.write.ChatWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.awaitility.Awaitility;

/**
 * A real ingress for a test class: a Kafka broker (child JVM) with every topic, a fresh keyspace on the
 * shared CQL server, written by the sink's {@link ChatWriter} as the sink would from the log.
 */
final class TestIngress implements AutoCloseable {

    static final String SECRET = "ingress-test-secret-of-at-least-32-bytes!";
    private static final Duration DEADLINE = Duration.ofSeconds(30);

    private final KafkaBroker broker;
    private final Topics topics;
    private final TestEvents events;
    private final ChatWriter writer;
    private final ModerationWriter moderation;
    private final MomentsWriter moments;
    private final IngressApp ingress;
    private final ServerWriter servers;
    private final String keyspace;

    private TestIngress(KafkaBroker broker, Topics topics, TestEvents events, ChatWriter writer, ModerationWriter moderation,
            MomentsWriter moments, IngressApp ingress, String keyspace) {
        this.moderation = moderation;
        this.moments = moments;
        this.broker = broker;
        this.topics = topics;
        this.events = events;
        this.writer = writer;
        this.ingress = ingress;
        this.servers = new ServerWriter(TestStore.session(), keyspace);
        this.keyspace = keyspace;
    }

    /** Starts it all; {@code settings} add to or override the test defaults. */
    static TestIngress start(String keyspacePrefix, Map<String, String> settings) {
        KafkaBroker broker = KafkaBroker.startTemporary();
        Topics topics = Topics.create(new InMemorySchemaRegistry(), 1, 1);
        broker.createTopics(topics);
        String keyspace = TestStore.newKeyspace(keyspacePrefix);
        Map<String, String> all = new HashMap<>(Map.of(
                "ingress.http.host", "127.0.0.1",
                "ingress.http.port", "0",
                "ingress.admin.port", "0",
                "ingress.worker.threads", "4",
                "kafka.bootstrap.servers", broker.bootstrapServers(),
                "auth.jwt.hs256.secret", SECRET));
        all.putAll(settings);
        IngressApp ingress = IngressApp.start(IngressConfig.from(Settings.of(all)), topics, TestStore.session(), keyspace);
        return new TestIngress(broker, topics, new TestEvents(topics), new ChatWriter(TestStore.session(), keyspace),
                new ModerationWriter(TestStore.session(), keyspace), new MomentsWriter(TestStore.session(), keyspace), ingress, keyspace);
    }

    int port() {
        return ingress.port();
    }

    int adminPort() {
        return ingress.adminPort();
    }

    Topics topics() {
        return topics;
    }

    /** Stores log events as the sink would. */
    void store(ConversationEvent... log) {
        List<BoundStatement> statements = new ArrayList<>();
        for (ConversationEvent e : log) {
            statements.addAll(writer.statementsFor(e, events.bytes(e)));
        }
        TestStore.write(statements);
    }

    /** Stores a server's log as the sink would: the server tables, and the log itself (history). */
    void storeServer(ConversationEvent... log) {
        List<BoundStatement> statements = new ArrayList<>();
        for (ConversationEvent e : log) {
            statements.addAll(writer.statementsFor(e, events.bytes(e)));
            statements.addAll(servers.statementsFor(e));
        }
        TestStore.write(statements);
    }

    /** Stores inbox entries as the sink would. */
    void store(InboxEntry... entries) {
        List<BoundStatement> statements = new ArrayList<>();
        for (InboxEntry e : entries) {
            statements.addAll(writer.statementsFor(e, events.bytes(e)));
        }
        TestStore.write(statements);
    }

    /** Stores verdicts as the sink would from {@code moderation.verdicts}. */
    void store(Verdict... verdicts) {
        List<BoundStatement> statements = new ArrayList<>();
        for (Verdict v : verdicts) {
            statements.addAll(moderation.statementsFor(v));
        }
        TestStore.write(statements);
    }

    /** Stores rules as the sink would from {@code moderation.rules}. */
    void store(ModerationRule... rules) {
        List<BoundStatement> statements = new ArrayList<>();
        for (ModerationRule r : rules) {
            statements.addAll(moderation.statementsFor(r));
        }
        TestStore.write(statements);
    }

    /** Stores the job's counts as the sink would from {@code moderation.stats}. */
    void store(dev.kchat.events.moderation.ModerationStats... windows) {
        List<BoundStatement> statements = new ArrayList<>();
        for (dev.kchat.events.moderation.ModerationStats w : windows) {
            statements.addAll(moderation.statementsFor(w));
        }
        TestStore.write(statements);
    }

    /** Stores actions as the sink would from {@code moderation.actions}. */
    void store(ModerationAction... actions) {
        List<BoundStatement> statements = new ArrayList<>();
        for (ModerationAction a : actions) {
            statements.addAll(moderation.statementsFor(a));
        }
        TestStore.write(statements);
    }

    /** Stores push records ({@code PushSettingsEvent}, {@code PushOutcome}) as the sink would. */
    void storePush(SpecificRecord... records) {
        dev.kchat.store.push.PushDeviceWriter push = new dev.kchat.store.push.PushDeviceWriter(TestStore.session(), keyspace);
        List<BoundStatement> statements = new ArrayList<>();
        for (SpecificRecord r : records) {
            if (r instanceof dev.kchat.events.push.PushSettingsEvent settings) {
                statements.addAll(push.statementsFor(settings));
            } else if (r instanceof dev.kchat.events.push.PushOutcome outcome) {
                statements.addAll(push.statementsFor(outcome));
            } else {
                throw new IllegalArgumentException("not a push record: " + r.getClass().getName());
            }
        }
        TestStore.write(statements);
    }

    /** Stores Moments records ({@code SocialGraphEvent}, {@code MomentEvent}, {@code FeedEntry}) as the sink would. */
    void storeMoments(SpecificRecord... records) {
        List<BoundStatement> statements = new ArrayList<>();
        for (SpecificRecord r : records) {
            if (r instanceof SocialGraphEvent graph) {
                statements.addAll(moments.statementsFor(graph));
            } else if (r instanceof MomentEvent event) {
                statements.addAll(moments.statementsFor(event));
            } else if (r instanceof FeedEntry entry) {
                statements.addAll(moments.statementsFor(entry));
            } else {
                throw new IllegalArgumentException("not a Moments record: " + r.getClass().getName());
            }
        }
        TestStore.write(statements);
    }

    /**
     * The records of {@code topic} under {@code key}, from the beginning up to and including the first
     * that {@code last} matches (which must arrive within the deadline): what was produced before it, in
     * order, as the topic has one partition in tests.
     */
    <V> List<V> recordsUpTo(Topic<String, V> topic, String key, Predicate<V> last) {
        return consumerRecordsUpTo(topic, key, r -> last.test(r.value())).stream().map(ConsumerRecord::value).toList();
    }

    /** As {@link #recordsUpTo}, the records whole (headers, null values of tombstones). */
    <V> List<ConsumerRecord<String, V>> consumerRecordsUpTo(Topic<String, V> topic, String key,
            Predicate<ConsumerRecord<String, V>> last) {
        try (KafkaConsumer<String, V> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()),
                new StringDeserializer(), topic.valueSerde().deserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic.name()).stream()
                    .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            List<ConsumerRecord<String, V>> out = new ArrayList<>();
            Awaitility.await().atMost(DEADLINE).until(() -> {
                for (ConsumerRecord<String, V> r : consumer.poll(Duration.ofMillis(200))) {
                    if (key.equals(r.key())) {
                        out.add(r);
                    }
                }
                return out.stream().anyMatch(last);
            });
            int end = 0;
            while (!last.test(out.get(end))) {
                end++;
            }
            return List.copyOf(out.subList(0, end + 1));
        }
    }

    @Override
    public void close() {
        try {
            ingress.close();
        } finally {
            broker.close();
        }
    }
}
