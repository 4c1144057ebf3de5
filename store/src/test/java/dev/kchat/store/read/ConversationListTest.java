package dev.kchat.store.read;

import static dev.kchat.store.TestEvents.created;
import static dev.kchat.store.TestEvents.delivered;
import static dev.kchat.store.TestEvents.left;
import static dev.kchat.store.TestEvents.posted;
import static dev.kchat.store.TestEvents.readUpTo;
import static dev.kchat.store.TestEvents.recalled;
import static org.assertj.core.api.Assertions.assertThat;

import com.datastax.oss.driver.api.core.cql.BoundStatement;
import dev.kchat.events.chat.ConversationEvent;
import dev.kchat.events.chat.InboxEntry;
import dev.kchat.events.common.ConversationKind;
import dev.kchat.store.TestEvents;
import dev.kchat.store.TestStore;
import dev.kchat.store.write.ChatWriter;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class ConversationListTest {

    private static final TestEvents EVENTS = new TestEvents();
    private static ChatWriter writer;
    private static ChatRepository repository;
    private static final List<BoundStatement> statements = new ArrayList<>();
    private static long aliceInbox;

    @BeforeAll
    static void storeAlicesConversations() {
        String keyspace = TestStore.newKeyspace("list");
        writer = new ChatWriter(TestStore.session(), keyspace);
        repository = new ChatRepository(TestStore.session(), keyspace);

        // A direct chat (write diffusion: alice gets inbox entries), 5 events, alice read up to 3.
        log(created("direct-ab", ConversationKind.DIRECT, "alice", "bob"), true);
        for (long seq = 2; seq <= 5; seq++) {
            log(posted("direct-ab", seq, "bob", "hi " + seq), true);
        }
        inbox(readUpTo("alice", ++aliceInbox, "direct-ab", 3, 2));

        // A channel (read diffusion: no inbox entries at all), 40 events, alice never read it; its last
        // event is the newest activity of all.
        log(created("channel-news", ConversationKind.CHANNEL, "owner", "alice"), false);
        for (long seq = 2; seq <= 40; seq++) {
            log(posted("channel-news", seq, "owner", "news " + seq), false);
        }

        // A group alice left at seq 4: later messages are not hers to count; its last message was recalled.
        log(created("group-left", ConversationKind.GROUP, "carol", "alice"), true);
        log(posted("group-left", 2, "carol", "welcome"), true);
        log(posted("group-left", 3, "carol", "bye soon"), true);
        log(left("group-left", 4, "alice"), true);
        log(posted("group-left", 5, "carol", "after you left"), false);
        log(recalled("group-left", 6, "carol", 5), false);

        TestStore.write(statements);
    }

    @Test
    void shouldListConversationsByLastActivityWithUnreadCounts() {
        // When alice opens her conversation list
        List<ConversationSummary> list = repository.conversations("alice", 50);

        // Then the most recently active comes first, and unread = last seq - read seq for each kind
        assertThat(list).extracting(ConversationSummary::conversationId)
                .containsExactly("channel-news", "direct-ab", "group-left");
        ConversationSummary channel = list.get(0);
        assertThat(channel.kind()).isEqualTo("CHANNEL");
        assertThat(channel.lastSeq()).isEqualTo(40);
        assertThat(channel.unread()).isEqualTo(40);
        assertThat(channel.lastMessagePreview()).isEqualTo("news 40");

        ConversationSummary direct = list.get(1);
        assertThat(direct.kind()).isEqualTo("DIRECT");
        assertThat(direct.readSeq()).isEqualTo(3);
        assertThat(direct.unread()).isEqualTo(2);
        assertThat(direct.lastMessagePreview()).isEqualTo("hi 5");
        assertThat(direct.lastMessageSender()).isEqualTo("bob");
        assertThat(direct.role()).isEqualTo("OWNER");

        ConversationSummary leftGroup = list.get(2);
        assertThat(leftGroup.active()).isFalse();
        assertThat(leftGroup.lastSeq()).isEqualTo(4);
        assertThat(leftGroup.unread()).isEqualTo(4);
        assertThat(leftGroup.lastMessagePreview()).isEqualTo("bye soon");
    }

    @Test
    void shouldAnswerOneMembershipWithTheSameLineAsTheList() {
        // Given alice's stored conversations
        List<ConversationSummary> list = repository.conversations("alice", 10);

        // When one membership is read by its key
        // Then it equals the list's line; a former member's line is inactive; a stranger has none
        for (ConversationSummary line : list) {
            assertThat(repository.membership("alice", line.conversationId())).contains(line);
        }
        assertThat(repository.membership("alice", "group-left")).get().extracting(ConversationSummary::active).isEqualTo(false);
        assertThat(repository.membership("mallory", "direct-ab")).isEmpty();
    }

    @Test
    void shouldNeverMoveAReadPositionBackwards() {
        // Given alice read the direct chat up to 3
        // When a stale read position (2) arrives late
        TestStore.write(writer.statementsFor(readUpTo("alice", 999, "direct-ab", 2, 3),
                EVENTS.bytes(readUpTo("alice", 999, "direct-ab", 2, 3))));

        // Then the read position stays at 3
        ConversationSummary direct = repository.conversations("alice", 50).stream()
                .filter(c -> c.conversationId().equals("direct-ab")).findFirst().orElseThrow();
        assertThat(direct.readSeq()).isEqualTo(3);
    }

    @Test
    void shouldRemoveThePreviewOfARecalledLastMessage() {
        // When carol, still a member, lists her conversations
        ConversationSummary group = repository.conversations("carol", 10).get(0);

        // Then the recalled last message shows no preview, while its seq is still known
        assertThat(group.conversationId()).isEqualTo("group-left");
        assertThat(group.lastMessageSeq()).isEqualTo(5L);
        assertThat(group.lastMessagePreview()).isNull();
        assertThat(group.lastSeq()).isEqualTo(6);
    }

    private static void log(ConversationEvent event, boolean deliveredToAlice) {
        statements.addAll(writer.statementsFor(event, EVENTS.bytes(event)));
        if (deliveredToAlice) {
            inbox(delivered("alice", ++aliceInbox, event));
        }
    }

    private static void inbox(InboxEntry entry) {
        statements.addAll(writer.statementsFor(entry, EVENTS.bytes(entry)));
    }
}
