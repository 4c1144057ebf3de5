package dev.kchat.edge.servers;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kchat.edge.servers.ChannelViews.Reservation;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Interest tracking: which partitions of chat.server.broadcast an edge wants follows the views of its
 * own connections, a view gets frames only once active, and a connection views a bounded number of
 * channels.
 */
class ChannelViewsTest {

    private static final int PARTITIONS = 32;
    private final AtomicInteger partitionChanges = new AtomicInteger();
    private final ChannelViews views = new ChannelViews(PARTITIONS, 3, partitionChanges::incrementAndGet);
    private final RecordingViewer alice = new RecordingViewer("alice");
    private final RecordingViewer bob = new RecordingViewer("bob");

    @Test
    void shouldWantTheServersPartitionFromTheFirstViewUntilTheLastViewOfAnyServerOnItEnds() {
        // Given two servers on different partitions
        String a = "sv:a";
        String b = serverNotOnPartitionOf(a);

        // When alice views two channels of a and bob one of a and one of b
        assertThat(views.reserve(alice, a, a + ":c1")).isEqualTo(Reservation.RESERVED);
        assertThat(views.reserve(alice, a, a + ":c2")).isEqualTo(Reservation.RESERVED);
        assertThat(views.reserve(bob, a, a + ":c1")).isEqualTo(Reservation.RESERVED);
        assertThat(views.reserve(bob, b, b + ":c1")).isEqualTo(Reservation.RESERVED);

        // Then both partitions are wanted, each announced once
        assertThat(views.wantedPartitions()).containsExactlyInAnyOrder(views.partitionOf(a), views.partitionOf(b));
        assertThat(partitionChanges).hasValue(2);
        assertThat(views.viewers()).isEqualTo(2);
        assertThat(views.views()).isEqualTo(4);

        // When bob leaves b, b's partition is no longer wanted
        assertThat(views.release(bob, b + ":c1")).isNotNull();
        assertThat(views.wantedPartitions()).containsExactly(views.partitionOf(a));
        assertThat(partitionChanges).hasValue(3);

        // And a's partition stays while anyone views a channel of a
        assertThat(views.release(alice, a + ":c1")).isNotNull();
        assertThat(views.releaseAll(alice)).extracting(ChannelViews.View::channelId).containsExactly(a + ":c2");
        assertThat(views.wantedPartitions()).containsExactly(views.partitionOf(a));
        assertThat(views.hasViews(a)).isTrue();
        assertThat(views.releaseAll(bob)).hasSize(1);
        assertThat(views.wantedPartitions()).isEmpty();
        assertThat(views.hasViews(a)).isFalse();
        assertThat(views.viewers()).isZero();
        assertThat(views.views()).isZero();
        assertThat(partitionChanges).hasValue(4);
    }

    @Test
    void shouldDeliverOnlyToActiveViewsAndDropAViewReleasedBeforeItsCheck() {
        // Given alice and bob reserved views of c1
        views.reserve(alice, "sv:a", "sv:a:c1");
        views.reserve(bob, "sv:a", "sv:a:c1");

        // Then nobody gets c1's frames before their permission is checked
        assertThat(views.activeViewers("sv:a:c1")).isEmpty();
        assertThat(views.activeViewersOfServer("sv:a")).isEmpty();

        // When alice is admitted and bob's connection unviews before his check ends
        assertThat(views.activate(alice, "sv:a:c1", 1024)).isTrue();
        views.release(bob, "sv:a:c1");

        // Then alice alone gets the frames, and bob's late admission does nothing
        assertThat(views.activate(bob, "sv:a:c1", 1024)).isFalse();
        assertThat(views.activeViewers("sv:a:c1")).containsExactly(alice);
        assertThat(views.activeViewersOfServer("sv:a")).containsExactly(alice);
        assertThat(views.viewOf(alice, "sv:a:c1").permissions()).isEqualTo(1024);
        assertThat(views.userViews("sv:a", "bob")).isFalse();
        assertThat(views.userViews("sv:a", "alice")).isTrue();
    }

    @Test
    void shouldRefuseAViewBeyondTheBoundPerConnectionAndNotCountARepeat() {
        // Given alice views three channels, the bound
        views.reserve(alice, "sv:a", "sv:a:c1");
        views.reserve(alice, "sv:a", "sv:a:c2");
        views.reserve(alice, "sv:b", "sv:b:c1");

        // Then a repeat changes nothing and a fourth is refused
        assertThat(views.reserve(alice, "sv:a", "sv:a:c1")).isEqualTo(Reservation.ALREADY);
        assertThat(views.reserve(alice, "sv:a", "sv:a:c3")).isEqualTo(Reservation.LIMIT);
        assertThat(views.views()).isEqualTo(3);

        // And another connection has its own bound, and one freed view makes room
        assertThat(views.reserve(bob, "sv:a", "sv:a:c3")).isEqualTo(Reservation.RESERVED);
        views.release(alice, "sv:a:c2");
        assertThat(views.reserve(alice, "sv:a", "sv:a:c3")).isEqualTo(Reservation.RESERVED);
    }

    @Test
    void shouldPlaceAServerOnThePartitionKafkasDefaultPartitionerGivesItsKey() {
        // murmur2 of the UTF-8 key, as the producer's default partitioner places the record keyed by the server id
        String server = "sv:5f1c8f0e-6a53-4a43-9d0c-2d6c3c9a2f11";
        int expected = org.apache.kafka.common.utils.Utils.toPositive(org.apache.kafka.common.utils.Utils.murmur2(
                server.getBytes(java.nio.charset.StandardCharsets.UTF_8))) % PARTITIONS;
        assertThat(views.partitionOf(server)).isEqualTo(expected);
    }

    private String serverNotOnPartitionOf(String other) {
        for (int i = 0; ; i++) {
            String candidate = "sv:b" + i;
            if (views.partitionOf(candidate) != views.partitionOf(other)) {
                return candidate;
            }
        }
    }
}
