package dev.kchat.presence;

import dev.kchat.api.presence.UserPresence;

import static dev.kchat.presence.Sessions.T0;
import static dev.kchat.presence.Sessions.closed;
import static dev.kchat.presence.Sessions.heartbeat;
import static dev.kchat.presence.Sessions.opened;
import static dev.kchat.presence.Sessions.status;
import static org.assertj.core.api.Assertions.assertThat;

import dev.kchat.events.platform.ProcessingError;
import dev.kchat.events.presence.PresenceChanged;
import dev.kchat.events.presence.PresenceState;
import dev.kchat.events.presence.SessionEvent;
import dev.kchat.presence.PresenceProcessor.DeadlineKeys;
import dev.kchat.presence.state.LiveSession;
import dev.kchat.presence.state.UserState;
import dev.kchat.schemas.registry.InMemorySchemaRegistry;
import dev.kchat.schemas.topic.Topics;
import dev.kchat.service.Settings;
import dev.kchat.streams.ErrorTopicHandler;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The presence topology under {@link TopologyTestDriver}, built by the same
 * {@link PresenceApp#buildTopology} with the default timings (TTL 90 s, grace 10 s, punctuation
 * every 5 s). Time is the driver's wall clock, moved by {@link #advance}; every event is stamped
 * with it. Asserts {@code presence.changes}, the error topic and both stores, and ends with
 * nothing left unread.
 */
class PresenceTopologyTest {

    private static final String ALICE = "alice";
    private static final String BOB = "bob";
    private static final Duration TTL = PresenceConfig.DEFAULT_SESSION_TTL;
    private static final Duration GRACE = PresenceConfig.DEFAULT_OFFLINE_GRACE;

    @TempDir
    Path stateDir;

    private TopologyTestDriver driver;
    private TestInputTopic<String, SessionEvent> sessions;
    private TestInputTopic<String, byte[]> rawSessions;
    private TestOutputTopic<String, PresenceChanged> changes;
    private TestOutputTopic<String, ProcessingError> errors;
    private Instant now = T0;

    @BeforeEach
    void start() {
        Topics topics = Topics.create(new InMemorySchemaRegistry());
        PresenceConfig config = PresenceConfig.from(Settings.of(Map.of(
                PresenceConfig.KEYS.applicationId(), "presence-test",
                PresenceConfig.KEYS.stateDir(), stateDir.toString())));
        Properties props = ErrorTopicHandler.bind(PresenceApp.streamsConfig(config), topics);
        driver = new TopologyTestDriver(PresenceApp.buildTopology(config, topics), props, T0);
        sessions = driver.createInputTopic(Topics.PRESENCE_SESSIONS, topics.presenceSessions().keySerde().serializer(),
                topics.presenceSessions().valueSerde().serializer());
        rawSessions = driver.createInputTopic(Topics.PRESENCE_SESSIONS, new StringSerializer(), new ByteArraySerializer());
        changes = driver.createOutputTopic(Topics.PRESENCE_CHANGES, topics.presenceChanges().keySerde().deserializer(),
                topics.presenceChanges().valueSerde().deserializer());
        errors = driver.createOutputTopic(Topics.ERRORS, topics.errors().keySerde().deserializer(), topics.errors().valueSerde().deserializer());
    }

    @AfterEach
    void stop() {
        driver.close();
    }

    @Test
    void shouldPublishOnlineAtOnceWhenTheFirstSessionOpens() {
        // When
        pipe(opened(ALICE, "phone/1", now));

        // Then
        assertThat(readChanges()).containsExactly(change(ALICE, PresenceState.ONLINE, T0, 1, T0));
        UserState alice = user(ALICE);
        assertThat(alice.getSessions()).extracting(LiveSession::getSessionId).containsExactly("alice:phone/1");
        assertThat(alice.getSessions().get(0).getHeardMs()).isEqualTo(T0.toEpochMilli());
        assertThat(alice.getPublishedState()).isEqualTo("ONLINE");
        assertThat(alice.getChosenStatus()).isEqualTo("ONLINE");
        assertThat(alice.getHoldUntilMs()).isEqualTo(T0.plus(GRACE).toEpochMilli());
        assertThat(alice.getScheduledMs()).isEqualTo(T0.plus(TTL).toEpochMilli());
        assertThat(deadlineKeys()).containsExactly(DeadlineKeys.key(T0.plus(TTL).toEpochMilli(), ALICE));
        assertNoMoreRecords();
    }

