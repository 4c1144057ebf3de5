package dev.kchat.store.write;

import static dev.kchat.store.TestEvents.created;
import static dev.kchat.store.TestEvents.deleted;
import static dev.kchat.store.TestEvents.edited;
import static dev.kchat.store.TestEvents.posted;
import static dev.kchat.store.TestEvents.postedWithAttachment;
import static dev.kchat.store.TestEvents.recalled;
import static dev.kchat.store.TestEvents.redacted;
import static org.assertj.core.api.Assertions.assertThat;

import dev.kchat.events.chat.ConversationEvent;
import dev.kchat.events.chat.ReactionAdded;
import dev.kchat.events.chat.ReactionRemoved;
import dev.kchat.events.common.ConversationKind;
import dev.kchat.store.TestEvents;
import dev.kchat.store.TestStore;
import dev.kchat.store.read.ChatRepository;
import dev.kchat.store.read.HistoryReader;
import dev.kchat.store.read.StoredEvent;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class MessageChangesTest {

    private static final TestEvents EVENTS = new TestEvents();
    private static ChatWriter writer;
    private static ChatRepository repository;

    @BeforeAll
    static void newStore() {
        String keyspace = TestStore.newKeyspace("changes");
        writer = new ChatWriter(TestStore.session(), keyspace);
        repository = new ChatRepository(TestStore.session(), keyspace);
    }

    @Test
    void shouldShowTheEditedBodyAndKeepTheEditAsAnEventWithoutContent() {
        // Given a posted message
        store(created("c-edit", ConversationKind.GROUP, "alice", "bob"), posted("c-edit", 2, "alice", "helo"));

        // When its author edits it
        store(edited("c-edit", 3, "alice", 2, "hello"));

        // Then the message shows the new body, and the edit keeps its seq in history without the text
        StoredEvent message = repository.event("c-edit", 2).orElseThrow();
        assertThat(message.body()).isEqualTo("hello");
        assertThat(message.status()).isEqualTo("EDITED");
        assertThat(message.lastChangeSeq()).isEqualTo(3L);
        assertThat(message.editedAt()).isEqualTo(TestEvents.at(3));
        StoredEvent edit = repository.event("c-edit", 3).orElseThrow();
        assertThat(edit.eventType()).isEqualTo("MessageEdited");
        assertThat(edit.targetSeq()).isEqualTo(2L);
        assertThat(edit.body()).isNull();
        assertThat(edit.event()).isNull();
    }

    @Test
    void shouldRemoveTheContentOfARecalledMessageForGoodEvenIfALaterEditOrAReplayArrives() {
        // Given a message with a mention and an attachment, recalled by its author
        store(created("c-recall", ConversationKind.GROUP, "alice", "bob"),
                postedWithAttachment("c-recall", 2, "alice", "oops"),
                recalled("c-recall", 3, "alice", 2));

        // When an edit with a higher seq and a replay of the original post arrive afterwards
        store(edited("c-recall", 4, "alice", 2, "back again?"), postedWithAttachment("c-recall", 2, "alice", "oops"));

        // Then the message stays recalled: no body, no mentions, no attachments, no event bytes
        StoredEvent message = repository.event("c-recall", 2).orElseThrow();
        assertThat(message.status()).isEqualTo("RECALLED");
        assertThat(message.body()).isNull();
        assertThat(message.mentions()).isEmpty();
        assertThat(message.attachments()).isEmpty();
        assertThat(message.event()).isNull();
        assertThat(message.lastChangeSeq()).isEqualTo(3L);
        assertThat(message.messageId()).isEqualTo("m-c-recall-2");
    }

    @Test
    void shouldCountReactionsPerEmojiAndConvergeWhateverTheOrderOfAddsAndRemovals() {
        // Given a message
        store(created("c-react", ConversationKind.GROUP, "alice", "bob", "carol"), posted("c-react", 2, "alice", "party?"));

        // When bob and carol react, bob takes his back, and the add is replayed after the removal
        ConversationEvent bobAdds = TestEvents.event("c-react", 3, "bob", ReactionAdded.newBuilder().setTargetSeq(2).setEmoji("🎉").build());
        ConversationEvent carolAdds = TestEvents.event("c-react", 4, "carol", ReactionAdded.newBuilder().setTargetSeq(2).setEmoji("🎉").build());
        ConversationEvent carolThumbs = TestEvents.event("c-react", 5, "carol", ReactionAdded.newBuilder().setTargetSeq(2).setEmoji("👍").build());
        ConversationEvent bobRemoves = TestEvents.event("c-react", 6, "bob", ReactionRemoved.newBuilder().setTargetSeq(2).setEmoji("🎉").build());
        store(bobAdds, carolAdds, carolThumbs, bobRemoves);
        store(bobAdds, carolAdds);

        // Then a history page shows one 🎉 and one 👍 on the message, nothing on other events
        List<StoredEvent> page = repository.history("c-react", HistoryReader.Direction.AFTER, 0, 10, HistoryReader.Order.OLDEST_FIRST).events();
        assertThat(page.get(1).seq()).isEqualTo(2);
        assertThat(page.get(1).reactions()).containsExactlyInAnyOrderEntriesOf(Map.of("🎉", 1, "👍", 1));
        assertThat(page.get(0).reactions()).isEmpty();
        assertThat(page.get(2).reactions()).isEmpty();
    }

    @Test
    void shouldStoreMentionsAndAttachmentsOfAPostedMessage() {
        // When a message with a reply, a mention and an attachment is stored
        store(created("c-attach", ConversationKind.GROUP, "alice", "bob"), postedWithAttachment("c-attach", 2, "alice", "look"));

        // Then all of them read back
        StoredEvent message = repository.event("c-attach", 2).orElseThrow();
        assertThat(message.replyToSeq()).isEqualTo(1L);
        assertThat(message.mentions()).containsExactly("bob");
        assertThat(message.attachments()).containsExactly(
                new StoredEvent.StoredAttachment("https://objects/a.jpg", "image/jpeg", 1234, "a.jpg", null, null, null));
    }

    @Test
    void shouldRecordTheRuleOfARedactionAndLetALaterRedactionWinOverADeletion() {
        // Given two messages
        store(created("c-redact", ConversationKind.GROUP, "alice", "bob"),
                posted("c-redact", 2, "bob", "spam"), posted("c-redact", 3, "bob", "more spam"));

        // When moderation redacts them (one after its author deleted it)
        store(deleted("c-redact", 4, "bob", 2), redacted("c-redact", 5, 2, "spam-burst"),
                redacted("c-redact", 6, 3, "sensitive-words"));

        // Then both are redacted with their rule, and their text is gone
        assertThat(repository.event("c-redact", 2).orElseThrow())
                .extracting(StoredEvent::status, StoredEvent::redactionRule, StoredEvent::body)
                .containsExactly("REDACTED", "spam-burst", null);
        assertThat(repository.event("c-redact", 3).orElseThrow())
                .extracting(StoredEvent::status, StoredEvent::redactionRule, StoredEvent::body)
                .containsExactly("REDACTED", "sensitive-words", null);
    }

    @Test
    void shouldConvergeWhenAnEditIsStoredBeforeTheMessageItEdits() {
        // Given an edit that reaches the store before its message (concurrent writes of one batch)
        store(edited("c-order", 5, "alice", 4, "final text"));

        // When the message itself is stored
        store(created("c-order", ConversationKind.DIRECT, "alice", "bob"), posted("c-order", 4, "alice", "first text"));

        // Then the message has the edited body: the higher seq wins whatever the arrival order
        StoredEvent message = repository.event("c-order", 4).orElseThrow();
        assertThat(message.body()).isEqualTo("final text");
        assertThat(message.status()).isEqualTo("EDITED");
        assertThat(message.eventType()).isEqualTo("MessagePosted");
    }

    private static void store(ConversationEvent... events) {
        TestStore.write(Arrays.stream(events).flatMap(e -> writer.statementsFor(e, EVENTS.bytes(e)).stream()).toList());
    }
}
