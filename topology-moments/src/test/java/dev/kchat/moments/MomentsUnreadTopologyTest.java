package dev.kchat.moments;

import static dev.kchat.moments.MomentsFixtures.at;
import static dev.kchat.moments.MomentsFixtures.commented;
import static dev.kchat.moments.MomentsFixtures.liked;
import static dev.kchat.moments.MomentsFixtures.moment;
import static dev.kchat.moments.MomentsFixtures.postCreated;
import static dev.kchat.moments.MomentsFixtures.seen;
import static dev.kchat.moments.MomentsFixtures.unliked;
import static org.assertj.core.api.Assertions.assertThat;

import dev.kchat.events.chat.InboxEntry;
import dev.kchat.events.platform.ProcessingError;
import dev.kchat.events.social.InteractionKind;
import dev.kchat.events.social.MomentEvent;
import dev.kchat.events.social.MomentNotification;
import dev.kchat.events.social.NotificationsSeen;
import java.nio.file.Path;
import java.util.List;
import org.apache.kafka.streams.KeyValue;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The unread counts of Moments notifications under {@link org.apache.kafka.streams.TopologyTestDriver}:
 * each notification carries its recipient's count, {@code NotificationsSeen} resets it with a
 * {@code SEEN} entry, replays are not counted twice.
 */
class MomentsUnreadTopologyTest {

    private static final String ALICE = "alice";
    private static final String BOB = "bob";
    private static final String CAROL = "carol";

    @TempDir
    Path stateDir;

    private MomentsDriver moments;

    @BeforeEach
    void start() {
        moments = new MomentsDriver(stateDir, 100);
        // alice, bob and carol are all friends; alice and bob each posted
        moments.befriend(ALICE, BOB, 1);
        moments.befriend(ALICE, CAROL, 2);
        moments.befriend(BOB, CAROL, 3);
        moments.events.pipeInput(ALICE, postCreated("a1", ALICE, 10));
        moments.events.pipeInput(BOB, postCreated("b1", BOB, 11));
        moments.feed.readKeyValuesToList();
    }

    @AfterEach
    void stop() {
        moments.close();
    }

    @Test
    void shouldCountEachRecipientsNotificationsAcrossLikesCommentsAndReplies() {
        // When: bob likes and comments on alice's post, carol replies to bob there, alice likes bob's post
        moments.events.pipeInput(ALICE, liked("a1", ALICE, BOB));
        moments.events.pipeInput(ALICE, commented("a1", ALICE, BOB, null));
        moments.events.pipeInput(ALICE, commented("a1", ALICE, CAROL, BOB));
        moments.events.pipeInput(BOB, liked("b1", BOB, ALICE));

        // Then: alice 1, 2, 3 on her post; bob 1 for the reply (told from alice's partition), 2 for the like
        assertThat(told()).containsExactly(
                KeyValue.pair(ALICE, "LIKED by bob, unread 1"),
                KeyValue.pair(ALICE, "COMMENTED by bob, unread 2"),
                KeyValue.pair(ALICE, "COMMENTED by carol, unread 3"),
                KeyValue.pair(BOB, "REPLIED by carol, unread 1"),
                KeyValue.pair(BOB, "LIKED by alice, unread 2"));
        assertThat(moments.unreadOf(ALICE)).isEqualTo(3);
        assertThat(moments.unreadOf(BOB)).isEqualTo(2);
        assertThat(moments.unreadOf(CAROL)).isZero();
        moments.assertNothingMore();
    }

