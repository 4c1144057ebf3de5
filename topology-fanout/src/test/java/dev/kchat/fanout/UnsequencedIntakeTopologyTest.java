package dev.kchat.fanout;

import static dev.kchat.fanout.Events.created;
import static dev.kchat.fanout.Events.posted;
import static dev.kchat.fanout.Events.rejected;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.groups.Tuple.tuple;

import dev.kchat.events.chat.CommandResult;
import dev.kchat.events.chat.ConversationEvent;
import dev.kchat.events.chat.InboxEntry;
import dev.kchat.events.common.ConversationKind;
import dev.kchat.events.platform.ProcessingError;
import dev.kchat.events.social.InteractionKind;
import dev.kchat.events.social.MomentNotification;
import dev.kchat.schemas.registry.InMemorySchemaRegistry;
import dev.kchat.schemas.topic.Topics;
import dev.kchat.service.Settings;
import dev.kchat.streams.ErrorTopicHandler;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The two intakes of fanout's inbox sequencer: Moments notifications from {@code moments.notifications}
 * and conversation entries from {@code chat.inbox.unsequenced} (what routing's fan-out stage and fanout's
 * server stage write) are numbered in one gap-free sequence per user; each topic takes only its own kind
 * of unsequenced, correctly keyed entry.
 */
class UnsequencedIntakeTopologyTest {

    private static final String ALICE = "alice";
    private static final String BOB = "bob";
    private static final String GROUP = "g:team";

    @TempDir
    Path stateDir;

    private TopologyTestDriver driver;
    private TestInputTopic<String, InboxEntry> notifications;
    private TestInputTopic<String, InboxEntry> unsequenced;
    private TestOutputTopic<String, InboxEntry> inbox;
    private TestOutputTopic<String, ProcessingError> errors;

    @BeforeEach
    void start() {
        Topics topics = Topics.create(new InMemorySchemaRegistry());
        FanoutConfig config = FanoutConfig.from(Settings.of(Map.of(
                FanoutConfig.KEYS.applicationId(), "fanout-unsequenced-test",
                FanoutConfig.KEYS.stateDir(), stateDir.toString())));
        Properties props = ErrorTopicHandler.bind(FanoutApp.streamsConfig(config), topics);
        driver = new TopologyTestDriver(FanoutApp.buildTopology(config, topics), props, Events.T0);
        notifications = driver.createInputTopic(Topics.MOMENTS_NOTIFICATIONS, topics.momentsNotifications().keySerde().serializer(),
                topics.momentsNotifications().valueSerde().serializer());
        unsequenced = driver.createInputTopic(Topics.INBOX_UNSEQUENCED, topics.inboxUnsequenced().keySerde().serializer(),
                topics.inboxUnsequenced().valueSerde().serializer());
        inbox = driver.createOutputTopic(Topics.INBOX, topics.inbox().keySerde().deserializer(), topics.inbox().valueSerde().deserializer());
        errors = driver.createOutputTopic(Topics.ERRORS, topics.errors().keySerde().deserializer(), topics.errors().valueSerde().deserializer());
    }

    @AfterEach
    void stop() {
        driver.close();
    }

    @Test
    void shouldNumberAMomentNotificationInTheSameInboxSequenceAsConversationEntries() {
        // Given: bob has two conversation entries (inbox_seq 1, 2)
        unsequenced.pipeInput(BOB, entry(BOB, 0, created("dm:alice:bob", ConversationKind.DIRECT, ALICE, BOB)));
        unsequenced.pipeInput(BOB, entry(BOB, 0, posted("dm:alice:bob", 2, ALICE)));

        // When: alice liked bob's post
        notifications.pipeInput(BOB, notification(BOB, 0));

        // Then
        List<InboxEntry> bobs = inbox.readKeyValuesToList().stream().filter(kv -> kv.key.equals(BOB)).map(kv -> kv.value).toList();
        assertThat(bobs).extracting(InboxEntry::getInboxSeq).containsExactly(1L, 2L, 3L);
        InboxEntry liked = bobs.get(2);
        assertThat(liked.getItem()).isInstanceOf(MomentNotification.class);
        assertThat(((MomentNotification) liked.getItem()).getActorId()).isEqualTo(ALICE);
        assertThat(liked.getConvSeq()).isNull();
        assertThat(inbox.isEmpty()).isTrue();
        assertThat(errors.isEmpty()).isTrue();
    }

