package dev.kchat.fanout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.kchat.events.chat.ChatCommand;
import dev.kchat.events.chat.CommandRejected;
import dev.kchat.events.chat.CommandResult;
import dev.kchat.events.chat.DeliveryStatus;
import dev.kchat.events.chat.InboxEntry;
import dev.kchat.events.chat.MessageStatusChanged;
import dev.kchat.events.chat.ReadPositionChanged;
import dev.kchat.events.chat.ReadUpTo;
import dev.kchat.events.chat.Receipt;
import dev.kchat.localkafka.KafkaBroker;
import dev.kchat.localkafka.TopicReader;
import dev.kchat.routing.InboxOutcomes;
import dev.kchat.routing.RoutingApp;
import dev.kchat.routing.RoutingConfig;
import dev.kchat.routing.RoutingFanoutConfig;
import dev.kchat.schemas.Ids;
import dev.kchat.schemas.registry.InMemorySchemaRegistry;
import dev.kchat.schemas.topic.Topic;
import dev.kchat.schemas.topic.Topics;
import dev.kchat.service.Settings;
import dev.kchat.streams.StreamsAppSettings;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
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
 * The two-hop message path on a real KRaft broker under exactly-once: routing (commands and receipts to
 * unsequenced entries) and fanout (entries numbered into {@code chat.inbox}), each replaced in the middle
 * of the stream by a new instance with an empty state directory (so its state comes back from the
 * changelogs: routing's members and receipt stores, fanout's inbox seqs). Every member's inbox must be
 * gap-free from 1 and hold exactly the events of their membership, each once; receipts sent after both
 * takeovers add the reader's read position, the authors' statuses and a refusal, and a refused command
 * its refusal, each once, to the same gap-free inboxes.
 */
class MessagePathBrokerTest {