    @Test
    void shouldResetTheCountOfTheUserWhoReadTheirNotificationsAndTellTheirDevices() {
        // Given
        moments.events.pipeInput(ALICE, liked("a1", ALICE, BOB));
        moments.events.pipeInput(ALICE, commented("a1", ALICE, CAROL, BOB));
        moments.notifications.readKeyValuesToList();

        // When: alice reads hers, then carol likes her post
        moments.events.pipeInput(ALICE, seen(ALICE, 200));
        moments.events.pipeInput(ALICE, liked("a1", ALICE, CAROL));

        // Then: a SEEN entry with 0 for alice alone, then her count starts again; bob's is untouched
        List<KeyValue<String, InboxEntry>> out = moments.notifications.readKeyValuesToList();
        assertThat(out).hasSize(2);
        InboxEntry reset = out.get(0).value;
        assertThat(out.get(0).key).isEqualTo(ALICE);
        assertThat(reset.getUserId()).isEqualTo(ALICE);
        assertThat(reset.getInboxSeq()).isZero();
        assertThat(reset.getConversationId()).isNull();
        assertThat(reset.getCreatedAt()).isEqualTo(at(200));
        MomentNotification n = (MomentNotification) reset.getItem();
        assertThat(n.getKind()).isEqualTo(InteractionKind.SEEN);
        assertThat(n.getUnread()).isZero();
        assertThat(n.getActorId()).isEqualTo(ALICE);
        assertThat(n.getPostId()).isEmpty();
        assertThat(describe(out.get(1))).isEqualTo(KeyValue.pair(ALICE, "LIKED by carol, unread 1"));
        assertThat(moments.unreadOf(ALICE)).isEqualTo(1);
        assertThat(moments.unreadOf(BOB)).isEqualTo(1);
        moments.assertNothingMore();
    }

    @Test
    void shouldNeitherCountNorTellAReplayedNotificationTwice() {
        // Given
        MomentEvent like = liked("a1", ALICE, BOB);
        MomentEvent reply = commented("a1", ALICE, CAROL, BOB);
        moments.events.pipeInput(ALICE, like);
        moments.events.pipeInput(ALICE, reply);

        // When: both records again, a like of the same post by bob after an unlike, then a marker
        moments.events.pipeInput(ALICE, like);
        moments.events.pipeInput(ALICE, reply);
        moments.events.pipeInput(ALICE, unliked("a1", ALICE, BOB));
        moments.events.pipeInput(ALICE, liked("a1", ALICE, BOB));
        moments.events.pipeInput(ALICE, commented("a1", ALICE, BOB, null));

        // Then: each counted once, up to the marker
        assertThat(told()).containsExactly(
                KeyValue.pair(ALICE, "LIKED by bob, unread 1"),
                KeyValue.pair(ALICE, "COMMENTED by carol, unread 2"),
                KeyValue.pair(BOB, "REPLIED by carol, unread 1"),
                KeyValue.pair(ALICE, "COMMENTED by bob, unread 3"));
        assertThat(moments.unreadOf(ALICE)).isEqualTo(3);
        assertThat(moments.unreadOf(BOB)).isEqualTo(1);
        moments.assertNothingMore();
    }

    @Test
    void shouldSendASeenOfSomeoneElseOrOfAPostToTheErrorTopicAndChangeNothing() {
        // Given
        moments.events.pipeInput(ALICE, liked("a1", ALICE, BOB));
        moments.notifications.readKeyValuesToList();

        // When: bob's record claiming alice read hers, one naming a post, one under another key, then a marker
        moments.events.pipeInput(ALICE, moment("", ALICE, BOB, 200, NotificationsSeen.newBuilder().build()));
        moments.events.pipeInput(ALICE, moment("a1", ALICE, ALICE, 201, NotificationsSeen.newBuilder().build()));
        moments.events.pipeInput(BOB, seen(ALICE, 202));
        moments.events.pipeInput(ALICE, liked("a1", ALICE, CAROL));

        // Then
        List<ProcessingError> failed = moments.errors.readValuesToList();
        assertThat(failed).hasSize(3);
        assertThat(failed.get(0).getErrorMessage()).contains("NotificationsSeen", "by bob");
        assertThat(failed.get(1).getErrorMessage()).contains("post_id 'a1'");
        assertThat(failed.get(2).getErrorMessage()).contains("under key bob");
        assertThat(told()).containsExactly(KeyValue.pair(ALICE, "LIKED by carol, unread 2"));
        moments.assertNothingMore();
    }

    /** What the notifications output carries, as "KIND by actor, unread N" per recipient. */
    private List<KeyValue<String, String>> told() {
        return moments.notifications.readKeyValuesToList().stream().map(MomentsUnreadTopologyTest::describe).toList();
    }

    private static KeyValue<String, String> describe(KeyValue<String, InboxEntry> kv) {
        MomentNotification n = (MomentNotification) kv.value.getItem();
        return KeyValue.pair(kv.key, n.getKind() + " by " + n.getActorId() + ", unread " + n.getUnread());
    }
}