    @Test
    void shouldStayOnlineWhileAnyDeviceIsOnlineAndCountTheDevices() {
        // Given: alice on her phone and her laptop
        pipe(opened(ALICE, "phone/1", now));
        advance(Duration.ofSeconds(1));
        pipe(opened(ALICE, "laptop/1", now));
        assertThat(readChanges()).extracting(PresenceChanged::getState).containsExactly(PresenceState.ONLINE);
        assertThat(PresenceRules.devicesOnline(user(ALICE))).isEqualTo(2);
        assertThat(PresenceQueries.presenceOf(ALICE, user(ALICE)).devicesOnline()).isEqualTo(2);

        // When: the phone goes away; well past the grace the laptop is still there
        pipe(closed(ALICE, "phone/1", now));
        advance(GRACE.multipliedBy(2));

        // Then: nothing to publish, one device left
        assertThat(changes.isEmpty()).isTrue();
        assertThat(user(ALICE).getSessions()).extracting(LiveSession::getDeviceId).containsExactly("laptop");
        assertThat(user(ALICE).getPublishedState()).isEqualTo("ONLINE");

        // When: the laptop goes too, and the grace passes
        Instant lastClose = now;
        pipe(closed(ALICE, "laptop/1", now));
        advance(GRACE);

        // Then: one OFFLINE, with no device and the time of the last close
        assertThat(readChanges()).containsExactly(change(ALICE, PresenceState.OFFLINE, lastClose, 0, now));
        assertThat(user(ALICE).getSessions()).isEmpty();
        assertThat(deadlineKeys()).isEmpty();
        assertNoMoreRecords();
    }

    @Test
    void shouldPublishIdleAndDoNotDisturbChosenByTheClient() {
        // Given
        pipe(opened(ALICE, "phone/1", now));
        advance(GRACE.plusSeconds(1));

        // When: the client goes idle, then (another grace later) chooses do-not-disturb
        Instant idleAt = now;
        pipe(status(ALICE, "phone/1", now, PresenceState.IDLE));
        advance(GRACE.plusSeconds(1));
        Instant dndAt = now;
        pipe(status(ALICE, "phone/1", now, PresenceState.DND));

        // Then: each is published at once, with the time of the choice
        assertThat(readChanges()).containsExactly(
                change(ALICE, PresenceState.ONLINE, T0, 1, T0),
                change(ALICE, PresenceState.IDLE, idleAt, 1, idleAt),
                change(ALICE, PresenceState.DND, dndAt, 1, dndAt));
        assertThat(user(ALICE).getChosenStatus()).isEqualTo("DND");
        assertThat(user(ALICE).getLastActiveAt()).isEqualTo(dndAt);
        assertThat(user(ALICE).getSessions().get(0).getHeardMs()).as("a status is a sign of life").isEqualTo(dndAt.toEpochMilli());
        assertNoMoreRecords();
    }

    @Test
    void shouldPublishOfflineOnlyAfterTheLastSessionClosedAndTheGracePassed() {
        // Given
        pipe(opened(ALICE, "phone/1", now));
        readChanges();
        advance(Duration.ofSeconds(30));

        // When: the session closes
        Instant closedAt = now;
        pipe(closed(ALICE, "phone/1", now));

        // Then: nothing yet, nor halfway through the grace ...
        assertThat(changes.isEmpty()).isTrue();
        assertThat(user(ALICE).getOfflineSinceMs()).isEqualTo(closedAt.toEpochMilli());
        assertThat(deadlineKeys()).containsExactly(DeadlineKeys.key(closedAt.plus(GRACE).toEpochMilli(), ALICE));
        advance(GRACE.dividedBy(2));
        assertThat(changes.isEmpty()).isTrue();

        // ... and OFFLINE once the grace has passed
        advance(GRACE.dividedBy(2));
        assertThat(readChanges()).containsExactly(change(ALICE, PresenceState.OFFLINE, closedAt, 0, closedAt.plus(GRACE)));
        UserState alice = user(ALICE);
        assertThat(alice.getPublishedState()).isEqualTo("OFFLINE");
        assertThat(alice.getOfflineSinceMs()).isNull();
        assertThat(alice.getScheduledMs()).isNull();
        assertThat(deadlineKeys()).isEmpty();
        assertThat(PresenceQueries.presenceOf(ALICE, alice)).isEqualTo(new UserPresence(ALICE, PresenceState.OFFLINE, closedAt, 0));
        assertNoMoreRecords();
    }

