package dev.kchat.edge.live;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class RecentBroadcastsTest {

    private static final long S = 1_000_000_000L;

    @Test
    void shouldReplayOnlyTheFramesSequencedAfterTheJoin() {
        RecentBroadcasts recent = new RecentBroadcasts(16, Duration.ofSeconds(60), 10);
        recent.add("g1", 10, "f10", 0);
        recent.add("g1", 11, "f11", 0);
        recent.add("g2", 5, "other", 0);
        recent.add("g1", 12, "f12", 0);

        assertThat(frames(recent.after("g1", 10, S))).containsExactly("f11", "f12");
        assertThat(frames(recent.after("g1", 12, S))).isEmpty();
        assertThat(frames(recent.after("unknown", 0, S))).isEmpty();
    }

    @Test
    void shouldForgetFramesBeyondTheCountTheAgeAndTheConversationLimit() {
        RecentBroadcasts recent = new RecentBroadcasts(2, Duration.ofSeconds(30), 2);
        recent.add("g1", 1, "a", 0);
        recent.add("g1", 2, "b", 0);
        recent.add("g1", 3, "c", 0);
        assertThat(frames(recent.after("g1", 0, 0))).as("two per conversation").containsExactly("b", "c");

        assertThat(frames(recent.after("g1", 0, 31 * S))).as("older than 30 s").isEmpty();

        recent.add("g2", 1, "x", 40 * S);
        recent.add("g3", 1, "y", 40 * S);
        recent.add("g4", 1, "z", 40 * S);
        assertThat(recent.conversations()).isEqualTo(2);
        assertThat(frames(recent.after("g2", 0, 40 * S))).as("least recently broadcast conversation dropped").isEmpty();
        assertThat(frames(recent.after("g4", 0, 40 * S))).containsExactly("z");
    }

    private static List<String> frames(List<RecentBroadcasts.Frame> frames) {
        return frames.stream().map(RecentBroadcasts.Frame::frame).toList();
    }
}