    private static final int EVENTS_PER_CONVERSATION = 30;

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
    void shouldKeepEveryInboxGapFreeAndCompleteWhenEachAppIsReplacedMidStream(@TempDir Path stateDir) throws Exception {
        // Given: g-one (alice, bob, carol; erin added at 16), g-two (alice, dave; dave leaves at 21)
        Topics topics = Topics.create(new InMemorySchemaRegistry());
        broker.createTopics(topics);
        Map<String, Set<String>> expected = new TreeMap<>();
        List<ChatCommand> commands = new ArrayList<>();
        script("g-one", List.of("alice", "bob", "carol"), 16, "erin", -1, null, commands, expected);
        script("g-two", List.of("alice", "dave"), -1, null, 21, "dave", commands, expected);
        int total = expected.values().stream().mapToInt(Set::size).sum();
        // Interleave the conversations as the partitions would, then cut the stream in three.
        List<ChatCommand> interleaved = interleave(commands);
        int third = interleaved.size() / 3;

        try (KafkaProducer<String, ChatCommand> commandProducer = producer(topics.commands());
                KafkaProducer<String, Receipt> receiptProducer = producer(topics.receipts());
                TopicReader<String, InboxEntry> inbox = new TopicReader<>(broker.bootstrapServers(), topics.inbox())) {
            sendCommands(commandProducer, topics.commands(), interleaved.subList(0, third));

            // When: the first routing and fanout handle part of the stream; routing is replaced ...
            RoutingApp routing = RoutingApp.start(routingConfig(stateDir.resolve("routing-first")), topics);
            FanoutApp fanout = FanoutApp.start(fanoutConfig(stateDir.resolve("fanout-first")), topics);
            try {
                assertThat(routing.state()).isEqualTo(KafkaStreams.State.RUNNING);
                assertThat(fanout.state()).isEqualTo(KafkaStreams.State.RUNNING);
                await().atMost(Duration.ofSeconds(60)).until(() -> inbox.poll().size() >= 10);
                routing.close();
                sendCommands(commandProducer, topics.commands(), interleaved.subList(third, 2 * third));
                routing = RoutingApp.start(routingConfig(stateDir.resolve("routing-second")), topics);
                int before = inbox.values().size();
                await().atMost(Duration.ofSeconds(60)).until(() -> inbox.poll().size() > before);
                // ... then fanout, with the last third on its way
                fanout.close();
                sendCommands(commandProducer, topics.commands(), interleaved.subList(2 * third, interleaved.size()));
                fanout = FanoutApp.start(fanoutConfig(stateDir.resolve("fanout-second")), topics);
                await().atMost(Duration.ofSeconds(90)).until(() -> inbox.poll().size() >= total);

                // bob reads g-one to the end (alice wrote 30, carol 29); dave, who left g-two, reads it and
                // is refused, and posts there and is refused
                sendReceipts(receiptProducer, topics.receipts(), List.of(
                        PathCommands.read("g-one", "bob", EVENTS_PER_CONVERSATION),
                        PathCommands.read("g-two", "dave", EVENTS_PER_CONVERSATION)));
                sendCommands(commandProducer, topics.commands(), List.of(PathCommands.send("g-two", "dave", "after-leaving")));
                await().atMost(Duration.ofSeconds(60)).until(() -> inbox.poll().size() >= total + 5);
            } finally {
                routing.close();
                fanout.close();
            }
            inbox.poll();

            // Then: every inbox gap-free from 1 with exactly its member's events, each once
            Map<String, List<InboxEntry>> byUser = inbox.values().stream().collect(Collectors.groupingBy(InboxEntry::getUserId));
            assertThat(byUser.keySet()).containsExactlyInAnyOrderElementsOf(expected.keySet());
            byUser.forEach((user, entries) -> {
                assertThat(entries).extracting(InboxEntry::getInboxSeq).as("inbox_seq of %s", user)
                        .containsExactlyElementsOf(LongStream.rangeClosed(1, entries.size()).boxed().toList());
                assertThat(entries).filteredOn(e -> e.getConvSeq() != null)
                        .extracting(e -> e.getConversationId() + "#" + e.getConvSeq()).as("events of %s", user)
                        .containsExactlyInAnyOrderElementsOf(expected.get(user));
            });
            // and the receipt outputs and the refusals, once each
            CommandResult refusedSend = refusal(inbox, "dave", "SendMessage");
            assertThat(refusedSend.getClientMsgId()).isEqualTo("after-leaving");
            assertThat(((CommandRejected) refusedSend.getOutcome()).getCode()).isEqualTo(InboxOutcomes.NOT_A_MEMBER);
            assertThat(inbox.values()).filteredOn(e -> e.getConvSeq() == null)
                    .extracting(e -> e.getUserId() + ":" + e.getItem()).containsExactlyInAnyOrder(
                            "bob:" + ReadPositionChanged.newBuilder().setConversationId("g-one")
                                    .setReadSeq(EVENTS_PER_CONVERSATION).setUnread(0).build(),
                            "alice:" + readBy("g-one", EVENTS_PER_CONVERSATION, "bob"),
                            "carol:" + readBy("g-one", EVENTS_PER_CONVERSATION - 1, "bob"),
                            "dave:" + InboxOutcomes.entry(InboxOutcomes.readRefused("g-two", "dave", "phone",
                                    ReadUpTo.newBuilder().setSeq(EVENTS_PER_CONVERSATION).build(),
                                    refusal(inbox, "dave", "ReadUpTo").getDecidedAt(), InboxOutcomes.NOT_A_MEMBER,
                                    "dave is not a member of g-two")).getItem(),
                            "dave:" + InboxOutcomes.entry(refusedSend).getItem());
            assertThat(inbox.values()).hasSize(total + 5);
        }
    }

    /** The refusal of {@code user}'s command or read of {@code commandType} in their inbox (its time is not the test's to choose). */
    private static CommandResult refusal(TopicReader<String, InboxEntry> inbox, String user, String commandType) {
        return inbox.values().stream().filter(e -> e.getUserId().equals(user) && e.getItem() instanceof CommandResult r
                        && r.getCommandType().equals(commandType))
                .map(e -> (CommandResult) e.getItem()).findFirst().orElseThrow();
    }

