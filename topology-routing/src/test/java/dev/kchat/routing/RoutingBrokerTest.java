package dev.kchat.routing;

import dev.kchat.localkafka.TopicReader;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.kchat.events.chat.ChatCommand;
import dev.kchat.events.chat.CommandAccepted;
import dev.kchat.events.chat.CommandRejected;
import dev.kchat.events.chat.CommandResult;
import dev.kchat.events.chat.ConversationEvent;
import dev.kchat.events.chat.MessagePosted;
import dev.kchat.events.common.OverwriteTarget;
import dev.kchat.localkafka.KafkaBroker;
import dev.kchat.schemas.Ids;
import dev.kchat.schemas.registry.InMemorySchemaRegistry;
import dev.kchat.schemas.topic.Topic;
import dev.kchat.schemas.topic.Topics;
import dev.kchat.service.Settings;
import dev.kchat.servers.permissions.Permission;
import dev.kchat.streams.StreamsAppSettings;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.LongStream;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Routing on a real KRaft broker under exactly-once: an instance is closed in the middle of the
 * stream and a new one, with an empty state directory (so its state comes back from the
 * changelogs), takes over. The log must stay gap-free with no duplicate, and every retried send
 * must be answered with its first seq. A server and its default channel go through the same takeover:
 * their seqs stay gap-free, every record is keyed by the server, and a permission change after the
 * takeover (decided over the restored server stores) refuses the next post.
 */
class RoutingBrokerTest {

    private static final List<String> GROUPS = List.of("g-one", "g-two", "g-three");
    private static final int SENDS_PER_GROUP = 40;
    /** A server beside the groups: its state (members, overwrites) must come back from the changelogs too. */
    private static final String SERVER = Ids.serverFor("alice", "it");
    private static final String GENERAL = Ids.serverChannel(SERVER, 1);

    private static KafkaBroker broker;

    @BeforeAll
    static void startBroker() {
        broker = KafkaBroker.startTemporary();
    }

    @AfterAll
    static void stopBroker() {
        broker.close();
    }

