package dev.kchat.push.decide;

import static dev.kchat.push.decide.Entries.ALICE;
import static dev.kchat.push.decide.Entries.BOB;
import static dev.kchat.push.decide.Entries.CHAT;
import static dev.kchat.push.decide.Entries.GROUP;
import static dev.kchat.push.decide.Entries.T0;
import static dev.kchat.push.decide.Entries.closed;
import static dev.kchat.push.decide.Entries.left;
import static dev.kchat.push.decide.Entries.liked;
import static dev.kchat.push.decide.Entries.message;
import static dev.kchat.push.decide.Entries.opened;
import static dev.kchat.push.decide.Entries.read;
import static dev.kchat.push.decide.Entries.token;
import static org.assertj.core.api.Assertions.assertThat;

import dev.kchat.events.chat.InboxEntry;
import dev.kchat.events.push.PushKind;
import dev.kchat.events.push.PushPlatform;
import dev.kchat.events.push.PushRequest;
import dev.kchat.push.state.PendingPush;
import dev.kchat.push.state.PushCursor;
import dev.kchat.push.state.PushDevice;
import dev.kchat.push.state.PushUser;
import dev.kchat.push.state.UnreadPosition;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The decider's per-entry state under {@code TopologyTestDriver} ({@link DeciderDriver}): an inbox
 * entry writes its user's cursor and at most one position ({@value PushDeciderApp#UNREAD_STORE}),
 * never the user's {@code PushUser}; the replay guard and the
 * badge work from those stores; a {@code PushUser} of the earlier layout (positions inside) is moved
 * into them the first time the decider touches the user, whichever input touches it first.
 */
class PushDeciderStoresTest {

    /** A user whose id starts with bob's: bob's prefix scans must not reach bobby's positions. */
    private static final String BOBBY = "bobby";
    private static final Duration WINDOW = DeciderConfig.DEFAULT_COLLAPSE_WINDOW;

    @TempDir
    Path stateDir;

    private DeciderDriver decider;

    @BeforeEach
    void start() {
        decider = new DeciderDriver(stateDir);
    }

    @AfterEach
    void stop() {
        decider.close();
    }

    @Test
    void shouldWriteTheCursorAndOnePositionPerEntryAndNeverTheUser() {
        // Given: bob's phone is registered (one PushUser write, and bob's empty cursor)
        decider.settings(token(BOB, "phone", PushPlatform.WEBHOOK, "w-1"));
        int userWrites = decider.changelog(PushDeciderApp.USERS_STORE).readRecordsToList().size();
        decider.changelog(PushDeciderApp.UNREAD_STORE).readRecordsToList();

        // When: a message, a message elsewhere, a read position, a Moments like
        decider.entry(message(BOB, 1, CHAT, 2, ALICE, "hi"));
        decider.entry(message(BOB, 2, GROUP, 5, "carol", "hello"));
        decider.entry(read(BOB, 3, CHAT, 2, 0));
        decider.entry(liked(BOB, 4, ALICE, 1));

        // Then: the cursor and the positions hold it all; the user's record was not written again
        assertThat(decider.cursor(BOB)).isEqualTo(new PushCursor(4L, 1L, 2));
        assertThat(decider.position(BOB, CHAT)).isEqualTo(new UnreadPosition(2L, 2L));
        assertThat(decider.position(BOB, GROUP)).isEqualTo(new UnreadPosition(5L, 0L));
        assertThat(userWrites).isEqualTo(1);
        assertThat(decider.changelog(PushDeciderApp.USERS_STORE).isEmpty()).as("no PushUser written per entry").isTrue();
        assertThat(decider.changelog(PushDeciderApp.UNREAD_STORE).readRecordsToList())
                .as("the cursor per entry, and three positions moved (the like moves none)").hasSize(4 + 3);
    }

