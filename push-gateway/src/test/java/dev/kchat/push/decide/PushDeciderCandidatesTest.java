package dev.kchat.push.decide;

import static dev.kchat.push.decide.Entries.ALICE;
import static dev.kchat.push.decide.Entries.BOB;
import static dev.kchat.push.decide.Entries.CHAT;
import static dev.kchat.push.decide.Entries.GROUP;
import static dev.kchat.push.decide.Entries.candidate;
import static dev.kchat.push.decide.Entries.message;
import static dev.kchat.push.decide.Entries.muted;
import static dev.kchat.push.decide.Entries.opened;
import static dev.kchat.push.decide.Entries.read;
import static dev.kchat.push.decide.Entries.removal;
import static dev.kchat.push.decide.Entries.token;
import static org.assertj.core.api.Assertions.assertThat;

import dev.kchat.events.push.PushKind;
import dev.kchat.events.push.PushPlatform;
import dev.kchat.events.push.PushRequest;
import dev.kchat.push.state.UnreadPosition;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code push.candidates} (read-diffused groups' messages, which make no inbox entry) into the decider
 * under {@code TopologyTestDriver} ({@link DeciderDriver}): a candidate moves the member's position,
 * opens or joins a burst as a notable inbox entry does, is dropped as a replay at or below the seq
 * already seen, and costs a user with no device no write. Absence is asserted after a marker: another
 * user's push of the same flush, or a later candidate's.
 */
class PushDeciderCandidatesTest {

    private static final String CAROL = "carol";
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
    void shouldPushABurstOfCandidatesToAnOfflineMemberWithTheBadgeAndAStableId() {
        // Given: bob's phone; he read the group up to 3, and has one unread message in a chat
        decider.settings(token(BOB, "phone", PushPlatform.WEBHOOK, "w-1"));
        decider.entry(read(BOB, 1, GROUP, 3, 0));
        decider.entry(message(BOB, 2, CHAT, 1, ALICE, "hi"));
        decider.advance(WINDOW);
        decider.requests.readValuesToList();

        // When: two messages of the read-diffused group within the window
        decider.candidate(candidate(BOB, GROUP, 4, ALICE, "first"));
        decider.candidate(candidate(BOB, GROUP, 5, CAROL, "second"));
        decider.advance(WINDOW);

        // Then: one push of both, with the latest text, a badge of 2 in the group + 1 in the chat
        PushRequest push = single(decider.requests.readValuesToList());
        assertThat(push.getPushId()).isEqualTo("bob:phone:" + GROUP + "@5");
        assertThat(push.getCollapseKey()).isEqualTo(GROUP);
        assertThat(push.getConversationId()).isEqualTo(GROUP);
        assertThat(push.getKind()).isEqualTo(PushKind.MESSAGE);
        assertThat(push.getCount()).isEqualTo(2);
        assertThat(push.getTitle()).isEqualTo(CAROL);
        assertThat(push.getBody()).isEqualTo("second");
        assertThat(push.getBadge()).isEqualTo(3);
        assertThat(push.getLastConvSeq()).isEqualTo(5L);
        assertThat(push.getFirstInboxSeq()).as("no inbox entry in the burst").isZero();
        assertThat(push.getLastInboxSeq()).isZero();
        assertThat(decider.position(BOB, GROUP)).isEqualTo(new UnreadPosition(5L, 3L));
        assertThat(decider.errors.isEmpty()).isTrue();
    }

    @Test
    void shouldNotPushAConnectedOrMutingMemberButCountTheirBadge() {
        // Given: bob and carol have phones; bob is connected, carol muted the group; erin is offline
        decider.settings(token(BOB, "phone", PushPlatform.WEBHOOK, "w-1"));
        decider.settings(token(CAROL, "phone", PushPlatform.WEBHOOK, "w-2"));
        decider.settings(token("erin", "phone", PushPlatform.WEBHOOK, "w-3"));
        decider.session(opened(BOB, "s-1"));
        decider.settings(muted(CAROL, GROUP, null));

        // When: the same message reaches all three
        decider.candidate(candidate(BOB, GROUP, 4, ALICE, "hi"));
        decider.candidate(candidate(CAROL, GROUP, 4, ALICE, "hi"));
        decider.candidate(candidate("erin", GROUP, 4, ALICE, "hi"));
        decider.advance(WINDOW);

        // Then: erin's push alone; bob's and carol's positions moved all the same
        assertThat(decider.requests.readValuesToList()).extracting(PushRequest::getUserId).containsExactly("erin");
        assertThat(decider.position(BOB, GROUP)).as("first seen through a candidate: counts from it").isEqualTo(new UnreadPosition(4L, 3L));
        assertThat(decider.position(CAROL, GROUP)).isEqualTo(new UnreadPosition(4L, 3L));
        assertThat(decider.metrics.count(DeciderMetrics.DECISIONS, "connected")).isEqualTo(1);
        assertThat(decider.metrics.count(DeciderMetrics.DECISIONS, "silenced")).isEqualTo(1);
    }

    @Test
    void shouldDropACandidateAtOrBelowTheSeqAlreadySeen() {
        // Given: bob got message 4 as a candidate, and read the group up to 6 on another device
        decider.settings(token(BOB, "phone", PushPlatform.WEBHOOK, "w-1"));
        decider.candidate(candidate(BOB, GROUP, 4, ALICE, "four"));
        decider.advance(WINDOW);
        assertThat(decider.requests.readValuesToList()).hasSize(1);
        decider.entry(read(BOB, 1, GROUP, 6, 0));

        // When: 4 comes again (a re-read), then 5 (already read), then 7
        decider.candidate(candidate(BOB, GROUP, 4, ALICE, "four"));
        decider.candidate(candidate(BOB, GROUP, 5, ALICE, "five"));
        decider.candidate(candidate(BOB, GROUP, 7, ALICE, "seven"));
        decider.advance(WINDOW);

        // Then: 7 alone is pushed; 4 and 5 were replays
        PushRequest push = single(decider.requests.readValuesToList());
        assertThat(push.getBody()).isEqualTo("seven");
        assertThat(push.getCount()).isEqualTo(1);
        assertThat(push.getBadge()).isEqualTo(1);
        assertThat(decider.metrics.count(DeciderMetrics.DECISIONS, "replay")).isEqualTo(2);
    }

    @Test
    void shouldWriteNothingForAUserWithNoDevice() {
        // Given: carol has no device; bob has one (the marker)
        decider.settings(token(BOB, "phone", PushPlatform.WEBHOOK, "w-1"));
        decider.changelog(PushDeciderApp.UNREAD_STORE).readRecordsToList();
        decider.changelog(PushDeciderApp.USERS_STORE).readRecordsToList();

        // When: carol's candidate, then bob's
        decider.candidate(candidate(CAROL, GROUP, 4, ALICE, "hi"));
        decider.candidate(candidate(BOB, GROUP, 4, ALICE, "hi"));

        // Then: bob's position alone was written; carol has no state at all
        assertThat(decider.changelog(PushDeciderApp.UNREAD_STORE).readKeyValuesToList())
                .extracting(kv -> new String(kv.key, StandardCharsets.UTF_8))
                .containsExactly(UnreadPositions.key(BOB, GROUP), BOB);
        assertThat(decider.changelog(PushDeciderApp.USERS_STORE).isEmpty()).isTrue();
        assertThat(decider.users().get(CAROL)).isNull();
        assertThat(decider.metrics.count(DeciderMetrics.DECISIONS, "no_device")).isEqualTo(1);
    }

    @Test
    void shouldForgetTheTextOfARemovedMessageInAWaitingBurst() {
        // Given: a candidate waits in its burst
        decider.settings(token(BOB, "phone", PushPlatform.WEBHOOK, "w-1"));
        decider.candidate(candidate(BOB, GROUP, 4, ALICE, "oops"));

        // When: alice recalls it within the window
        decider.candidate(removal(BOB, GROUP, 5, ALICE, 4));
        decider.advance(WINDOW);

        // Then: the push goes without the text; the recall counts for the badge but not as a message
        PushRequest push = single(decider.requests.readValuesToList());
        assertThat(push.getBody()).isNull();
        assertThat(push.getCount()).isEqualTo(1);
        assertThat(push.getPushId()).isEqualTo("bob:phone:" + GROUP + "@4");
        assertThat(decider.position(BOB, GROUP).getLastSeq()).isEqualTo(5L);
    }

    @Test
    void shouldCollapseAMentionsInboxEntryWithCandidatesAndKeepTheNewestText() {
        // Given: bob's phone
        decider.settings(token(BOB, "phone", PushPlatform.WEBHOOK, "w-1"));

        // When: candidate 7 arrives, then the inbox entry of the mention at 6 (it went through the sequencer)
        decider.candidate(candidate(BOB, GROUP, 7, ALICE, "newest"));
        decider.entry(message(BOB, 9, GROUP, 6, CAROL, "@bob look", BOB));
        decider.advance(WINDOW);

        // Then: one MENTION push of both; the newer message's text; the id from the inbox entry, which came last
        PushRequest push = single(decider.requests.readValuesToList());
        assertThat(push.getKind()).isEqualTo(PushKind.MENTION);
        assertThat(push.getCount()).isEqualTo(2);
        assertThat(push.getBody()).isEqualTo("newest");
        assertThat(push.getTitle()).isEqualTo(ALICE);
        assertThat(push.getPushId()).isEqualTo("bob:phone:9");
        assertThat(push.getLastConvSeq()).isNull();
        assertThat(push.getFirstInboxSeq()).isEqualTo(9);
        assertThat(push.getLastInboxSeq()).isEqualTo(9);
    }

    private static PushRequest single(List<PushRequest> requests) {
        assertThat(requests).hasSize(1);
        return requests.get(0);
    }
}
