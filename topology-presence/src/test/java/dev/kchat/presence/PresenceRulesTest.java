package dev.kchat.presence;

import static dev.kchat.presence.Sessions.T0;
import static dev.kchat.presence.Sessions.opened;
import static org.assertj.core.api.Assertions.assertThat;

import dev.kchat.events.presence.PresenceState;
import dev.kchat.presence.state.LiveSession;
import dev.kchat.presence.state.UserState;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The rules as plain functions, for what the topology tests do not reach cheaply. */
class PresenceRulesTest {

    private final PresenceRules rules = new PresenceRules(Duration.ofSeconds(90), Duration.ofSeconds(10));

    @Test
    void shouldDropTheLeastRecentlyHeardSessionAboveTheCap() {
        // Given: a client that opens sessions and never closes them, one per second
        UserState state = PresenceRules.newUser("alice");
        for (int i = 0; i < PresenceRules.MAX_SESSIONS_PER_USER; i++) {
            assertThat(rules.apply(state, opened("alice", "phone/" + i, T0.plusSeconds(i)), T0.plusSeconds(i).toEpochMilli())).isEmpty();
        }

        // When: one more
        long now = T0.plusSeconds(100).toEpochMilli();
        List<LiveSession> dropped = rules.apply(state, opened("alice", "tablet/1", T0.plusSeconds(100)), now);

        // Then: the first one goes, the new one stays
        assertThat(dropped).extracting(LiveSession::getSessionId).containsExactly("alice:phone/0");
        assertThat(state.getSessions()).hasSize(PresenceRules.MAX_SESSIONS_PER_USER);
        assertThat(state.getSessions()).extracting(LiveSession::getSessionId).contains("alice:tablet/1").doesNotContain("alice:phone/0");
        assertThat(PresenceRules.devicesOnline(state)).isEqualTo(2);
    }

    @Test
    void shouldNeverMoveLastActiveBackForALateEvent() {
        // Given
        UserState state = PresenceRules.newUser("alice");
        rules.apply(state, opened("alice", "phone/1", T0.plusSeconds(10)), T0.plusSeconds(10).toEpochMilli());

        // When: an event of another session stamped earlier by its edge
        rules.apply(state, opened("alice", "laptop/1", T0), T0.plusSeconds(11).toEpochMilli());

        // Then
        assertThat(state.getLastActiveAt()).isEqualTo(T0.plusSeconds(10));
    }

    @Test
    void shouldNeedNoDeadlineOnceOfflineIsPublished() {
        // Given: online, then the session closes and OFFLINE is published after the grace
        UserState state = PresenceRules.newUser("alice");
        rules.apply(state, opened("alice", "phone/1", T0), T0.toEpochMilli());
        assertThat(rules.evaluate(state, T0.toEpochMilli()).change().getState()).isEqualTo(PresenceState.ONLINE);
        rules.apply(state, Sessions.closed("alice", "phone/1", T0.plusSeconds(1)), T0.plusSeconds(1).toEpochMilli());
        assertThat(rules.evaluate(state, T0.plusSeconds(1).toEpochMilli()).change()).isNull();
        assertThat(rules.nextDeadline(state)).isEqualTo(T0.plusSeconds(11).toEpochMilli());

        // When
        PresenceRules.Outcome outcome = rules.evaluate(state, T0.plusSeconds(11).toEpochMilli());

        // Then
        assertThat(outcome.change().getState()).isEqualTo(PresenceState.OFFLINE);
        assertThat(rules.nextDeadline(state)).isNull();
    }
}
