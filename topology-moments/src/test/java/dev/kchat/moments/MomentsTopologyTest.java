package dev.kchat.moments;

import static dev.kchat.moments.MomentsFixtures.T0;
import static dev.kchat.moments.MomentsFixtures.added;
import static dev.kchat.moments.MomentsFixtures.at;
import static dev.kchat.moments.MomentsFixtures.commented;
import static dev.kchat.moments.MomentsFixtures.entry;
import static dev.kchat.moments.MomentsFixtures.liked;
import static dev.kchat.moments.MomentsFixtures.postCreated;
import static dev.kchat.moments.MomentsFixtures.postDeleted;
import static dev.kchat.moments.MomentsFixtures.removed;
import static dev.kchat.moments.MomentsFixtures.requested;
import static dev.kchat.moments.MomentsFixtures.unliked;
import static org.assertj.core.api.Assertions.assertThat;

import dev.kchat.events.chat.InboxEntry;
import dev.kchat.events.platform.ProcessingError;
import dev.kchat.events.social.FeedEntry;
import dev.kchat.events.social.InteractionKind;
import dev.kchat.events.social.MomentEvent;
import dev.kchat.events.social.MomentNotification;
import dev.kchat.events.social.SocialGraphEvent;
import dev.kchat.moments.state.FriendState;
import dev.kchat.moments.state.PostState;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.state.KeyValueStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Moments topology under {@link TopologyTestDriver}, built by the same
 * {@link MomentsApp#buildTopology}: tests assert the feed, the notifications, the error topic and
 * the stores, and end with nothing left unread.
 */
class MomentsTopologyTest {

    private static final String ALICE = "alice";
    private static final String BOB = "bob";
    private static final String CAROL = "carol";
    private static final String DAVE = "dave";
    /** Small enough that an author with three friends pulls. */
    private static final int PUSH_MAX_FRIENDS = 2;

    @TempDir
    Path stateDir;

    private MomentsDriver moments;
    private TestInputTopic<String, SocialGraphEvent> graph;
    private TestInputTopic<String, MomentEvent> events;
    private TestInputTopic<String, byte[]> rawEvents;
    private TestOutputTopic<String, FeedEntry> feed;
    private TestOutputTopic<String, InboxEntry> notifications;
    private TestOutputTopic<String, ProcessingError> errors;

    @BeforeEach
    void start() {
        moments = new MomentsDriver(stateDir, PUSH_MAX_FRIENDS);
        graph = moments.graph;
        events = moments.events;
        rawEvents = moments.rawEvents;
        feed = moments.feed;
        notifications = moments.notifications;
        errors = moments.errors;
    }

    @AfterEach
    void stop() {
        moments.close();
    }

    // ---------------------------------------------------------------- friend graph

    @Test
    void shouldKeepEachSidesFriendsAndPendingRequestsInTheStore() {
        // When: alice asks bob, bob accepts; alice asks carol (still pending)
        pipeGraph(requested(ALICE, BOB, true, 1), requested(BOB, ALICE, false, 1),
                added(ALICE, BOB, 2), added(BOB, ALICE, 2),
                requested(ALICE, CAROL, true, 3), requested(CAROL, ALICE, false, 3));

        // Then
        assertThat(friendsOf(ALICE).getFriends()).containsOnlyKeys(BOB).containsEntry(BOB, at(2));
        assertThat(friendsOf(ALICE).getOutgoing()).containsExactly(CAROL);
        assertThat(friendsOf(BOB).getFriends()).containsOnlyKeys(ALICE);
        assertThat(friendsOf(CAROL).getIncoming()).containsExactly(ALICE);
        assertThat(friendsOf(CAROL).getFriends()).isEmpty();
        assertNothingMore();
    }

    // ---------------------------------------------------------------- posts

    @Test
    void shouldPushANewPostIntoTheAuthorsAndEveryFriendsFeed() {
        // Given
        befriend(ALICE, BOB, 1);
        befriend(ALICE, CAROL, 2);

        // When
        events.pipeInput(ALICE, postCreated("p1", ALICE, 10));

        // Then
        assertThat(feed.readKeyValuesToList()).containsExactly(
                KeyValue.pair(ALICE, entry(ALICE, "p1", ALICE, 10)),
                KeyValue.pair(BOB, entry(BOB, "p1", ALICE, 10)),
                KeyValue.pair(CAROL, entry(CAROL, "p1", ALICE, 10)));
        PostState stored = posts().get("alice|p1");
        assertThat(stored.getPushed()).isTrue();
        assertThat(stored.getDeleted()).isFalse();
        assertThat(stored.getPostedAt()).isEqualTo(at(10));
        assertNothingMore();
    }

    @Test
    void shouldLeaveAPostOfAnAuthorWithManyFriendsInTheOutbox() {
        // Given: three friends, above the threshold of two
        befriend(ALICE, BOB, 1);
        befriend(ALICE, CAROL, 2);
        befriend(ALICE, DAVE, 3);

        // When
        events.pipeInput(ALICE, postCreated("p1", ALICE, 10));

        // Then: only the author's own entry, marked pulled; the friends pull it from the outbox
        assertThat(feed.readKeyValuesToList()).containsExactly(KeyValue.pair(ALICE, pulled(entry(ALICE, "p1", ALICE, 10))));
        assertThat(posts().get("alice|p1").getPushed()).isFalse();
        assertNothingMore();
    }

    @Test
    void shouldIgnoreAReplayedPostCreation() {
        // Given
        befriend(ALICE, BOB, 1);
        MomentEvent created = postCreated("p1", ALICE, 10);
        events.pipeInput(ALICE, created);
        feed.readKeyValuesToList();

        // When: the same creation again, then a marker post
        events.pipeInput(ALICE, created);
        events.pipeInput(ALICE, postCreated("p2", ALICE, 11));

        // Then: only the marker's entries
        assertThat(feed.readValuesToList()).extracting(FeedEntry::getPostId).containsOnly("p2");
        assertNothingMore();
    }

    @Test
    void shouldTakeADeletedPushedPostOutOfEveryFeedAndKeepItMarkedDeleted() {
        // Given
        befriend(ALICE, BOB, 1);
        events.pipeInput(ALICE, postCreated("p1", ALICE, 10));
        feed.readKeyValuesToList();

        // When
        events.pipeInput(ALICE, postDeleted("p1", ALICE, 20));

        // Then
        assertThat(feed.readKeyValuesToList()).containsExactly(
                KeyValue.pair(ALICE, removal(ALICE, "p1", ALICE, 10)),
                KeyValue.pair(BOB, removal(BOB, "p1", ALICE, 10)));
        assertThat(posts().get("alice|p1").getDeleted()).isTrue();

        // And a second deletion, or a replayed creation, emits nothing (the marker post does)
        events.pipeInput(ALICE, postDeleted("p1", ALICE, 21));
        events.pipeInput(ALICE, postCreated("p1", ALICE, 10));
        events.pipeInput(ALICE, postCreated("p2", ALICE, 22));
        assertThat(feed.readValuesToList()).extracting(FeedEntry::getPostId).containsOnly("p2");
        assertNothingMore();
    }

    @Test
    void shouldTakeADeletedPulledPostOutOfTheAuthorsFeedOnly() {
        // Given
        befriend(ALICE, BOB, 1);
        befriend(ALICE, CAROL, 2);
        befriend(ALICE, DAVE, 3);
        events.pipeInput(ALICE, postCreated("p1", ALICE, 10));
        feed.readKeyValuesToList();

        // When
        events.pipeInput(ALICE, postDeleted("p1", ALICE, 20));

        // Then
        assertThat(feed.readKeyValuesToList()).containsExactly(KeyValue.pair(ALICE, pulled(removal(ALICE, "p1", ALICE, 10))));
        assertNothingMore();
    }

    @Test
    void shouldSendADeletionBySomeoneOtherThanTheAuthorToTheErrorTopicAndKeepThePost() {
        // Given
        befriend(ALICE, BOB, 1);
        events.pipeInput(ALICE, postCreated("p1", ALICE, 10));
        feed.readKeyValuesToList();

        // When: bob tries to delete alice's post
        events.pipeInput(ALICE, MomentsFixtures.moment("p1", ALICE, BOB, 20, new dev.kchat.events.social.PostDeleted()));

        // Then
        ProcessingError error = errors.readValue();
        assertThat(error.getAppId()).isEqualTo(MomentsApp.APP_NAME);
        assertThat(error.getErrorMessage()).contains("not its author");
        assertThat(posts().get("alice|p1").getDeleted()).isFalse();
        assertNothingMore();
    }

    // ---------------------------------------------------------------- unfriending

    @Test
    void shouldTakeEachSidesPushedPostsOutOfTheOtherFeedWhenUnfriended() {
        // Given: alice and bob each posted while friends; carol is alice's friend too
        befriend(ALICE, BOB, 1);
        befriend(ALICE, CAROL, 2);
        events.pipeInput(ALICE, postCreated("a1", ALICE, 10));
        events.pipeInput(BOB, postCreated("b1", BOB, 11));
        events.pipeInput(ALICE, postCreated("a2", ALICE, 12));
        events.pipeInput(ALICE, postDeleted("a2", ALICE, 13));
        feed.readKeyValuesToList();

        // When: both sides of the removal
        pipeGraph(removed(ALICE, BOB, 20), removed(BOB, ALICE, 20));

        // Then: alice's live post leaves bob's feed, bob's leaves alice's; carol keeps hers
        assertThat(feed.readKeyValuesToList()).containsExactly(
                KeyValue.pair(BOB, removal(BOB, "a1", ALICE, 10)),
                KeyValue.pair(ALICE, removal(ALICE, "b1", BOB, 11)));
        assertThat(friendsOf(ALICE).getFriends()).containsOnlyKeys(CAROL);
        assertThat(friendsOf(BOB).getFriends()).isEmpty();

        // And a replayed removal changes nothing (the marker post shows processing went on)
        pipeGraph(removed(ALICE, BOB, 20));
        events.pipeInput(ALICE, postCreated("a3", ALICE, 30));
        assertThat(feed.readKeyValuesToList()).containsExactly(
                KeyValue.pair(ALICE, entry(ALICE, "a3", ALICE, 30)),
                KeyValue.pair(CAROL, entry(CAROL, "a3", ALICE, 30)));
        assertNothingMore();
    }

    // ---------------------------------------------------------------- notifications

    @Test
    void shouldNotifyTheAuthorOfAFriendsLikeAsAnUnsequencedInboxEntry() {
        // Given
        befriend(ALICE, BOB, 1);
        events.pipeInput(ALICE, postCreated("p1", ALICE, 10));
        feed.readKeyValuesToList();

        // When
        events.pipeInput(ALICE, liked("p1", ALICE, BOB));

        // Then
        List<KeyValue<String, InboxEntry>> out = notifications.readKeyValuesToList();
        assertThat(out).hasSize(1);
        assertThat(out.get(0).key).isEqualTo(ALICE);
        InboxEntry entry = out.get(0).value;
        assertThat(entry.getUserId()).isEqualTo(ALICE);
        assertThat(entry.getInboxSeq()).isZero();
        assertThat(entry.getConversationId()).isNull();
        assertThat(entry.getCreatedAt()).isEqualTo(at(100));
        MomentNotification n = (MomentNotification) entry.getItem();
        assertThat(n.getKind()).isEqualTo(InteractionKind.LIKED);
        assertThat(n.getActorId()).isEqualTo(BOB);
        assertThat(n.getPostId()).isEqualTo("p1");
        assertNothingMore();
    }

    @Test
    void shouldNotifyTheAuthorAndTheRepliedToUserOfAReply() {
        // Given: bob and carol are alice's friends and each other's
        befriend(ALICE, BOB, 1);
        befriend(ALICE, CAROL, 2);
        befriend(BOB, CAROL, 3);
        events.pipeInput(ALICE, postCreated("p1", ALICE, 10));
        feed.readKeyValuesToList();

        // When: carol replies to bob's comment
        events.pipeInput(ALICE, commented("p1", ALICE, CAROL, BOB));

        // Then
        List<KeyValue<String, InboxEntry>> out = notifications.readKeyValuesToList();
        assertThat(out).extracting(kv -> kv.key).containsExactly(ALICE, BOB);
        assertThat(out).extracting(kv -> ((MomentNotification) kv.value.getItem()).getKind())
                .containsExactly(InteractionKind.COMMENTED, InteractionKind.REPLIED);
        assertThat(out).extracting(kv -> ((MomentNotification) kv.value.getItem()).getText()).containsOnly("nice");
        assertNothingMore();
    }

    @Test
    void shouldNotifyNobodyOfALikeByAStrangerOnADeletedPostOrAnUnlike() {
        // Given
        befriend(ALICE, BOB, 1);
        events.pipeInput(ALICE, postCreated("p1", ALICE, 10));
        events.pipeInput(ALICE, postCreated("gone", ALICE, 11));
        events.pipeInput(ALICE, postDeleted("gone", ALICE, 12));
        feed.readKeyValuesToList();

        // When: a stranger likes, bob likes a deleted and an unknown post, bob unlikes, alice likes her own
        events.pipeInput(ALICE, liked("p1", ALICE, DAVE));
        events.pipeInput(ALICE, liked("gone", ALICE, BOB));
        events.pipeInput(ALICE, liked("never", ALICE, BOB));
        events.pipeInput(ALICE, unliked("p1", ALICE, BOB));
        events.pipeInput(ALICE, liked("p1", ALICE, ALICE));
        // marker
        events.pipeInput(ALICE, commented("p1", ALICE, BOB, null));

        // Then: only the marker's notification
        List<InboxEntry> out = notifications.readValuesToList();
        assertThat(out).hasSize(1);
        assertThat(((MomentNotification) out.get(0).getItem()).getKind()).isEqualTo(InteractionKind.COMMENTED);
        assertNothingMore();
    }

    // ---------------------------------------------------------------- errors

    @Test
    void shouldSendUndecodableAndMiskeyedRecordsToTheErrorTopicAndGoOn() {
        // When: bytes that are not Avro, a post keyed by someone else, an id with the key separator
        rawEvents.pipeInput(ALICE, "not avro".getBytes(StandardCharsets.UTF_8));
        events.pipeInput(BOB, postCreated("p1", ALICE, 10));
        events.pipeInput(ALICE, postCreated("p|1", ALICE, 10));
        events.pipeInput(ALICE, postCreated("p2", ALICE, 11));

        // Then
        List<ProcessingError> failed = errors.readValuesToList();
        assertThat(failed).hasSize(3);
        assertThat(failed.get(0).getErrorClass()).isEqualTo(org.apache.kafka.common.errors.SerializationException.class.getName());
        assertThat(failed.get(1).getErrorMessage()).contains("under key bob");
        assertThat(failed.get(2).getErrorMessage()).contains("post_id");
        assertThat(feed.readValuesToList()).extracting(FeedEntry::getPostId).containsExactly("p2");
        assertThat(posts().get("alice|p1")).isNull();
        assertNothingMore();
    }

    // ---------------------------------------------------------------- helpers

    private void befriend(String a, String b, long second) {
        moments.befriend(a, b, second);
    }

    private void pipeGraph(SocialGraphEvent... records) {
        moments.pipeGraph(records);
    }

    private static FeedEntry removal(String viewer, String post, String author, long second) {
        return FeedEntry.newBuilder(entry(viewer, post, author, second)).setRemoved(true).build();
    }

    private static FeedEntry pulled(FeedEntry entry) {
        return FeedEntry.newBuilder(entry).setPulled(true).build();
    }

    private FriendState friendsOf(String user) {
        return moments.friendsOf(user);
    }

    private KeyValueStore<String, PostState> posts() {
        return moments.posts();
    }

    private void assertNothingMore() {
        moments.assertNothingMore();
    }
}
