package dev.kchat.push.decide;

import static dev.kchat.push.decide.Entries.T0;
import static dev.kchat.push.decide.Entries.closed;
import static dev.kchat.push.decide.Entries.dnd;
import static dev.kchat.push.decide.Entries.heartbeat;
import static dev.kchat.push.decide.Entries.hideText;
import static dev.kchat.push.decide.Entries.liked;
import static dev.kchat.push.decide.Entries.message;
import static dev.kchat.push.decide.Entries.muted;
import static dev.kchat.push.decide.Entries.opened;
import static dev.kchat.push.decide.Entries.read;
import static dev.kchat.push.decide.Entries.recall;
import static dev.kchat.push.decide.Entries.removed;
import static dev.kchat.push.decide.Entries.token;
import static dev.kchat.push.decide.Entries.unmuted;
import static org.assertj.core.api.Assertions.assertThat;

import dev.kchat.events.chat.InboxEntry;
import dev.kchat.events.platform.ProcessingError;
import dev.kchat.events.presence.SessionEvent;
import dev.kchat.events.push.PushKind;
import dev.kchat.events.push.PushPlatform;
import dev.kchat.events.push.PushRequest;
import dev.kchat.events.push.PushSettingsEvent;
import dev.kchat.events.push.TokenRemovalReason;
import dev.kchat.push.state.PendingPush;
import dev.kchat.push.state.PushUser;
import dev.kchat.schemas.registry.InMemorySchemaRegistry;
import dev.kchat.schemas.topic.Topics;
import dev.kchat.service.Settings;
import dev.kchat.streams.ErrorTopicHandler;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.state.KeyValueStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The decider under {@link TopologyTestDriver}, built by the same {@link PushDeciderApp#buildTopology}
 * with the default settings (window 2 s, session TTL 90 s, 5 pushes at once and 20 a minute per
 * device). Time is the driver's wall clock, moved by {@link #advance}. Asserts {@code push.requests},
 * the error topic and the stores, and ends with nothing left unread.
 */
class PushDeciderTopologyTest {

    private static final String BOB = "bob";
    private static final String ALICE = "alice";
    private static final String CHAT = "d:alice:bob";
    private static final String GROUP = "g-1";
    private static final Duration WINDOW = DeciderConfig.DEFAULT_COLLAPSE_WINDOW;

    @TempDir
    Path stateDir;

    private TopologyTestDriver driver;
    private TestInputTopic<String, InboxEntry> inbox;
    private TestInputTopic<String, SessionEvent> sessions;
    private TestInputTopic<String, PushSettingsEvent> settings;
    private TestInputTopic<String, byte[]> rawSettings;
    private TestOutputTopic<String, PushRequest> requests;
    private TestOutputTopic<String, ProcessingError> errors;
    private DeciderMetrics metrics;
    private Instant now = T0;

    @BeforeEach
    void start() {
        Topics topics = Topics.create(new InMemorySchemaRegistry());
        DeciderConfig config = DeciderConfig.from(Settings.of(Map.of(
                DeciderConfig.KEYS.applicationId(), "push-test",
                DeciderConfig.KEYS.stateDir(), stateDir.toString())));
        Properties props = ErrorTopicHandler.bind(PushDeciderApp.streamsConfig(config), topics);
        metrics = new DeciderMetrics(new SimpleMeterRegistry());
        driver = new TopologyTestDriver(PushDeciderApp.buildTopology(config, topics, metrics), props, T0);
        inbox = driver.createInputTopic(Topics.INBOX, topics.inbox().keySerde().serializer(), topics.inbox().valueSerde().serializer());
        sessions = driver.createInputTopic(Topics.PRESENCE_SESSIONS, topics.presenceSessions().keySerde().serializer(),
                topics.presenceSessions().valueSerde().serializer());
        settings = driver.createInputTopic(Topics.PUSH_SETTINGS, topics.pushSettings().keySerde().serializer(),
                topics.pushSettings().valueSerde().serializer());
        rawSettings = driver.createInputTopic(Topics.PUSH_SETTINGS, new StringSerializer(), new ByteArraySerializer());
        requests = driver.createOutputTopic(Topics.PUSH_REQUESTS, topics.pushRequests().keySerde().deserializer(),
                topics.pushRequests().valueSerde().deserializer());
        errors = driver.createOutputTopic(Topics.ERRORS, topics.errors().keySerde().deserializer(), topics.errors().valueSerde().deserializer());
    }

    @AfterEach
    void stop() {
        driver.close();
    }

    @Test
    void shouldPushABurstOfOneConversationOncePerDeviceWithCountBadgeAndLatestText() {
        // Given: bob has a phone (APNs) and a tablet (FCM), and no connected device
        settings(token(BOB, "phone", PushPlatform.APNS, "apns-1"));
        settings(token(BOB, "tablet", PushPlatform.FCM, "fcm-1"));

        // When: alice sends three messages within the window
        entry(message(BOB, 1, CHAT, 2, ALICE, "hi"));
        advance(Duration.ofMillis(500));
        entry(message(BOB, 2, CHAT, 3, ALICE, "are you there?"));
        entry(message(BOB, 3, CHAT, 4, ALICE, "call me"));
        assertThat(requests.isEmpty()).as("nothing before the window ends").isTrue();
        advance(WINDOW);

        // Then: one push per device, collapsing all three
        List<PushRequest> out = requests.readValuesToList();
        assertThat(out).extracting(PushRequest::getDeviceId).containsExactlyInAnyOrder("phone", "tablet");
        PushRequest phone = out.stream().filter(r -> r.getDeviceId().equals("phone")).findFirst().orElseThrow();
        assertThat(phone.getPushId()).isEqualTo("bob:phone:3");
        assertThat(phone.getPlatform()).isEqualTo(PushPlatform.APNS);
        assertThat(phone.getToken()).isEqualTo("apns-1");
        assertThat(phone.getCollapseKey()).isEqualTo(CHAT);
        assertThat(phone.getKind()).isEqualTo(PushKind.MESSAGE);
        assertThat(phone.getCount()).isEqualTo(3);
        assertThat(phone.getBadge()).as("seq 4, nothing read").isEqualTo(4);
        assertThat(phone.getTitle()).isEqualTo(ALICE);
        assertThat(phone.getBody()).isEqualTo("call me");
        assertThat(phone.getHidden()).isFalse();
        assertThat(phone.getFirstInboxSeq()).isEqualTo(1);
        assertThat(phone.getLastInboxSeq()).isEqualTo(3);
        assertThat(pendingCount()).isZero();
        assertNoMoreRecords();
    }

    @Test
    void shouldStartANewBurstAfterTheWindowAndCollapsePerConversation() {
        settings(token(BOB, "phone", PushPlatform.WEBHOOK, "w-1"));

        entry(message(BOB, 1, CHAT, 2, ALICE, "one"));
        entry(message(BOB, 2, GROUP, 5, "carol", "hello group", BOB));
        advance(WINDOW);
        entry(message(BOB, 3, CHAT, 3, ALICE, "two"));
        advance(WINDOW);

        List<PushRequest> out = requests.readValuesToList();
        assertThat(out).extracting(PushRequest::getCollapseKey).containsExactlyInAnyOrder(CHAT, GROUP, CHAT);
        assertThat(out).filteredOn(r -> r.getCollapseKey().equals(GROUP)).singleElement()
                .satisfies(r -> assertThat(r.getKind()).as("mentions bob").isEqualTo(PushKind.MENTION));
        assertThat(out.get(out.size() - 1).getBody()).isEqualTo("two");
        assertNoMoreRecords();
    }

    @Test
    void shouldPushNothingWhileTheUserHasAConnectedDeviceAndPushOnceItHasClosed() {
        settings(token(BOB, "phone", PushPlatform.WEBHOOK, "w-1"));
        session(opened(BOB, "s-1"));

        // When: a message reaches bob while his laptop is connected
        entry(message(BOB, 1, CHAT, 2, ALICE, "seen live"));
        advance(WINDOW);

        // Then: nothing; after the session closes, the next message is pushed alone
        assertThat(requests.isEmpty()).isTrue();
        session(closed(BOB, "s-1"));
        entry(message(BOB, 2, CHAT, 3, ALICE, "pushed"));
        advance(WINDOW);
        PushRequest only = requests.readValue();
        assertThat(only.getFirstInboxSeq()).isEqualTo(2);
        assertThat(only.getCount()).isEqualTo(1);
        assertThat(metrics.count(DeciderMetrics.DECISIONS, "connected")).isEqualTo(1);
        assertNoMoreRecords();
    }

    @Test
    void shouldDropABurstWhenADeviceConnectsBeforeItIsDue() {
        settings(token(BOB, "phone", PushPlatform.WEBHOOK, "w-1"));
        entry(message(BOB, 1, CHAT, 2, ALICE, "hi"));

        session(opened(BOB, "s-1"));
        advance(WINDOW);

        assertThat(requests.isEmpty()).isTrue();
        assertThat(metrics.count(DeciderMetrics.FLUSHES, "connected")).isEqualTo(1);
        assertThat(pendingCount()).isZero();
        assertNoMoreRecords();
    }

    @Test
    void shouldTreatASessionSilentForLongerThanTheTtlAsDisconnected() {
        settings(token(BOB, "phone", PushPlatform.WEBHOOK, "w-1"));
        session(opened(BOB, "s-1"));
        advance(Duration.ofSeconds(60));
        session(heartbeat(BOB, "s-1"));
        advance(DeciderConfig.DEFAULT_SESSION_TTL.plusSeconds(1));

        entry(message(BOB, 1, CHAT, 2, ALICE, "phone lost its network"));
        advance(WINDOW);

        assertThat(requests.readValue().getBody()).isEqualTo("phone lost its network");
        assertNoMoreRecords();
    }

    @Test
    void shouldPushNothingForAMutedConversationUntilTheMuteEndsOrIsLifted() {
        settings(token(BOB, "phone", PushPlatform.WEBHOOK, "w-1"));
        settings(muted(BOB, CHAT, null));
        settings(muted(BOB, GROUP, T0.plus(Duration.ofMinutes(10))));

        entry(message(BOB, 1, CHAT, 2, ALICE, "muted forever", BOB));
        entry(message(BOB, 2, GROUP, 2, ALICE, "muted for 10 minutes"));
        advance(WINDOW);
        assertThat(requests.isEmpty()).as("a mention in a muted conversation pushes nothing either").isTrue();

        advance(Duration.ofMinutes(10));
        entry(message(BOB, 3, GROUP, 3, ALICE, "mute over"));
        settings(unmuted(BOB, CHAT));
        entry(message(BOB, 4, CHAT, 3, ALICE, "unmuted"));
        advance(WINDOW);

        assertThat(requests.readValuesToList()).extracting(PushRequest::getBody).containsExactlyInAnyOrder("mute over", "unmuted");
        assertThat(metrics.count(DeciderMetrics.DECISIONS, "silenced")).isEqualTo(2);
        assertNoMoreRecords();
    }

    @Test
    void shouldDropABurstMutedWhileItWaits() {
        settings(token(BOB, "phone", PushPlatform.WEBHOOK, "w-1"));
        entry(message(BOB, 1, CHAT, 2, ALICE, "hi"));

        settings(muted(BOB, CHAT, null));
        advance(WINDOW);

        assertThat(requests.isEmpty()).isTrue();
        assertNoMoreRecords();
    }

    @Test
    void shouldPushNothingDuringDoNotDisturbButCountTheBadge() {
        settings(token(BOB, "phone", PushPlatform.WEBHOOK, "w-1"));
        settings(dnd(BOB, true, T0.plus(Duration.ofHours(8))));

        entry(message(BOB, 1, CHAT, 2, ALICE, "at night"));
        advance(WINDOW);
        assertThat(requests.isEmpty()).isTrue();

        advance(Duration.ofHours(8));
        entry(message(BOB, 2, GROUP, 7, "carol", "morning"));
        advance(WINDOW);

        PushRequest morning = requests.readValue();
        assertThat(morning.getBody()).isEqualTo("morning");
        assertThat(morning.getBadge()).as("2 in the chat, 7 in the group").isEqualTo(9);
        assertNoMoreRecords();
    }

    @Test
    void shouldPushNothingWhileDoNotDisturbIsOnUntilTurnedOff() {
        settings(token(BOB, "phone", PushPlatform.WEBHOOK, "w-1"));
        settings(dnd(BOB, true, null));
        entry(message(BOB, 1, CHAT, 2, ALICE, "quiet"));
        advance(Duration.ofDays(3));
        assertThat(requests.isEmpty()).isTrue();

        settings(dnd(BOB, false, null));
        entry(message(BOB, 2, CHAT, 3, ALICE, "loud"));
        advance(WINDOW);

        assertThat(requests.readValue().getBody()).isEqualTo("loud");
        assertNoMoreRecords();
    }

    @Test
    void shouldHideSenderAndTextWhenTheUserHidesPreviews() {
        settings(token(BOB, "phone", PushPlatform.WEBHOOK, "w-1"));
        settings(hideText(BOB, true));

        entry(message(BOB, 1, CHAT, 2, ALICE, "my secret"));
        advance(WINDOW);

        PushRequest hidden = requests.readValue();
        assertThat(hidden.getHidden()).isTrue();
        assertThat(hidden.getTitle()).isNull();
        assertThat(hidden.getBody()).isNull();
        assertThat(hidden.getBadge()).isEqualTo(2);
        assertThat(hidden.toString()).doesNotContain("my secret");
        assertNoMoreRecords();
    }

    @Test
    void shouldCountTheBadgeFromReadPositionsOwnMessagesAndMoments() {
        settings(token(BOB, "phone", PushPlatform.WEBHOOK, "w-1"));
        entry(message(BOB, 1, CHAT, 10, ALICE, "ten"));
        entry(read(BOB, 2, CHAT, 8, 2));
        entry(message(BOB, 3, GROUP, 4, BOB, "my own, read by me"));
        entry(liked(BOB, 4, ALICE, 3));
        advance(WINDOW);

        List<PushRequest> out = requests.readValuesToList();
        assertThat(out).extracting(PushRequest::getCollapseKey).containsExactlyInAnyOrder(CHAT, PushRules.MOMENTS_KEY);
        assertThat(out).allSatisfy(r -> assertThat(r.getBadge()).as("2 unread in the chat, 0 in the group, 3 Moments").isEqualTo(5));
        assertThat(out).filteredOn(r -> r.getKind() == PushKind.MOMENT).singleElement()
                .satisfies(r -> assertThat(r.getBody()).isEqualTo("liked your moment"));
        assertNoMoreRecords();
    }

    @Test
    void shouldRateLimitEachDevice() {
        // Given: five pushes at once and twenty a minute (one every 3 s) per device
        settings(token(BOB, "phone", PushPlatform.WEBHOOK, "w-1"));

        // When: seven conversations each start a burst in the same window
        for (int i = 1; i <= 7; i++) {
            entry(message(BOB, i, "g-" + i, 2, ALICE, "m" + i));
        }
        advance(WINDOW);

        // Then: five pushes; two over the rate; 3 s later the device has room for one more
        assertThat(requests.readValuesToList()).hasSize(5);
        assertThat(metrics.count(DeciderMetrics.FLUSHES, "rate_limited")).isEqualTo(2);
        advance(Duration.ofSeconds(3));
        entry(message(BOB, 8, "g-8", 2, ALICE, "m8"));
        advance(WINDOW);
        assertThat(requests.readValuesToList()).hasSize(1);
        assertNoMoreRecords();
    }

    @Test
    void shouldDecideEachInboxEntryOnceWhenEntriesAreReplayed() {
        settings(token(BOB, "phone", PushPlatform.WEBHOOK, "w-1"));
        InboxEntry first = message(BOB, 1, CHAT, 2, ALICE, "once");
        entry(first);
        advance(WINDOW);
        assertThat(requests.readValuesToList()).hasSize(1);

        // When: the same entry comes again (a restart under at-least-once re-reads it)
        entry(first);
        advance(WINDOW);

        // Then: nothing more; the state knows the entry
        assertThat(requests.isEmpty()).isTrue();
        assertThat(usersStore().get(BOB).getLastInboxSeq()).isEqualTo(1);
        assertThat(metrics.count(DeciderMetrics.DECISIONS, "replay")).isEqualTo(1);
        assertNoMoreRecords();
    }

    @Test
    void shouldStopPushingToARemovedTokenButKeepAReRegisteredOne() {
        settings(token(BOB, "phone", PushPlatform.APNS, "old"));
        settings(token(BOB, "phone", PushPlatform.APNS, "new"));
        settings(token(BOB, "tablet", PushPlatform.FCM, "t-1"));

        // When: the provider reported the old phone token invalid (stale), and the tablet logged out
        settings(removed(BOB, "phone", "old", TokenRemovalReason.INVALID));
        settings(removed(BOB, "tablet", null, TokenRemovalReason.LOGOUT));
        entry(message(BOB, 1, CHAT, 2, ALICE, "hi"));
        advance(WINDOW);

        PushRequest only = requests.readValue();
        assertThat(only.getDeviceId()).isEqualTo("phone");
        assertThat(only.getToken()).isEqualTo("new");
        assertNoMoreRecords();
    }

    @Test
    void shouldNeverPushTheTextOfAMessageRecalledWhileItsBurstWaits() {
        settings(token(BOB, "phone", PushPlatform.WEBHOOK, "w-1"));
        entry(message(BOB, 1, CHAT, 2, ALICE, "oops, wrong chat"));
        entry(recall(BOB, 2, CHAT, 3, ALICE, 2));
        advance(WINDOW);

        PushRequest out = requests.readValue();
        assertThat(out.getBody()).isNull();
        assertThat(out.getTitle()).isEqualTo(ALICE);
        assertNoMoreRecords();
    }

    @Test
    void shouldPushNothingToAUserWithoutTokensOrForTheirOwnMessages() {
        entry(message(BOB, 1, CHAT, 2, ALICE, "no token yet"));
        settings(token(BOB, "phone", PushPlatform.WEBHOOK, "w-1"));
        entry(message(BOB, 2, CHAT, 3, BOB, "mine"));
        advance(WINDOW);

        assertThat(requests.isEmpty()).isTrue();
        assertThat(metrics.count(DeciderMetrics.DECISIONS, "no_device")).isEqualTo(1);
        assertNoMoreRecords();
    }

    @Test
    void shouldSendAnUnreadableRecordToTheErrorTopicAndGoOn() {
        rawSettings.pipeInput(BOB, "not avro".getBytes(StandardCharsets.UTF_8), now);
        settings(token(BOB, "phone", PushPlatform.WEBHOOK, "w-1"));
        entry(message(BOB, 1, CHAT, 2, ALICE, "still works"));
        advance(WINDOW);

        ProcessingError error = errors.readValue();
        assertThat(error.getSourceTopic()).isEqualTo(Topics.PUSH_SETTINGS);
        assertThat(requests.readValue().getBody()).isEqualTo("still works");
        assertNoMoreRecords();
    }

    @Test
    void shouldRefuseARecordWhoseKeyIsNotItsUser() {
        inbox.pipeInput(ALICE, message(BOB, 1, CHAT, 2, ALICE, "misrouted"), now);
        advance(WINDOW);

        assertThat(errors.readValue().getErrorMessage()).contains("is not the record's user_id");
        assertThat(usersStore().get(BOB)).isNull();
        assertNoMoreRecords();
    }

    private void entry(InboxEntry e) {
        inbox.pipeInput(e.getUserId(), e, now);
    }

    private void session(SessionEvent e) {
        sessions.pipeInput(e.getUserId(), e, now);
    }

    private void settings(PushSettingsEvent e) {
        settings.pipeInput(e.getUserId(), e, now);
    }

    private void advance(Duration d) {
        now = now.plus(d);
        driver.advanceWallClockTime(d);
    }

    private KeyValueStore<String, PushUser> usersStore() {
        return driver.getKeyValueStore(PushDeciderApp.USERS_STORE);
    }

    private KeyValueStore<String, PendingPush> pendingStore() {
        return driver.getKeyValueStore(PushDeciderApp.PENDING_STORE);
    }

    private long pendingCount() {
        try (var it = pendingStore().all()) {
            long n = 0;
            for (; it.hasNext(); it.next()) {
                n++;
            }
            return n;
        }
    }

    private void assertNoMoreRecords() {
        assertThat(requests.isEmpty()).as("no more push requests").isTrue();
        assertThat(errors.isEmpty()).as("no more errors").isTrue();
    }
}