    @Test
    void shouldEmitNothingForAConnectionThatFlapsWithinTheGrace() {
        // Given: alice online
        pipe(opened(ALICE, "phone/1", now));
        assertThat(readChanges()).extracting(PresenceChanged::getState).containsExactly(PresenceState.ONLINE);

        // When: her connection drops and comes back 20 times, 3 s apart
        for (int n = 1; n <= 20; n++) {
            advance(Duration.ofSeconds(2));
            pipe(closed(ALICE, "phone/" + n, now));
            advance(Duration.ofSeconds(1));
            pipe(opened(ALICE, "phone/" + (n + 1), now));
            assertThat(deadlineKeys()).as("one deadline entry per user").hasSize(1);
        }

        // Then: no change at all; she is online on one session
        assertThat(changes.isEmpty()).isTrue();
        assertThat(user(ALICE).getSessions()).extracting(LiveSession::getSessionId).containsExactly("alice:phone/21");
        assertThat(user(ALICE).getOfflineSinceMs()).isNull();

        // When: the last drop does not come back
        pipe(closed(ALICE, "phone/21", now));
        advance(GRACE);

        // Then: exactly one OFFLINE
        assertThat(readChanges()).extracting(PresenceChanged::getState).containsExactly(PresenceState.OFFLINE);
        assertNoMoreRecords();
    }

    @Test
    void shouldPublishAtMostOneChangePerGraceWindowWithTheFinalState() {
        // Given: ONLINE published at T0; a grace later IDLE is published at once
        pipe(opened(ALICE, "phone/1", now));
        advance(GRACE.plusSeconds(1));
        pipe(status(ALICE, "phone/1", now, PresenceState.IDLE));
        Instant idlePublished = now;
        assertThat(readChanges()).extracting(PresenceChanged::getState).containsExactly(PresenceState.ONLINE, PresenceState.IDLE);

        // When: within that grace window the client goes ONLINE, IDLE, then DND
        advance(Duration.ofSeconds(2));
        pipe(status(ALICE, "phone/1", now, PresenceState.ONLINE));
        pipe(status(ALICE, "phone/1", now, PresenceState.IDLE));
        advance(Duration.ofSeconds(1));
        pipe(status(ALICE, "phone/1", now, PresenceState.DND));

        // Then: held until the window ends, then only the final state
        assertThat(changes.isEmpty()).isTrue();
        assertThat(user(ALICE).getScheduledMs()).isEqualTo(idlePublished.plus(GRACE).toEpochMilli());
        advance(GRACE);
        List<PresenceChanged> published = readChanges();
        assertThat(published).extracting(PresenceChanged::getState).containsExactly(PresenceState.DND);
        assertThat(published.get(0).getChangedAt()).isEqualTo(now);
        assertThat(user(ALICE).getPublishedState()).isEqualTo("DND");
        assertNoMoreRecords();
    }

    @Test
    void shouldHoldAComebackRightAfterOfflineWasPublished() {
        // Given: OFFLINE published a grace after the close
        pipe(opened(ALICE, "phone/1", now));
        pipe(closed(ALICE, "phone/1", now));
        advance(GRACE);
        assertThat(readChanges()).extracting(PresenceChanged::getState).containsExactly(PresenceState.ONLINE, PresenceState.OFFLINE);

        // When: she reconnects 2 s later
        advance(Duration.ofSeconds(2));
        pipe(opened(ALICE, "phone/2", now));

        // Then: ONLINE waits for the end of the grace window that OFFLINE opened
        assertThat(changes.isEmpty()).isTrue();
        advance(GRACE);
        assertThat(readChanges()).extracting(PresenceChanged::getState).containsExactly(PresenceState.ONLINE);
        assertNoMoreRecords();
    }