    @Test
    void shouldIgnoreAReplayByTheCursorEvenAfterTheConversationWasLeft() {
        // Given: bob got a message in the chat, then left it
        decider.settings(token(BOB, "phone", PushPlatform.WEBHOOK, "w-1"));
        InboxEntry first = message(BOB, 1, CHAT, 2, ALICE, "once");
        decider.entry(first);
        decider.advance(WINDOW);
        assertThat(decider.requests.readValuesToList()).hasSize(1);
        decider.entry(left(BOB, 2, CHAT, 3));
        assertThat(decider.position(BOB, CHAT)).isNull();

        // When: the message comes again (a re-read under at-least-once)
        decider.entry(first);
        decider.advance(WINDOW);

        // Then: nothing pushed, the left conversation not counted again, the cursor where it was
        assertThat(decider.requests.isEmpty()).isTrue();
        assertThat(decider.position(BOB, CHAT)).isNull();
        assertThat(decider.cursor(BOB)).isEqualTo(new PushCursor(2L, 0L, 0));
        assertThat(decider.metrics.count(DeciderMetrics.DECISIONS, "replay")).isEqualTo(1);
        assertThat(decider.errors.isEmpty()).isTrue();
    }

    @Test
    void shouldSumTheBadgeOverTheUsersOwnPositionsAndMoments() {
        // Given: bobby, whose key starts like bob's, has 100 unread; bob has 3 + 1 unread and 2 Moments
        decider.entry(message(BOBBY, 1, "g-2", 100, ALICE, "many"));
        decider.settings(token(BOB, "phone", PushPlatform.WEBHOOK, "w-1"));
        decider.entry(message(BOB, 1, CHAT, 5, ALICE, "five"));
        decider.entry(read(BOB, 2, CHAT, 2, 3));
        decider.entry(liked(BOB, 3, ALICE, 2));

        // When: a group message opens a second burst
        decider.entry(message(BOB, 4, GROUP, 1, "carol", "one"));
        decider.advance(WINDOW);

        // Then: every push of the flush carries bob's badge alone
        List<PushRequest> out = decider.requests.readValuesToList();
        assertThat(out).extracting(PushRequest::getCollapseKey).containsExactlyInAnyOrder(CHAT, GROUP, PushRules.MOMENTS_KEY);
        assertThat(out).allSatisfy(r -> assertThat(r.getBadge()).as("3 in the chat, 1 in the group, 2 Moments").isEqualTo(6));
        assertThat(decider.errors.isEmpty()).isTrue();
    }

    @Test
    void shouldMoveAnOldRecordsPositionsIntoTheStoresWhenTheFirstEntryArrives() {
        // Given: bob's record as the earlier layout wrote it: positions, Moments count, last seq 7
        decider.users().put(BOB, oldRecord());

        // When: entry 7 again (decided before the upgrade), then entry 8
        decider.entry(message(BOB, 7, CHAT, 10, ALICE, "decided before"));
        decider.entry(message(BOB, 8, CHAT, 11, ALICE, "new"));
        decider.advance(WINDOW);

        // Then: 7 is a replay; 8 is pushed with the badge over the moved positions (11 - 8 + 0 + 3)
        PushRequest only = decider.requests.readValue();
        assertThat(only.getFirstInboxSeq()).isEqualTo(8);
        assertThat(only.getBadge()).isEqualTo(6);
        assertThat(decider.requests.isEmpty()).isTrue();
        assertThat(decider.metrics.count(DeciderMetrics.DECISIONS, "replay")).isEqualTo(1);
        assertMigrated(8, new UnreadPosition(11L, 8L));
    }

    @Test
    void shouldMoveAnOldRecordsPositionsWhenASessionEventTouchesTheUserFirst() {
        // Given: bob's record of the earlier layout
        decider.users().put(BOB, oldRecord());

        // When: a session opens and closes before any entry
        decider.session(opened(BOB, "s-1"));
        decider.session(closed(BOB, "s-1"));

        // Then: moved; the next entry counts on from the moved positions
        assertMigrated(7, new UnreadPosition(10L, 8L));
        decider.entry(message(BOB, 8, GROUP, 6, "carol", "group"));
        decider.advance(WINDOW);
        assertThat(decider.requests.readValue().getBadge()).as("2 in the chat, 2 in the group, 3 Moments").isEqualTo(7);
        assertThat(decider.requests.isEmpty()).isTrue();
    }

