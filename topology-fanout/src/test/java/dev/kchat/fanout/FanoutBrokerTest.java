package dev.kchat.fanout;

import dev.kchat.localkafka.TopicReader;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.kchat.events.chat.ConversationEvent;
import dev.kchat.events.chat.DeliveryStatus;
import dev.kchat.events.chat.InboxEntry;
import java.util.concurrent.TimeUnit;
import java.time.Instant;
import dev.kchat.events.chat.ReadUpTo;
import dev.kchat.events.chat.CommandResult;
import dev.kchat.events.chat.MessageStatusChanged;
import dev.kchat.events.chat.ReadPositionChanged;
import dev.kchat.events.chat.Receipt;
import dev.kchat.events.common.ConversationKind;
import dev.kchat.localkafka.KafkaBroker;
import dev.kchat.routing.InboxOutcomes;
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
 * Fan-out on a real KRaft broker under exactly-once, through the real repartition topic: an
 * instance is closed in the middle of the stream and a new one with an empty state directory takes
 * over. Every member's inbox must be gap-free from 1 and hold exactly the events of their
 * membership, each once; receipts sent to the new instance (restored state) add the reader's read
 * position and the authors' statuses to the same gap-free inboxes.
 */
class FanoutBrokerTest {

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
    void shouldKeepEveryInboxGapFreeAndCompleteWhenAnInstanceIsReplacedMidStream(@TempDir Path stateDir) throws Exception {
        // Given: g-one (alice, bob, carol; erin joins at 16), g-two (alice, dave; dave leaves at 21)
        Topics topics = Topics.create(new InMemorySchemaRegistry());
        broker.createTopics(topics);
        Map<String, Set<String>> expected = new TreeMap<>();
        List<ConversationEvent> log = new ArrayList<>();
        script("g-one", List.of("alice", "bob", "carol"), 16, "erin", -1, null, log, expected);
        script("g-two", List.of("alice", "dave"), -1, null, 21, "dave", log, expected);
        int total = expected.values().stream().mapToInt(Set::size).sum();
        // Interleave the conversations as the partitions would, then cut the stream in two.
        log.sort((a, b) -> Long.compare(a.getSeq(), b.getSeq()));
        List<ConversationEvent> firstHalf = log.subList(0, log.size() / 2);
        List<ConversationEvent> secondHalf = log.subList(log.size() / 2, log.size());

        try (KafkaProducer<String, ConversationEvent> producer = producer(topics.conversationLog());
                KafkaProducer<String, Receipt> receiptProducer = producer(topics.receipts());
                TopicReader<String, InboxEntry> inbox = new TopicReader<>(broker.bootstrapServers(), topics.inbox())) {
            send(producer, topics.conversationLog(), firstHalf);

            // When: the first instance handles part of the stream and is closed ...
            FanoutApp first = FanoutApp.start(config(stateDir.resolve("first")), topics);
            try {
                assertThat(first.state()).isEqualTo(KafkaStreams.State.RUNNING);
                await().atMost(Duration.ofSeconds(60)).until(() -> inbox.poll().size() >= 10);
            } finally {
                first.close();
            }
            send(producer, topics.conversationLog(), secondHalf);
            // ... and a second instance with no local state takes over
            FanoutApp second = FanoutApp.start(config(stateDir.resolve("second")), topics);
            try {
                await().atMost(Duration.ofSeconds(90)).until(() -> inbox.poll().size() >= total);
                // bob reads g-one to the end (alice wrote 30, carol 29); dave, who left g-two, is refused;
                // routing refused a command of alice's
                sendReceipts(receiptProducer, topics.receipts(), List.of(
                        Events.read("g-one", "bob", "phone", EVENTS_PER_CONVERSATION),
                        Events.read("g-two", "dave", "phone", EVENTS_PER_CONVERSATION)));
                try (KafkaProducer<String, CommandResult> resultProducer = producer(topics.commandResults())) {
                    resultProducer.send(new ProducerRecord<>(topics.commandResults().name(), "g-two",
                            Events.rejected("g-two", "alice", "r-1", "forbidden"))).get(30, TimeUnit.SECONDS);
                }
                await().atMost(Duration.ofSeconds(60)).until(() -> inbox.poll().size() >= total + 5);
            } finally {
                second.close();
            }
            inbox.poll();

            // Then
            Map<String, List<InboxEntry>> byUser = inbox.values().stream().collect(Collectors.groupingBy(InboxEntry::getUserId));
            assertThat(byUser.keySet()).containsExactlyInAnyOrderElementsOf(expected.keySet());
            byUser.forEach((user, entries) -> {
                assertThat(entries).extracting(InboxEntry::getInboxSeq).as("inbox_seq of %s", user)
                        .containsExactlyElementsOf(LongStream.rangeClosed(1, entries.size()).boxed().toList());
                assertThat(entries).filteredOn(e -> e.getConvSeq() != null)
                        .extracting(e -> e.getConversationId() + "#" + e.getConvSeq()).as("events of %s", user)
                        .containsExactlyInAnyOrderElementsOf(expected.get(user));
            });
            assertThat(inbox.values()).filteredOn(e -> e.getConvSeq() == null)
                    .extracting(e -> e.getUserId() + ":" + e.getItem()).containsExactlyInAnyOrder(
                            "bob:" + ReadPositionChanged.newBuilder().setConversationId("g-one")
                                    .setReadSeq(EVENTS_PER_CONVERSATION).setUnread(0).build(),
                            "alice:" + readBy("g-one", EVENTS_PER_CONVERSATION, "bob"),
                            "carol:" + readBy("g-one", EVENTS_PER_CONVERSATION - 1, "bob"),
                            "dave:" + InboxOutcomes.entry(InboxOutcomes.readRefused("g-two", "dave", "phone",
                                    ReadUpTo.newBuilder().setSeq(EVENTS_PER_CONVERSATION).build(), refusedAt(inbox, "dave"),
                                    "not_a_member", "dave is not a member of g-two")).getItem(),
                            "alice:" + InboxOutcomes.entry(Events.rejected("g-two", "alice", "r-1", "forbidden")).getItem());
            assertThat(inbox.values()).hasSize(total + 5);
        }
    }

