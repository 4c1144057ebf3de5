package dev.kchat.streams;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kchat.localkafka.KafkaBroker;
import dev.kchat.service.Settings;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.GroupListing;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.kstream.Consumed;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The start-time co-partitioning check on a real KRaft broker: equal counts pass, a group of different
 * counts or a missing topic is refused with the topics named, and {@link StreamsService} starts nothing
 * (no consumer group) when its groups are not co-partitioned.
 */
class CopartitionGuardTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    private static KafkaBroker broker;

    @BeforeAll
    static void startBroker() throws Exception {
        broker = KafkaBroker.startTemporary();
        try (Admin admin = broker.admin()) {
            admin.createTopics(List.of(new NewTopic("commands", 3, (short) 1), new NewTopic("receipts", 3, (short) 1),
                    new NewTopic("entries", 3, (short) 1), new NewTopic("notifications", 2, (short) 1))).all().get();
        }
    }

    @AfterAll
    static void stopBroker() {
        broker.close();
    }

    @Test
    void shouldPassWhenEveryGroupHasOneCount() {
        try (Admin admin = broker.admin()) {
            CopartitionGuard.check(admin, List.of(List.of("commands", "receipts"), List.of("entries", "commands")), TIMEOUT);
        }
    }

    @Test
    void shouldNameTheTopicsAndCountsOfAGroupThatDiffers() {
        try (Admin admin = broker.admin()) {
            assertThatThrownBy(() -> CopartitionGuard.check(admin,
                    List.of(List.of("commands", "receipts"), List.of("entries", "notifications")), TIMEOUT))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("entries=3, notifications=2")
                    .hasMessageNotContaining("commands=");
        }
    }

    @Test
    void shouldNameTheTopicsThatDoNotExist() {
        try (Admin admin = broker.admin()) {
            assertThatThrownBy(() -> CopartitionGuard.check(admin, List.of(List.of("commands", "no-such-topic")), TIMEOUT))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("[no-such-topic] do not exist");
        }
    }

    @Test
    void shouldListOnlyTheGroupsWhoseCountsDiffer() {
        assertThat(CopartitionGuard.mismatches(List.of(List.of("a", "b"), List.of("c", "d", "e"), List.of("f")),
                Map.of("a", 6, "b", 6, "c", 6, "d", 6, "e", 3, "f", 1)))
                .containsExactly("c=6, d=6, e=3");
    }

    @Test
    void shouldStartNoStreamsWhenItsTopicsAreNotCopartitioned(@TempDir Path stateDir) throws Exception {
        // Given: a topology that reads both topics of a group whose counts differ
        StreamsAppSettings app = StreamsAppSettings.from(Settings.of(Map.of(
                StreamsAppSettings.BOOTSTRAP_SERVERS, broker.bootstrapServers(),
                "guard.state.dir", stateDir.toString())), StreamsAppSettings.Keys.of("guard"), "guard-it", 0);
        StreamsBuilder builder = new StreamsBuilder();
        builder.stream(List.of("entries", "notifications"), Consumed.with(Serdes.String(), Serdes.String())).foreach((k, v) -> { });

        // When / Then
        assertThatThrownBy(() -> StreamsService.start("guard-app", builder.build(), app.streamsProperties("guard-app"), app,
                List.of(List.of("entries", "notifications"))))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("entries=3, notifications=2");
        try (Admin admin = broker.admin()) {
            assertThat(admin.listGroups().all().get()).extracting(GroupListing::groupId).doesNotContain("guard-it");
        }
    }
}
