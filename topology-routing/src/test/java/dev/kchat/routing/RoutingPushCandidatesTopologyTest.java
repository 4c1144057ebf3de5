package dev.kchat.routing;

import static dev.kchat.routing.Commands.GROUP;
import static org.assertj.core.api.Assertions.assertThat;

import dev.kchat.events.chat.ChatCommand;
import dev.kchat.events.chat.SendMessage;
import dev.kchat.events.common.ConversationKind;
import dev.kchat.events.push.PushCandidate;
import dev.kchat.schemas.MessagePreview;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.kafka.streams.KeyValue;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Routing's push candidates under {@link org.apache.kafka.streams.TopologyTestDriver}: groups above
 * {@value #THRESHOLD} members are read-diffused, and those of at most {@value #MAX_MEMBERS} members
 * send {@code push.candidates}. Absence is asserted after a marker: a later candidate that must come.
 */
class RoutingPushCandidatesTopologyTest {

    private static final int THRESHOLD = 3;
    private static final int MAX_MEMBERS = 5;
    private static final String ALICE = "alice";
    private static final String BOB = "bob";
    private static final String CAROL = "carol";
    private static final String DAVE = "dave";
    private static final String ERIN = "erin";
    private static final String FRANK = "frank";

    @TempDir
    Path stateDir;

    private FanoutStageFixture routing;

    @BeforeEach
    void start() {
        routing = new FanoutStageFixture(stateDir, Map.of(
                RoutingFanoutConfig.BROADCAST_THRESHOLD, String.valueOf(THRESHOLD),
                RoutingFanoutConfig.PUSH_CANDIDATES_MAX_MEMBERS, String.valueOf(MAX_MEMBERS)));
    }

    @AfterEach
    void stop() {
        routing.close();
    }

    @Test
    void shouldSendACandidateToEveryMemberOfAReadDiffusedGroupButTheSenderAndTheMentioned() {
        // Given: a read-diffused group of four (4 > 3)
        routing.pipe(Commands.createGroup(GROUP, ALICE, BOB, CAROL, DAVE));
        routing.readEntries();

        // When: alice posts, mentioning carol
        ChatCommand send = Commands.send(GROUP, ALICE, "m2");
        ((SendMessage) send.getPayload()).setMentions(List.of(CAROL));
        routing.pipe(send);

        // Then: bob and dave get a candidate each (for seq 2 only: the creation made none); carol gets her
        // inbox entry instead, alice nothing
        List<KeyValue<String, PushCandidate>> candidates = routing.candidates.readKeyValuesToList();
        assertThat(candidates).extracting(kv -> kv.key).containsExactly(BOB, DAVE);
        assertThat(candidates).allSatisfy(kv -> {
            assertThat(kv.value.getUserId()).as("keyed by its user").isEqualTo(kv.key);
            assertThat(kv.value.getConversationId()).isEqualTo(GROUP);
            assertThat(kv.value.getSeq()).isEqualTo(2L);
            assertThat(kv.value.getSenderId()).isEqualTo(ALICE);
            assertThat(kv.value.getPreview()).isEqualTo("hello m2");
            assertThat(kv.value.getRemovedSeq()).isNull();
            assertThat(kv.value.getCreatedAt()).isEqualTo(routing.commandTime());
        });
        assertThat(routing.readEntriesByUser().keySet()).as("carol's mention, alice's acceptance").containsExactlyInAnyOrder(CAROL, ALICE);
    }

    @Test
    void shouldSendARemovalSoAWaitingBurstForgetsTheText() {
        // Given: a read-diffused group with a message
        routing.pipe(Commands.createGroup(GROUP, ALICE, BOB, CAROL, DAVE));
        routing.pipe(Commands.send(GROUP, ALICE, "m2"));
        routing.candidates.readValuesToList();

        // When: alice edits it (no push), then recalls it
        routing.pipe(Commands.edit(GROUP, ALICE, 2));
        routing.pipe(Commands.recall(GROUP, ALICE, 2));

        // Then: one removal candidate per other member, at the recall's seq, without text; the edit made none
        List<PushCandidate> removals = routing.candidates.readValuesToList();
        assertThat(removals).extracting(PushCandidate::getUserId).containsExactly(BOB, CAROL, DAVE);
        assertThat(removals).allSatisfy(c -> {
            assertThat(c.getSeq()).isEqualTo(4L);
            assertThat(c.getRemovedSeq()).isEqualTo(2L);
            assertThat(c.getPreview()).isNull();
        });
    }

    @Test
    void shouldCutALongMessageToThePreviewLength() {
        // Given
        routing.pipe(Commands.createGroup(GROUP, ALICE, BOB, CAROL, DAVE));

        // When: a message longer than a preview
        ChatCommand send = Commands.send(GROUP, ALICE, "m2");
        ((SendMessage) send.getPayload()).setBody("x".repeat(1_000));
        routing.pipe(send);

        // Then
        assertThat(routing.candidates.readValuesToList()).extracting(PushCandidate::getPreview)
                .allSatisfy(p -> assertThat(p.codePointCount(0, p.length())).isEqualTo(MessagePreview.MAX_CODE_POINTS));
    }

    @Test
    void shouldSendNoCandidatesForWriteDiffusedGroupsChannelsOrGroupsAboveTheCap() {
        // Given: a write-diffused group (3), a channel, a group above the cap (6 > 5), and a marker group (4)
        routing.pipe(Commands.createGroup("g-small", ALICE, BOB, CAROL));
        routing.pipe(Commands.create("ch-news", ConversationKind.CHANNEL, ALICE, BOB, CAROL, DAVE));
        routing.pipe(Commands.createGroup("g-large", ALICE, BOB, CAROL, DAVE, ERIN, FRANK));
        routing.pipe(Commands.createGroup("g-marker", ALICE, BOB, CAROL, DAVE));

        // When: alice posts in each, the marker group last
        routing.pipe(Commands.send("g-small", ALICE, "s"));
        routing.pipe(Commands.send("ch-news", ALICE, "c"));
        routing.pipe(Commands.send("g-large", ALICE, "l"));
        routing.pipe(Commands.send("g-marker", ALICE, "k"));

        // Then: the marker group's candidates alone (the small group's members got inbox entries)
        assertThat(routing.candidates.readValuesToList()).extracting(PushCandidate::getConversationId)
                .containsExactly("g-marker", "g-marker", "g-marker");
        assertThat(routing.readEntriesByUser().get(BOB)).as("bob's entries: his joins and the small group's message")
                .extracting(e -> e.getConversationId() + "@" + e.getConvSeq())
                .contains("g-small@2");
    }

    @Test
    void shouldFollowTheMembersAsTheGroupCrossesTheCap() {
        // Given: a group at the cap (5)
        routing.pipe(Commands.createGroup(GROUP, ALICE, BOB, CAROL, DAVE, ERIN));
        routing.pipe(Commands.send(GROUP, ALICE, "m2"));
        assertThat(routing.candidates.readValuesToList()).extracting(PushCandidate::getUserId).containsExactly(BOB, CAROL, DAVE, ERIN);

        // When: frank joins (6 > 5), alice posts; frank and dave leave (4), alice posts
        routing.pipe(Commands.add(GROUP, ALICE, FRANK));
        routing.pipe(Commands.send(GROUP, ALICE, "m4"));
        routing.pipe(Commands.leave(GROUP, FRANK));
        routing.pipe(Commands.leave(GROUP, DAVE));
        routing.pipe(Commands.send(GROUP, ALICE, "m7"));

        // Then: nothing for the message above the cap; the last one to the members left
        List<PushCandidate> candidates = routing.candidates.readValuesToList();
        assertThat(candidates).extracting(PushCandidate::getSeq).containsOnly(7L);
        assertThat(candidates).extracting(PushCandidate::getUserId).containsExactly(BOB, CAROL, ERIN);
    }
}