    @Test
    void shouldExpireASilentSessionAfterTheTtlAndThenPublishOffline() {
        // Given
        pipe(opened(ALICE, "phone/1", now));
        readChanges();

        // When: no heartbeat for the TTL
        advance(TTL.minusSeconds(5));
        assertThat(user(ALICE).getSessions()).hasSize(1);
        advance(Duration.ofSeconds(5));

        // Then: the punctuator expired the session; OFFLINE follows after the grace
        assertThat(user(ALICE).getSessions()).isEmpty();
        assertThat(changes.isEmpty()).isTrue();
        advance(GRACE);
        assertThat(readChanges()).containsExactly(change(ALICE, PresenceState.OFFLINE, T0, 0, T0.plus(TTL).plus(GRACE)));
        assertThat(deadlineKeys()).isEmpty();
        assertNoMoreRecords();
    }

    @Test
    void shouldKeepASessionAliveWhileHeartbeatsArrive() {
        // Given
        pipe(opened(ALICE, "phone/1", now));
        readChanges();

        // When: a heartbeat every 25 s for 10 minutes
        for (int i = 0; i < 24; i++) {
            advance(Duration.ofSeconds(25));
            pipe(heartbeat(ALICE, "phone/1", now));
            assertThat(deadlineKeys()).hasSize(1);
        }

        // Then: still online, nothing published, the session heard just now
        assertThat(changes.isEmpty()).isTrue();
        LiveSession session = user(ALICE).getSessions().get(0);
        assertThat(session.getHeardMs()).isEqualTo(now.toEpochMilli());
        assertThat(session.getLastSeenAt()).isEqualTo(now);
        assertThat(session.getOpenedAt()).isEqualTo(T0);
        assertThat(user(ALICE).getScheduledMs()).as("the deadline entry trails the session's TTL")
                .isLessThanOrEqualTo(now.plus(TTL).toEpochMilli());

        // When: the heartbeats stop
        Instant lastHeartbeat = now;
        advance(TTL);
        advance(GRACE);

        // Then
        assertThat(readChanges()).containsExactly(change(ALICE, PresenceState.OFFLINE, lastHeartbeat, 0, now));
        assertNoMoreRecords();
    }

    @Test
    void shouldReviveASessionFromAHeartbeatWhoseOpenWasLost() {
        // When: the first thing heard of bob is a heartbeat
        pipe(heartbeat(BOB, "web/1", now));

        // Then
        assertThat(readChanges()).containsExactly(change(BOB, PresenceState.ONLINE, T0, 1, T0));
        assertThat(user(BOB).getSessions()).extracting(LiveSession::getSessionId).containsExactly("bob:web/1");
        assertNoMoreRecords();
    }

    @Test
    void shouldForgetIdleButKeepDoNotDisturbWhenTheUserGoesOffline() {
        // Given: alice idle, bob do-not-disturb, both go offline
        pipe(opened(ALICE, "phone/1", now));
        pipe(opened(BOB, "phone/1", now));
        pipe(status(ALICE, "phone/1", now, PresenceState.IDLE));
        pipe(status(BOB, "phone/1", now, PresenceState.DND));
        advance(GRACE);
        pipe(closed(ALICE, "phone/1", now));
        pipe(closed(BOB, "phone/1", now));
        advance(GRACE);
        readChanges();

        // When: both come back the next day
        advance(Duration.ofDays(1));
        pipe(opened(ALICE, "phone/2", now));
        pipe(opened(BOB, "phone/2", now));

        // Then
        assertThat(readChanges()).extracting(c -> c.getUserId() + "=" + c.getState())
                .containsExactly("alice=ONLINE", "bob=DND");
        assertNoMoreRecords();
    }

    @Test
    void shouldSendPoisonRecordsToTheErrorTopicAndContinue() {
        // Given
        byte[] garbage = "garbage".getBytes(StandardCharsets.UTF_8);

        // When: undecodable bytes, a record keyed by another user, a status of OFFLINE, then a good open
        rawSessions.pipeInput(ALICE, garbage, now);
        sessions.pipeInput(BOB, opened(ALICE, "phone/1", now), now);
        pipe(status(ALICE, "phone/1", now, PresenceState.OFFLINE));
        pipe(opened(ALICE, "phone/1", now));

        // Then
        List<ProcessingError> failed = errors.readValuesToList();
        assertThat(failed).hasSize(3);
        assertThat(failed).extracting(ProcessingError::getAppId).containsOnly(PresenceApp.APP_NAME);
        assertThat(failed.get(0).getSourceTopic()).isEqualTo(Topics.PRESENCE_SESSIONS);
        assertThat(failed.get(0).getValue().array()).isEqualTo(garbage);
        assertThat(failed.get(0).getErrorMessage()).contains("magic byte");
        assertThat(failed.get(1).getErrorClass()).isEqualTo(IllegalArgumentException.class.getName());
        assertThat(failed.get(1).getErrorMessage()).contains("record key bob");
        assertThat(failed.get(2).getErrorMessage()).contains("status OFFLINE cannot be chosen");
        assertThat(readChanges()).containsExactly(change(ALICE, PresenceState.ONLINE, T0, 1, T0));
        assertThat(user(BOB)).isNull();
        assertThat(user(ALICE).getChosenStatus()).isEqualTo("ONLINE");
        assertNoMoreRecords();
    }

