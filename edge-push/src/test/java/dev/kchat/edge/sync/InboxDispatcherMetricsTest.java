package dev.kchat.edge.sync;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.kchat.edge.load.InboxDelay;
import dev.kchat.events.chat.InboxEntry;
import dev.kchat.events.chat.ReadPositionChanged;
import dev.kchat.events.platform.ProcessingError;
import dev.kchat.localkafka.KafkaBroker;
import dev.kchat.schemas.registry.InMemorySchemaRegistry;
import dev.kchat.schemas.topic.Topic;
import dev.kchat.schemas.topic.Topics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

/**
 * The edge's delivery metrics on a real broker: an inbox record stamped when its command was
 * accepted, handed to a listener here, is measured as {@code kchat_delivery_latency_seconds} from
 * that stamp; the inbox lag per edge is {@code kchat_edge_inbox_lag_records}.
 */
class InboxDispatcherMetricsTest {

    @Test
    void shouldMeasureDeliveryFromTheRecordTimestampAndExposeTheInboxLag() throws Exception {
        try (KafkaBroker broker = KafkaBroker.startTemporary()) {
            // Given: the inbox topic, a dispatcher with a listener for bob
            Topics topics = Topics.create(new InMemorySchemaRegistry());
            broker.createTopics(topics);
            PrometheusMeterRegistry metrics = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
            InboxDispatcher dispatcher = new InboxDispatcher(broker.bootstrapServers(), "edge-metrics-test", "edge-metrics-test",
                    topics.inbox(), topics.errors(), new MockProducer<String, ProcessingError>(), new InboxDelay(), Duration.ofSeconds(10),
                    metrics);
            List<InboxEntry> received = new CopyOnWriteArrayList<>();
            dispatcher.register(new InboxListener() {
                @Override
                public String userId() {
                    return "bob";
                }

                @Override
                public void onLive(InboxEntry entry) {
                    received.add(entry);
                }

                @Override
                public void onPartitionLost() {
                }
            });
            Thread consumer = new Thread(dispatcher, "inbox-dispatcher");
            consumer.start();
            try {
                assertThat(dispatcher.awaitAssignment(Duration.ofSeconds(60))).isTrue();

                // When: an entry for bob whose command was accepted 1.5 s ago (its record timestamp)
                Instant accepted = Instant.now().minusMillis(1500);
                try (KafkaProducer<String, InboxEntry> producer = producer(broker, topics.inbox())) {
                    producer.send(new ProducerRecord<>(topics.inbox().name(), null, accepted.toEpochMilli(), "bob",
                            InboxEntry.newBuilder().setUserId("bob").setInboxSeq(1).setConversationId("g:1")
                                    .setCreatedAt(accepted.plusMillis(20))
                                    .setItem(ReadPositionChanged.newBuilder().setConversationId("g:1").setReadSeq(1).setUnread(0).build())
                                    .build())).get();
                }

                // Then: it is delivered and measured once, from the record timestamp
                await().atMost(Duration.ofSeconds(30)).until(() -> received.size() == 1);
                String scrape = metrics.scrape();
                assertThat(sample(scrape, "kchat_delivery_latency_seconds_count")).isEqualTo(1.0);
                assertThat(sample(scrape, "kchat_delivery_latency_seconds_sum")).isGreaterThanOrEqualTo(1.5).isLessThan(60.0);
                assertThat(scrape).contains("kchat_delivery_latency_seconds_bucket{le=");
                assertThat(sample(scrape, "kchat_edge_inbox_lag_records")).isEqualTo(0.0);
            } finally {
                dispatcher.close();
                consumer.join(30_000);
            }
        }
    }

    private static KafkaProducer<String, InboxEntry> producer(KafkaBroker broker, Topic<String, InboxEntry> inbox) {
        return new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()),
                new StringSerializer(), inbox.valueSerde().serializer());
    }

    /** The value of the first sample of that name (with or without labels); fails if there is none. */
    private static double sample(String scrape, String name) {
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(name) + "(\\{[^}]*\\})? (\\S+)$").matcher(scrape);
        assertThat(m.find()).as("%s in%n%s", name, scrape).isTrue();
        return Double.parseDouble(m.group(2));
    }
}
