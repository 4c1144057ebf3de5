package dev.kchat.push.decide;

import dev.kchat.events.chat.InboxEntry;
import dev.kchat.events.platform.ProcessingError;
import dev.kchat.events.presence.SessionEvent;
import dev.kchat.events.push.PushCandidate;
import dev.kchat.events.push.PushRequest;
import dev.kchat.events.push.PushSettingsEvent;
import dev.kchat.push.state.PendingPush;
import dev.kchat.push.state.PushCursor;
import dev.kchat.push.state.PushUser;
import dev.kchat.push.state.UnreadPosition;
import dev.kchat.push.state.UnreadState;
import dev.kchat.schemas.registry.InMemorySchemaRegistry;
import dev.kchat.schemas.topic.Topics;
import dev.kchat.service.Settings;
import dev.kchat.streams.ErrorTopicHandler;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * The decider under {@link TopologyTestDriver}, built by {@link PushDeciderApp#buildTopology} with
 * the default settings and application id {@value #APP_ID}: its input and output topics, its stores,
 * its changelogs (read raw), and the driver's wall clock, moved by {@link #advance}.
 */
final class DeciderDriver implements AutoCloseable {

    static final String APP_ID = "push-test";

    final TopologyTestDriver driver;
    final DeciderMetrics metrics = new DeciderMetrics(new SimpleMeterRegistry());
    final TestOutputTopic<String, PushRequest> requests;
    final TestOutputTopic<String, ProcessingError> errors;
    private final TestInputTopic<String, InboxEntry> inbox;
    private final TestInputTopic<String, SessionEvent> sessions;
    private final TestInputTopic<String, PushSettingsEvent> settings;
    private final TestInputTopic<String, PushCandidate> candidates;
    private Instant now = Entries.T0;

    DeciderDriver(Path stateDir) {
        Topics topics = Topics.create(new InMemorySchemaRegistry());
        DeciderConfig config = DeciderConfig.from(Settings.of(Map.of(
                DeciderConfig.KEYS.applicationId(), APP_ID,
                DeciderConfig.KEYS.stateDir(), stateDir.toString())));
        Properties props = ErrorTopicHandler.bind(PushDeciderApp.streamsConfig(config), topics);
        driver = new TopologyTestDriver(PushDeciderApp.buildTopology(config, topics, metrics), props, Entries.T0);
        inbox = driver.createInputTopic(Topics.INBOX, topics.inbox().keySerde().serializer(), topics.inbox().valueSerde().serializer());
        sessions = driver.createInputTopic(Topics.PRESENCE_SESSIONS, topics.presenceSessions().keySerde().serializer(),
                topics.presenceSessions().valueSerde().serializer());
        settings = driver.createInputTopic(Topics.PUSH_SETTINGS, topics.pushSettings().keySerde().serializer(),
                topics.pushSettings().valueSerde().serializer());
        candidates = driver.createInputTopic(Topics.PUSH_CANDIDATES, topics.pushCandidates().keySerde().serializer(),
                topics.pushCandidates().valueSerde().serializer());
        requests = driver.createOutputTopic(Topics.PUSH_REQUESTS, topics.pushRequests().keySerde().deserializer(),
                topics.pushRequests().valueSerde().deserializer());
        errors = driver.createOutputTopic(Topics.ERRORS, topics.errors().keySerde().deserializer(), topics.errors().valueSerde().deserializer());
    }

    void entry(InboxEntry e) {
        inbox.pipeInput(e.getUserId(), e, now);
    }

    void candidate(PushCandidate c) {
        candidates.pipeInput(c.getUserId(), c, now);
    }

    void session(SessionEvent e) {
        sessions.pipeInput(e.getUserId(), e, now);
    }

    void settings(PushSettingsEvent e) {
        settings.pipeInput(e.getUserId(), e, now);
    }

    void advance(Duration d) {
        now = now.plus(d);
        driver.advanceWallClockTime(d);
    }

    KeyValueStore<String, PushUser> users() {
        return driver.getKeyValueStore(PushDeciderApp.USERS_STORE);
    }

    /** The user's cursor in {@value PushDeciderApp#UNREAD_STORE}, or null. */
    PushCursor cursor(String userId) {
        UnreadState state = unread().get(userId);
        return state == null ? null : (PushCursor) state.getState();
    }

    /** The user's position in a conversation in {@value PushDeciderApp#UNREAD_STORE}, or null. */
    UnreadPosition position(String userId, String conversationId) {
        UnreadState state = unread().get(UnreadPositions.key(userId, conversationId));
        return state == null ? null : (UnreadPosition) state.getState();
    }

    private KeyValueStore<String, UnreadState> unread() {
        return driver.getKeyValueStore(PushDeciderApp.UNREAD_STORE);
    }

    KeyValueStore<String, PendingPush> pending() {
        return driver.getKeyValueStore(PushDeciderApp.PENDING_STORE);
    }

    /** The records written so far (and not yet read) to a store's changelog, as the broker would get them. */
    TestOutputTopic<byte[], byte[]> changelog(String store) {
        return driver.createOutputTopic(APP_ID + "-" + store + "-changelog", new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }

    @Override
    public void close() {
        driver.close();
    }
}