    @Test
    void shouldSendAUserThatFailsAtItsDeadlineToTheErrorTopicOnceAndKeepPunctuating() {
        // Given: alice's record is corrupt (an unknown published state) and due in 5 s; bob is online
        pipe(opened(BOB, "phone/1", now));
        readChanges();
        long due = now.plusSeconds(5).toEpochMilli();
        KeyValueStore<String, UserState> users = driver.getKeyValueStore(PresenceApp.USERS_STORE);
        UserState corrupt = PresenceRules.newUser(ALICE);
        corrupt.setPublishedState("BOGUS");
        corrupt.setScheduledMs(due);
        users.put(ALICE, corrupt);
        KeyValueStore<String, String> deadlines = driver.getKeyValueStore(PresenceApp.DEADLINES_STORE);
        deadlines.put(DeadlineKeys.key(due, ALICE), ALICE);

        // When: the punctuation reaches her, and runs again later
        advance(Duration.ofSeconds(5));
        advance(Duration.ofSeconds(5));

        // Then: one error record naming her, her entry gone; bob is still handled by later runs
        List<ProcessingError> failed = errors.readValuesToList();
        assertThat(failed).hasSize(1);
        assertThat(failed.get(0).getErrorMessage()).contains("cannot evaluate the presence of user alice");
        assertThat(deadlineKeys()).containsExactly(DeadlineKeys.key(T0.plus(TTL).toEpochMilli(), BOB));
        advance(TTL);
        advance(GRACE);
        assertThat(readChanges()).extracting(c -> c.getUserId() + "=" + c.getState()).containsExactly("bob=OFFLINE");
        assertNoMoreRecords();
    }

    // ---------------------------------------------------------------- helpers

    private void pipe(SessionEvent event) {
        sessions.pipeInput(event.getUserId(), event, now);
    }

    /** Moves the driver's wall clock; a due punctuation runs at the new time. */
    private void advance(Duration duration) {
        driver.advanceWallClockTime(duration);
        now = now.plus(duration);
    }

    private List<PresenceChanged> readChanges() {
        List<PresenceChanged> out = new ArrayList<>();
        for (KeyValue<String, PresenceChanged> kv : changes.readKeyValuesToList()) {
            assertThat(kv.value.getUserId()).as("record key is the user").isEqualTo(kv.key);
            out.add(kv.value);
        }
        return out;
    }

    private static PresenceChanged change(String userId, PresenceState state, Instant lastActiveAt, int devices, Instant changedAt) {
        return PresenceChanged.newBuilder()
                .setUserId(userId)
                .setState(state)
                .setLastActiveAt(lastActiveAt)
                .setDevicesOnline(devices)
                .setChangedAt(changedAt)
                .build();
    }

    private void assertNoMoreRecords() {
        assertThat(changes.isEmpty()).as("no more presence changes").isTrue();
        assertThat(errors.isEmpty()).as("no more errors").isTrue();
    }

    private UserState user(String userId) {
        KeyValueStore<String, UserState> users = driver.getKeyValueStore(PresenceApp.USERS_STORE);
        return users.get(userId);
    }

    private List<String> deadlineKeys() {
        KeyValueStore<String, String> deadlines = driver.getKeyValueStore(PresenceApp.DEADLINES_STORE);
        List<String> keys = new ArrayList<>();
        try (KeyValueIterator<String, String> it = deadlines.all()) {
            it.forEachRemaining(kv -> keys.add(kv.key));
        }
        return keys;
    }
}