    /**
     * Appends the commands that make a conversation's events 1..{@value #EVENTS_PER_CONVERSATION}, and
     * records who must receive each event: the members as of its seq, the leaver of their own leave.
     * Posts rotate over the initial members still in the conversation.
     */
    private static void script(String conversationId, List<String> initial, long joinAt, String joiner, long leaveAt,
            String leaver, List<ChatCommand> commands, Map<String, Set<String>> expected) {
        Set<String> members = new LinkedHashSet<>(initial);
        List<String> posters = new ArrayList<>(initial);
        commands.add(PathCommands.createGroup(conversationId, initial.get(0), initial.subList(1, initial.size())));
        deliver(conversationId, 1, members, expected);
        for (long seq = 2; seq <= EVENTS_PER_CONVERSATION; seq++) {
            if (seq == joinAt) {
                commands.add(PathCommands.add(conversationId, initial.get(0), joiner));
                members.add(joiner);
                deliver(conversationId, seq, members, expected);
            } else if (seq == leaveAt) {
                commands.add(PathCommands.leave(conversationId, leaver));
                deliver(conversationId, seq, members, expected);
                members.remove(leaver);
                posters.remove(leaver);
            } else {
                commands.add(PathCommands.send(conversationId, posters.get((int) (seq % posters.size())), "m" + seq));
                deliver(conversationId, seq, members, expected);
            }
        }
    }

    private static void deliver(String conversationId, long seq, Set<String> members, Map<String, Set<String>> expected) {
        members.forEach(m -> expected.computeIfAbsent(m, k -> new LinkedHashSet<>()).add(conversationId + "#" + seq));
    }

    /** The commands of all conversations, round robin: each conversation's in its order. */
    private static List<ChatCommand> interleave(List<ChatCommand> commands) {
        Map<String, List<ChatCommand>> byConversation = commands.stream()
                .collect(Collectors.groupingBy(ChatCommand::getConversationId, TreeMap::new, Collectors.toList()));
        List<ChatCommand> interleaved = new ArrayList<>();
        for (int i = 0; interleaved.size() < commands.size(); i++) {
            for (List<ChatCommand> own : byConversation.values()) {
                if (i < own.size()) {
                    interleaved.add(own.get(i));
                }
            }
        }
        return interleaved;
    }

    private static MessageStatusChanged readBy(String conversationId, long upTo, String reader) {
        return MessageStatusChanged.newBuilder().setConversationId(conversationId).setUpToSeq(upTo)
                .setStatus(DeliveryStatus.READ).setByUserId(reader).setDeliveredCount(0).setReadCount(0).build();
    }

    private static RoutingConfig routingConfig(Path stateDir) {
        return RoutingConfig.from(Settings.of(Map.of(
                StreamsAppSettings.BOOTSTRAP_SERVERS, broker.bootstrapServers(),
                RoutingConfig.KEYS.applicationId(), "routing-path-it",
                RoutingConfig.KEYS.stateDir(), stateDir.toString(),
                RoutingConfig.KEYS.adminPort(), "0",
                RoutingConfig.KEYS.startTimeout(), "90s",
                // Per-recipient statuses in these groups of 2-4 (the default gives them to 1:1 only).
                RoutingFanoutConfig.RECEIPTS_PER_RECIPIENT_MAX, "10",
                // Static membership: the replaced instance leaves at once (see docs/topologies.md).
                RoutingConfig.KEYS.streamsPrefix() + "group.instance.id", "routing-path-it")));
    }

    private static FanoutConfig fanoutConfig(Path stateDir) {
        return FanoutConfig.from(Settings.of(Map.of(
                StreamsAppSettings.BOOTSTRAP_SERVERS, broker.bootstrapServers(),
                FanoutConfig.KEYS.applicationId(), "fanout-path-it",
                FanoutConfig.KEYS.stateDir(), stateDir.toString(),
                FanoutConfig.KEYS.adminPort(), "0",
                FanoutConfig.KEYS.startTimeout(), "90s",
                FanoutConfig.KEYS.streamsPrefix() + "group.instance.id", "fanout-path-it")));
    }

    private static <V> KafkaProducer<String, V> producer(Topic<String, V> topic) {
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

    private static void sendCommands(KafkaProducer<String, ChatCommand> producer, Topic<String, ChatCommand> topic, List<ChatCommand> commands) {
        commands.forEach(c -> producer.send(new ProducerRecord<>(topic.name(), Ids.routingKey(c.getConversationId()), c)));
        producer.flush();
    }

    private static void sendReceipts(KafkaProducer<String, Receipt> producer, Topic<String, Receipt> topic, List<Receipt> receipts) {
        receipts.forEach(r -> producer.send(new ProducerRecord<>(topic.name(), r.getConversationId(), r)));
        producer.flush();
    }
}