    /** When fanout refused {@code user}'s read: the receipt's timestamp, which the test does not choose. */
    private static Instant refusedAt(TopicReader<String, InboxEntry> inbox, String user) {
        return inbox.values().stream().filter(e -> e.getUserId().equals(user) && e.getItem() instanceof CommandResult)
                .map(e -> ((CommandResult) e.getItem()).getDecidedAt()).findFirst().orElseThrow();
    }

    /** Appends a conversation's events to the log and records who must receive each one. */
    private static void script(String conversationId, List<String> initial, long joinAt, String joiner, long leaveAt,
            String leaver, List<ConversationEvent> log, Map<String, Set<String>> expected) {
        Set<String> members = new LinkedHashSet<>(initial);
        log.add(Events.created(conversationId, ConversationKind.GROUP, initial.get(0),
                initial.subList(1, initial.size()).toArray(String[]::new)));
        deliver(conversationId, 1, members, expected);
        for (long seq = 2; seq <= EVENTS_PER_CONVERSATION; seq++) {
            if (seq == joinAt) {
                log.add(Events.joined(conversationId, seq, initial.get(0), joiner));
                members.add(joiner);
                deliver(conversationId, seq, members, expected);
            } else if (seq == leaveAt) {
                log.add(Events.left(conversationId, seq, leaver));
                deliver(conversationId, seq, members, expected);
                members.remove(leaver);
            } else {
                log.add(Events.posted(conversationId, seq, initial.get((int) (seq % initial.size()))));
                deliver(conversationId, seq, members, expected);
            }
        }
    }

    private static void deliver(String conversationId, long seq, Set<String> members, Map<String, Set<String>> expected) {
        members.forEach(m -> expected.computeIfAbsent(m, k -> new LinkedHashSet<>()).add(conversationId + "#" + seq));
    }

    private static FanoutConfig config(Path stateDir) {
        return FanoutConfig.from(Settings.of(Map.of(
                StreamsAppSettings.BOOTSTRAP_SERVERS, broker.bootstrapServers(),
                FanoutConfig.KEYS.applicationId(), "fanout-it",
                FanoutConfig.KEYS.stateDir(), stateDir.toString(),
                FanoutConfig.KEYS.adminPort(), "0",
                FanoutConfig.KEYS.startTimeout(), "90s",
                // Per-recipient statuses in these groups of 2-4 (the default gives them to 1:1 only).
                FanoutConfig.RECEIPTS_PER_RECIPIENT_MAX, "10",
                // Static membership: the replaced instance leaves at once (see docs/topologies.md).
                FanoutConfig.KEYS.streamsPrefix() + "group.instance.id", "fanout-it")));
    }

    private static MessageStatusChanged readBy(String conversationId, long upTo, String reader) {
        return MessageStatusChanged.newBuilder().setConversationId(conversationId).setUpToSeq(upTo)
                .setStatus(DeliveryStatus.READ).setByUserId(reader).setDeliveredCount(0).setReadCount(0).build();
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

    private static void send(KafkaProducer<String, ConversationEvent> producer, Topic<String, ConversationEvent> topic,
            List<ConversationEvent> events) {
        events.forEach(e -> producer.send(new ProducerRecord<>(topic.name(), e.getConversationId(), e)));
        producer.flush();
    }

    private static void sendReceipts(KafkaProducer<String, Receipt> producer, Topic<String, Receipt> topic, List<Receipt> receipts) {
        receipts.forEach(r -> producer.send(new ProducerRecord<>(topic.name(), r.getConversationId(), r)));
        producer.flush();
    }
}