    @Test
    void shouldFlushABurstWaitingSinceTheEarlierLayoutWithTheMovedBadge() {
        // Given: bob's old record and a burst it opened, due now
        decider.users().put(BOB, oldRecord());
        decider.pending().put(PushDecider.pendingKey(BOB, CHAT), PendingPush.newBuilder().setUserId(BOB).setCollapseKey(CHAT)
                .setConversationId(CHAT).setKind(PushKind.MESSAGE.name()).setTitle(ALICE).setBody("before the upgrade")
                .setBodyConvSeq(10L).setCount(1).setFirstInboxSeq(7).setLastInboxSeq(7).setFirstEntryAtMs(T0.toEpochMilli())
                .setDueMs(T0.toEpochMilli()).build());

        // When
        decider.advance(WINDOW);

        // Then: pushed with the badge of the old record's positions (2 + 0 + 3), which are moved
        PushRequest out = decider.requests.readValue();
        assertThat(out.getBody()).isEqualTo("before the upgrade");
        assertThat(out.getBadge()).isEqualTo(5);
        assertMigrated(7, new UnreadPosition(10L, 8L));
    }

    @Test
    void shouldForgetTheConversationWithTheSmallestLastSeqBeyondTheBound() {
        // Given: bob has as many conversations as the decider keeps; c-0 has the smallest last seq
        int max = PushRules.MAX_CONVERSATIONS;
        for (int i = 0; i < max; i++) {
            decider.entry(message(BOB, i + 1, "c-" + i, i + 1, ALICE, "m"));
        }
        assertThat(decider.cursor(BOB).getConversations()).isEqualTo(max);

        // When: one more conversation
        decider.entry(message(BOB, max + 1, "c-new", 1, ALICE, "m"));

        // Then: c-0 is forgotten, the new one (last seq 1, smaller still) is kept, the count stays at the bound
        assertThat(decider.position(BOB, "c-0")).isNull();
        assertThat(decider.position(BOB, "c-new")).isEqualTo(new UnreadPosition(1L, 0L));
        assertThat(decider.position(BOB, "c-1")).isEqualTo(new UnreadPosition(2L, 0L));
        assertThat(decider.cursor(BOB).getConversations()).isEqualTo(max);
    }

    /** Bob as the earlier layout stored him: a phone, 2 unread in the chat, none in the group, 3 Moments, last inbox seq 7. */
    private static PushUser oldRecord() {
        PushUser user = PushRules.newUser(BOB);
        user.setDevices(new ArrayList<>(List.of(new PushDevice("phone", PushPlatform.WEBHOOK.name(), "w-1", "dev.kchat.app", 5.0,
                T0.toEpochMilli()))));
        Map<String, UnreadPosition> positions = new HashMap<>();
        positions.put(CHAT, new UnreadPosition(10L, 8L));
        positions.put(GROUP, new UnreadPosition(4L, 4L));
        user.setConversations(positions);
        user.setMomentsUnread(3L);
        user.setLastInboxSeq(7L);
        return user;
    }

    private void assertMigrated(long lastInboxSeq, UnreadPosition chat) {
        PushUser user = decider.users().get(BOB);
        assertThat(user.getConversations()).as("moved out of the user's record").isEmpty();
        assertThat(user.getMomentsUnread()).isZero();
        assertThat(user.getDevices()).extracting(PushDevice::getDeviceId).containsExactly("phone");
        assertThat(decider.cursor(BOB)).isEqualTo(new PushCursor(lastInboxSeq, 3L, 2));
        assertThat(decider.position(BOB, CHAT)).isEqualTo(chat);
        assertThat(decider.position(BOB, GROUP)).isEqualTo(new UnreadPosition(4L, 4L));
    }
}