    @Test
    void shouldKeepTheLogGapFreeWithoutDuplicatesWhenAnInstanceIsReplacedMidStream(@TempDir Path stateDir) {
        // Given
        Topics topics = Topics.create(new InMemorySchemaRegistry());
        broker.createTopics(topics);
        List<ChatCommand> firstHalf = new ArrayList<>();
        List<ChatCommand> secondHalf = new ArrayList<>();
        for (String group : GROUPS) {
            firstHalf.add(Commands.createGroup(group, "alice", "bob"));
            for (int i = 0; i < SENDS_PER_GROUP; i++) {
                String sender = i % 2 == 0 ? "alice" : "bob";
                ChatCommand send = Commands.send(group, sender, "m" + i);
                (i < SENDS_PER_GROUP / 2 ? firstHalf : secondHalf).add(send);
                if (i % 5 == 0) {
                    secondHalf.add(send); // a client retry, possibly after the takeover
                }
            }
        }
        // The server: created, bob joins, both post in its default channel on either side of the takeover;
        // after it, an overwrite denies bob SEND_MESSAGES (decided with the restored state), bob's next post is refused.
        firstHalf.add(ServerCommands.createServer(SERVER, "alice", "Hikers"));
        firstHalf.add(ServerCommands.invite(SERVER, "alice", "join", null, null));
        firstHalf.add(ServerCommands.join(SERVER, "bob", "join"));
        for (int i = 0; i < SENDS_PER_GROUP; i++) {
            ChatCommand post = ServerCommands.post(GENERAL, i % 2 == 0 ? "alice" : "bob", "m" + i);
            (i < SENDS_PER_GROUP / 2 ? firstHalf : secondHalf).add(post);
            if (i % 5 == 0) {
                secondHalf.add(post);
            }
        }
        secondHalf.add(ServerCommands.overwrite(SERVER, "alice", GENERAL, OverwriteTarget.MEMBER, "bob", 0,
                Permission.SEND_MESSAGES.bit()));
        secondHalf.add(ServerCommands.post(GENERAL, "bob", "refused"));
        secondHalf.add(ServerCommands.post(GENERAL, "alice", "last"));
        int commandCount = firstHalf.size() + secondHalf.size();
        int serverEvents = 4 + SENDS_PER_GROUP + 1;

        try (KafkaProducer<String, ChatCommand> producer = producer(topics.commands());
                TopicReader<String, ConversationEvent> log = new TopicReader<>(broker.bootstrapServers(), topics.conversationLog());
                TopicReader<String, CommandResult> results = new TopicReader<>(broker.bootstrapServers(), topics.commandResults())) {
            send(producer, topics.commands(), firstHalf);

            // When: the first instance processes part of the stream and is closed
            RoutingApp first = RoutingApp.start(config(stateDir.resolve("first")), topics);
            try {
                assertThat(first.state()).isEqualTo(KafkaStreams.State.RUNNING);
                await().atMost(Duration.ofSeconds(60)).until(() -> log.poll().size() >= GROUPS.size() * 5);
            } finally {
                first.close();
            }
            send(producer, topics.commands(), secondHalf);
            // ... and a second instance with no local state takes over
            RoutingApp second = RoutingApp.start(config(stateDir.resolve("second")), topics);
            try {
                await().atMost(Duration.ofSeconds(90)).until(() -> results.poll().size() >= commandCount);
            } finally {
                second.close();
            }
            // Results and events are committed together, but one poll may return only part of them.
            await().atMost(Duration.ofSeconds(30)).until(() -> log.poll().size() >= GROUPS.size() * (SENDS_PER_GROUP + 1) + serverEvents);
            results.poll();

            // Then: per conversation, seqs 1..N exactly once, one message per client_msg_id
            Map<String, List<ConversationEvent>> byConversation = log.values().stream()
                    .collect(Collectors.groupingBy(ConversationEvent::getConversationId));
            assertThat(byConversation.keySet()).containsExactlyInAnyOrderElementsOf(
                    java.util.stream.Stream.concat(GROUPS.stream(), java.util.stream.Stream.of(SERVER, GENERAL)).toList());
            GROUPS.forEach(group -> {
                List<ConversationEvent> events = byConversation.get(group);
                assertThat(events).extracting(ConversationEvent::getSeq).as(group)
                        .containsExactlyElementsOf(LongStream.rangeClosed(1, SENDS_PER_GROUP + 1).boxed().toList());
                assertThat(events.stream().skip(1).map(e -> ((MessagePosted) e.getPayload()).getMessageId()).distinct())
                        .hasSize(SENDS_PER_GROUP);
            });
            // the server's log and its channel's: each gap-free from 1, every record keyed by the server
            assertThat(byConversation.get(SERVER)).extracting(ConversationEvent::getSeq).containsExactly(1L, 2L, 3L, 4L);
            assertThat(byConversation.get(GENERAL)).extracting(ConversationEvent::getSeq)
                    .containsExactlyElementsOf(LongStream.rangeClosed(1, SENDS_PER_GROUP + 1).boxed().toList());
            assertThat(byConversation.get(GENERAL).stream().map(e -> ((MessagePosted) e.getPayload()).getSnowflake()).distinct())
                    .hasSize(SENDS_PER_GROUP + 1);
            assertThat(log.poll()).filteredOn(r -> Ids.serverOf(r.value().getConversationId()) != null)
                    .allSatisfy(r -> assertThat(r.key()).isEqualTo(SERVER));
            // every command answered exactly once, retries with the seq of the first attempt; bob's post
            // after the overwrite refused
            assertThat(results.values()).hasSize(commandCount)
                    .filteredOn(r -> r.getOutcome() instanceof CommandRejected)
                    .singleElement().satisfies(r -> {
                        assertThat(r.getClientMsgId()).isEqualTo("refused");
                        assertThat(((CommandRejected) r.getOutcome()).getCode()).isEqualTo(CommandRules.FORBIDDEN);
                    });
            Map<String, Long> seqByMessage = new HashMap<>();
            log.values().stream().filter(e -> e.getPayload() instanceof MessagePosted)
                    .forEach(e -> seqByMessage.put(((MessagePosted) e.getPayload()).getMessageId(), e.getSeq()));
            for (CommandResult result : results.values()) {
                if (!(result.getOutcome() instanceof CommandAccepted accepted)) {
                    continue;
                }
                if (accepted.getMessageId() != null) {
                    assertThat(accepted.getSeq()).as("seq answered for %s", result.getClientMsgId())
                            .isEqualTo(seqByMessage.get(accepted.getMessageId()));
                }
            }
            assertThat(results.values().stream().filter(r -> r.getOutcome() instanceof CommandAccepted a && a.getDuplicate()))
                    .as("retries answered as duplicates").hasSize((GROUPS.size() + 1) * SENDS_PER_GROUP / 5);
        }
    }

    private static RoutingConfig config(Path stateDir) {
        return RoutingConfig.from(Settings.of(Map.of(
                StreamsAppSettings.BOOTSTRAP_SERVERS, broker.bootstrapServers(),
                RoutingConfig.KEYS.applicationId(), "routing-it",
                RoutingConfig.KEYS.stateDir(), stateDir.toString(),
                RoutingConfig.KEYS.adminPort(), "0",
                RoutingConfig.KEYS.startTimeout(), "90s",
                // Static membership: the replaced instance leaves at once (see docs/topologies.md).
                RoutingConfig.KEYS.streamsPrefix() + "group.instance.id", "routing-it")));
    }

    private static KafkaProducer<String, ChatCommand> producer(Topic<String, ChatCommand> topic) {
        return new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers(),
                ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true,
                // One request at a time per partition: a first batch refused with NOT_LEADER_OR_FOLLOWER
                // while a new topic's partitions come up is retried before the next, instead of the
                // later batches failing OUT_OF_ORDER_SEQUENCE_NUMBER for minutes (seen in CI).
                ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, 1),
                topic.keySerde().serializer(), topic.valueSerde().serializer());
    }

    private static void send(KafkaProducer<String, ChatCommand> producer, Topic<String, ChatCommand> topic, List<ChatCommand> commands) {
        commands.forEach(c -> producer.send(new ProducerRecord<>(topic.name(), Ids.routingKey(c.getConversationId()), c)));
        producer.flush();
    }
}
