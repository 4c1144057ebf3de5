package dev.kchat.edge.servers;

import static dev.kchat.edge.servers.ServerFixtures.VIEW;
import static dev.kchat.edge.servers.ServerFixtures.message;
import static dev.kchat.edge.servers.ServerFixtures.serverEvent;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.kchat.edge.members.ListRange;
import dev.kchat.edge.members.MemberListFlusher;
import dev.kchat.edge.members.MemberListStore;
import dev.kchat.edge.members.MemberListSubscriptions;
import dev.kchat.events.chat.ChannelOverwriteSet;
import dev.kchat.events.chat.ServerMemberJoined;
import dev.kchat.events.chat.ServerBroadcast;
import dev.kchat.events.common.OverwriteTarget;
import dev.kchat.events.platform.ProcessingError;
import dev.kchat.localkafka.KafkaBroker;
import dev.kchat.schemas.registry.InMemorySchemaRegistry;
import dev.kchat.schemas.topic.Topic;
import dev.kchat.schemas.topic.Topics;
import dev.kchat.store.servers.ServerRows.MemberLine;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

/**
 * Channel viewing through a real broker: the edge's reader assigns itself only the partitions of
 * {@code chat.server.broadcast} holding servers its connections view, reads them from the end, hands
 * each record only to the viewers of its channel, stops a viewer whose permission was taken, and
 * drops a partition nobody views any more; a member-list subscription makes it read its server's
 * partition too, and gets that server's join. Records are written as fanout writes them (key = server
 * id); the store is the fixture's.
 */
class ServerBroadcastReaderTest {

    private static final Duration DEADLINE = Duration.ofSeconds(60);