    @Test
    void shouldSendASequencedOrMiskeyedNotificationToTheErrorTopicAndGoOn() {
        // When: one already numbered, one under another user's key, then a good one
        notifications.pipeInput(BOB, notification(BOB, 7));
        notifications.pipeInput(ALICE, notification(BOB, 0));
        notifications.pipeInput(BOB, notification(BOB, 0));

        // Then
        List<ProcessingError> failed = errors.readValuesToList();
        assertThat(failed).extracting(ProcessingError::getErrorMessage).satisfiesExactly(
                m -> assertThat(m).contains("inbox_seq 7"),
                m -> assertThat(m).contains("under key alice"));
        InboxEntry only = inbox.readValue();
        assertThat(only.getUserId()).isEqualTo(BOB);
        assertThat(only.getInboxSeq()).isEqualTo(1L);
        assertThat(inbox.isEmpty()).isTrue();
        assertThat(errors.isEmpty()).isTrue();
    }

    @Test
    void shouldNumberUnsequencedConversationEntriesAfterTheUsersMomentNotificationsAndCarryThemAsTheyCame() {
        // Given: bob has two Moments notifications (inbox_seq 1, 2)
        notifications.pipeInput(BOB, notification(BOB, 0));
        notifications.pipeInput(BOB, notification(BOB, 0));

        // When: a message of a conversation and a refusal arrive unsequenced
        ConversationEvent inGroup = posted(GROUP, 5, ALICE);
        unsequenced.pipeInput(BOB, entry(BOB, 0, inGroup));
        unsequenced.pipeInput(BOB, entry(BOB, 0, rejected(GROUP, BOB, "r1", "not_a_member")));

        // Then: numbered 3 and 4, carried as they came
        List<InboxEntry> bobs = inbox.readKeyValuesToList().stream().filter(kv -> kv.key.equals(BOB)).map(kv -> kv.value).toList();
        assertThat(bobs).extracting(InboxEntry::getInboxSeq).containsExactly(1L, 2L, 3L, 4L);
        assertThat(bobs.get(2).getItem()).isEqualTo(inGroup);
        assertThat(bobs.get(2).getConversationId()).isEqualTo(GROUP);
        assertThat(bobs.get(2).getConvSeq()).isEqualTo(5L);
        assertThat(bobs.get(3).getItem()).isInstanceOf(CommandResult.class);
        assertThat(inbox.isEmpty()).isTrue();
        assertThat(errors.isEmpty()).isTrue();
    }

    @Test
    void shouldSendANumberedMiskeyedOrMomentsEntryOfTheConversationTopicToTheErrorTopicAndGoOn() {
        // When: one already numbered, one under another user's key, a Moments notification (its own topic), then a good one
        ConversationEvent inGroup = posted(GROUP, 5, ALICE);
        unsequenced.pipeInput(BOB, entry(BOB, 7, inGroup));
        unsequenced.pipeInput(ALICE, entry(BOB, 0, inGroup));
        unsequenced.pipeInput(BOB, notification(BOB, 0));
        unsequenced.pipeInput(BOB, entry(BOB, 0, inGroup));

        // Then
        assertThat(errors.readValuesToList()).extracting(ProcessingError::getErrorMessage).satisfiesExactly(
                m -> assertThat(m).contains("inbox_seq 7"),
                m -> assertThat(m).contains("under key alice"),
                m -> assertThat(m).contains(Topics.INBOX_UNSEQUENCED + " takes unsequenced conversation entries only")
                        .contains("with MomentNotification"));
        assertThat(inbox.readKeyValuesToList()).extracting(kv -> kv.key, kv -> kv.value.getInboxSeq(), kv -> kv.value.getConvSeq())
                .containsExactly(tuple(BOB, 1L, 5L));
        assertThat(errors.isEmpty()).isTrue();
    }

    /** An unsequenced conversation entry for {@code recipient}, as routing's fan-out stage writes it. */
    private static InboxEntry entry(String recipient, long inboxSeq, Object item) {
        InboxEntry.Builder entry = InboxEntry.newBuilder().setUserId(recipient).setInboxSeq(inboxSeq).setCreatedAt(Events.T0).setItem(item);
        if (item instanceof ConversationEvent event) {
            entry.setConversationId(event.getConversationId()).setConvSeq(event.getSeq());
        } else if (item instanceof CommandResult result) {
            entry.setConversationId(result.getConversationId());
        }
        return entry.build();
    }

    private static InboxEntry notification(String recipient, long inboxSeq) {
        return InboxEntry.newBuilder().setUserId(recipient).setInboxSeq(inboxSeq).setCreatedAt(Events.T0)
                .setItem(MomentNotification.newBuilder().setPostId("p1").setActorId(ALICE).setKind(InteractionKind.LIKED).build())
                .build();
    }
}
