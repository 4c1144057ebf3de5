package dev.kchat.moments;

import static dev.kchat.moments.MomentsFixtures.T0;
import static dev.kchat.moments.MomentsFixtures.added;
import static org.assertj.core.api.Assertions.assertThat;

import dev.kchat.events.chat.InboxEntry;
import dev.kchat.events.platform.ProcessingError;
import dev.kchat.events.social.FeedEntry;
import dev.kchat.events.social.MomentEvent;
import dev.kchat.events.social.SocialGraphEvent;
import dev.kchat.moments.state.FriendState;
import dev.kchat.moments.state.PostState;
import dev.kchat.moments.state.UnreadState;
import dev.kchat.schemas.registry.InMemorySchemaRegistry;
import dev.kchat.schemas.topic.Topics;
import dev.kchat.service.Settings;
import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * The Moments topology under {@link TopologyTestDriver}, built by the same
 * {@link MomentsApp#buildTopology}, with its input and output topics and stores: what the topology
 * tests share.
 */
final class MomentsDriver implements AutoCloseable {

    final TopologyTestDriver driver;
    final TestInputTopic<String, SocialGraphEvent> graph;
    final TestInputTopic<String, MomentEvent> events;
    final TestInputTopic<String, byte[]> rawEvents;
    final TestOutputTopic<String, FeedEntry> feed;
    final TestOutputTopic<String, InboxEntry> notifications;
    final TestOutputTopic<String, SocialGraphEvent> graphFacts;
    final TestOutputTopic<String, ProcessingError> errors;

    MomentsDriver(Path stateDir, int pushMaxFriends) {
        Topics topics = Topics.create(new InMemorySchemaRegistry());
        MomentsAppConfig config = MomentsAppConfig.from(Settings.of(Map.of(
                MomentsAppConfig.KEYS.applicationId(), "moments-test",
                MomentsAppConfig.KEYS.stateDir(), stateDir.toString(),
                MomentsConfig.PUSH_MAX_FRIENDS, String.valueOf(pushMaxFriends))));
        Properties props = dev.kchat.streams.ErrorTopicHandler.bind(MomentsApp.streamsConfig(config), topics);
        driver = new TopologyTestDriver(MomentsApp.buildTopology(config, topics), props, T0);
        graph = driver.createInputTopic(Topics.SOCIAL_GRAPH, topics.socialGraph().keySerde().serializer(),
                topics.socialGraph().valueSerde().serializer());
        events = driver.createInputTopic(Topics.MOMENTS_EVENTS, topics.momentsEvents().keySerde().serializer(),
                topics.momentsEvents().valueSerde().serializer());
        rawEvents = driver.createInputTopic(Topics.MOMENTS_EVENTS, new StringSerializer(), new ByteArraySerializer());
        feed = driver.createOutputTopic(Topics.MOMENTS_FEED, topics.momentsFeed().keySerde().deserializer(),
                topics.momentsFeed().valueSerde().deserializer());
        notifications = driver.createOutputTopic(Topics.MOMENTS_NOTIFICATIONS,
                topics.momentsNotifications().keySerde().deserializer(), topics.momentsNotifications().valueSerde().deserializer());
        graphFacts = driver.createOutputTopic(Topics.SOCIAL_GRAPH, topics.socialGraph().keySerde().deserializer(),
                topics.socialGraph().valueSerde().deserializer());
        errors = driver.createOutputTopic(Topics.ERRORS, topics.errors().keySerde().deserializer(),
                topics.errors().valueSerde().deserializer());
    }

    /** Both sides of a friendship, as a producer that writes both sides itself ({@code DIRECT}). */
    void befriend(String a, String b, long second) {
        pipeGraph(added(a, b, second), added(b, a, second));
    }

    /** Each record under its user's key. */
    void pipeGraph(SocialGraphEvent... records) {
        for (SocialGraphEvent r : records) {
            graph.pipeInput(r.getUserId(), r);
        }
    }

    FriendState friendsOf(String user) {
        KeyValueStore<String, FriendState> store = driver.getKeyValueStore(MomentsApp.FRIENDS_STORE);
        return store.get(user);
    }

    KeyValueStore<String, PostState> posts() {
        return driver.getKeyValueStore(MomentsApp.POSTS_STORE);
    }

    /** The user's unread count in the store, 0 if they have none. */
    long unreadOf(String user) {
        KeyValueStore<String, UnreadState> store = driver.getKeyValueStore(MomentsApp.UNREAD_STORE);
        UnreadState state = store.get(user);
        return state == null ? 0 : state.getUnread();
    }

    void assertNothingMore() {
        assertThat(feed.isEmpty()).as("no more feed entries").isTrue();
        assertThat(notifications.isEmpty()).as("no more notifications").isTrue();
        assertThat(graphFacts.isEmpty()).as("no more social.graph facts").isTrue();
        assertThat(errors.isEmpty()).as("no more errors").isTrue();
    }

    @Override
    public void close() {
        driver.close();
    }
}