    @Test
    void shouldDeliverEachChannelsBroadcastsOnlyToItsViewersAndStopAtARevokedPermission() throws Exception {
        try (KafkaBroker broker = KafkaBroker.startTemporary()) {
            // Given the topics, and two servers on different partitions
            Topics topics = Topics.create(new InMemorySchemaRegistry());
            broker.createTopics(topics);
            Topic<String, ServerBroadcast> topic = topics.serverBroadcast();
            PrometheusMeterRegistry metrics = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
            ServerBroadcastReader reader = new ServerBroadcastReader(broker.bootstrapServers(), "edge-servers-test", topic,
                    topics.errors(), new MockProducer<String, ProcessingError>(), metrics);
            ChannelViews channelViews = new ChannelViews(topic.partitions(), 10, reader::interestChanged);
            String a = "sv:a";
            String b = otherPartition(channelViews, a);
            ServerFixtures.FakeStore store = new ServerFixtures.FakeStore().put(a).put(b);
            ExecutorService workers = Executors.newFixedThreadPool(2);
            ServerViews views = new ServerViews(channelViews, reader, store, workers, metrics);
            // (and the member lists, the reader's other user: carl is b's only member)
            MemberListSubscriptions members = new MemberListSubscriptions(reader, topic.partitions(), reader::interestChanged,
                    server -> Optional.of(new MemberListStore.Members(Map.of(server, 0), List.of(new MemberLine("carl", null, -1, Set.of())))),
                    null, workers, metrics);
            MemberListFlusher flusher = new MemberListFlusher(members, () -> false, metrics);
            Thread readerThread = new Thread(reader, "server-broadcast-reader");
            readerThread.start();
            RecordingViewer alice = new RecordingViewer("alice");
            RecordingViewer bob = new RecordingViewer("bob");
            RecordingViewer olga = new RecordingViewer("olga");
            try (KafkaProducer<String, ServerBroadcast> fanout = new KafkaProducer<>(Map.of(
                    ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()), new StringSerializer(),
                    topic.valueSerde().serializer())) {
                // And a message of a:c1 written before anyone views it
                send(fanout, topic, message(a + ":c1", 1, "old"));

                // When alice and bob view a:c1 (bob a:c4 too) and olga views b:c1
                views.view(alice, a, a + ":c1", null);
                views.view(bob, a, a + ":c1", null);
                views.view(bob, a, a + ":c4", null);
                views.view(olga, b, b + ":c1", null);
                await().atMost(DEADLINE).until(() -> alice.ofType("viewing").size() == 1 && bob.ofType("viewing").size() == 2
                        && olga.ofType("viewing").size() == 1);

                // Then the edge reads exactly the two servers' partitions
                assertThat(reader.readingNow()).containsExactlyInAnyOrder(channelViews.partitionOf(a), channelViews.partitionOf(b));

                // When a message is posted in a:c1 and one in b:c1
                send(fanout, topic, message(a + ":c1", 2, "to-a"));
                send(fanout, topic, message(b + ":c1", 1, "to-b"));

                // Then a:c1's reaches its two viewers only, b:c1's only olga, and nothing written before the views
                await().atMost(DEADLINE).until(() -> alice.bodies().contains("to-a") && bob.bodies().contains("to-a")
                        && olga.bodies().contains("to-b"));
                assertThat(alice.bodies()).containsExactly("to-a");
                assertThat(bob.bodies()).containsExactly("to-a");
                assertThat(olga.bodies()).containsExactly("to-b");

                // When bob is denied VIEW_CHANNEL in a:c1, then a:c1 gets a message and a:c4 a marker after it
                send(fanout, topic, serverEvent(a, 10, ChannelOverwriteSet.newBuilder().setChannelId(a + ":c1")
                        .setTargetKind(OverwriteTarget.MEMBER).setTargetId("bob").setAllow(0).setDeny(VIEW).build()));
                send(fanout, topic, message(a + ":c1", 3, "secret"));
                send(fanout, topic, message(a + ":c4", 1, "marker"));

                // Then bob is told his view of a:c1 ended and gets the marker, but not the message before it
                await().atMost(DEADLINE).until(() -> bob.bodies().contains("marker"));
                assertThat(bob.ofType("unviewed")).extracting(f -> f.path("channel_id").asText() + " " + f.path("reason").asText())
                        .containsExactly(a + ":c1 forbidden");
                assertThat(bob.bodies()).containsExactly("to-a", "marker");
                await().atMost(DEADLINE).until(() -> alice.bodies().contains("secret"));
                assertThat(alice.bodies()).containsExactly("to-a", "secret");

                // When olga stops viewing b:c1, the edge stops reading b's partition
                assertThat(views.unview(olga, b + ":c1")).isEqualTo(b);
                await().atMost(DEADLINE).until(() -> reader.readingNow().equals(java.util.Set.of(channelViews.partitionOf(a))));

                // And the metrics say what the edge reads and delivered
                String scrape = metrics.scrape();
                assertThat(scrape).contains("kchat_edge_servers_partitions 1.0");
                assertThat(scrape).contains("kchat_edge_servers_viewers 2.0");
                assertThat(scrape).containsPattern("kchat_edge_servers_frames_total\\{kind=\"channel\"\\} 5.0");
                assertThat(scrape).containsPattern("kchat_edge_servers_frames_total\\{kind=\"server\"\\} 1.0");
                assertThat(scrape).containsPattern("kchat_edge_servers_views_ended_total\\{reason=\"forbidden\"\\} 1.0");

                // When carl subscribes to b's member list (nobody views b any more)
                RecordingViewer carl = new RecordingViewer("carl");
                members.subscribe(carl, b, List.of(new ListRange(0, 99)), null);

                // Then the edge reads b's partition again, for the member list, and answers it
                await().atMost(DEADLINE).until(() -> carl.ofType("member_list").size() == 1);
                assertThat(reader.readingNow()).containsExactlyInAnyOrder(channelViews.partitionOf(a), channelViews.partitionOf(b));

                // When dora joins b; the flusher's intervals pass (each poll is one)
                send(fanout, topic, serverEvent(b, 20, ServerMemberJoined.newBuilder().setUserId("dora").build()));
                await().atMost(DEADLINE).until(() -> {
                    flusher.run();
                    return !carl.ofType("member_list_update").isEmpty();
                });

                // Then carl's range comes again with dora in it
                assertThat(carl.ofType("member_list_update").get(0).at("/ranges/0/members/1/user_id").asText()).isEqualTo("dora");

                // When carl's connection closes, the edge stops reading b's partition again
                members.closed(carl);
                await().atMost(DEADLINE).until(() -> reader.readingNow().equals(java.util.Set.of(channelViews.partitionOf(a))));
            } finally {
                reader.close();
                readerThread.join(30_000);
                workers.shutdownNow();
            }
        }
    }

    private static void send(KafkaProducer<String, ServerBroadcast> producer, Topic<String, ServerBroadcast> topic, ServerBroadcast b)
            throws Exception {
        producer.send(new ProducerRecord<>(topic.name(), b.getServerId(), b)).get();
    }

    private static String otherPartition(ChannelViews views, String server) {
        for (int i = 0; ; i++) {
            if (views.partitionOf("sv:b" + i) != views.partitionOf(server)) {
                return "sv:b" + i;
            }
        }
    }
}
