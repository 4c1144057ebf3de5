package dev.kchat.fanout;

import dev.kchat.events.chat.InboxEntry;
import dev.kchat.events.social.MomentNotification;
import dev.kchat.schemas.topic.Topic;
import dev.kchat.streams.RecordValues;
import java.util.function.Predicate;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;

/**
 * A topic of unsequenced inbox entries (inbox_seq 0, keyed by recipient) into users' inboxes: this
 * intake decodes each entry and passes it to {@link InboxSequencer}, which numbers the entries of both
 * topics in one sequence per user, so the sequence is never forked. An entry that is already numbered,
 * keyed by another user than its own, or of an item the topic does not carry goes to the error topic.
 *
 * <p>Two topics, keyed by user and co-partitioned: {@code moments.notifications}
 * ({@link #momentNotifications}: the Moments app's {@code MomentNotification} entries only) and
 * {@code chat.inbox.unsequenced} ({@link #conversationEntries}: every item a conversation produces,
 * written by routing's fan-out stage, whose dedupe is the replay guard, and by this app's server stage).
 */
final class UnsequencedIntake implements Processor<String, byte[], String, InboxEntry> {

    private final Topic<String, InboxEntry> topic;
    private final Predicate<Object> takesItem;
    private final String items;
    private ProcessorContext<String, InboxEntry> context;

    private UnsequencedIntake(Topic<String, InboxEntry> topic, Predicate<Object> takesItem, String items) {
        this.topic = topic;
        this.takesItem = takesItem;
        this.items = items;
    }

    /** The Moments app's notifications: {@code MomentNotification} items only. */
    static UnsequencedIntake momentNotifications(Topic<String, InboxEntry> notifications) {
        return new UnsequencedIntake(notifications, MomentNotification.class::isInstance, "MomentNotification entries");
    }

    /** Conversation entries (events, statuses, read positions, outcomes): any item but a {@code MomentNotification}. */
    static UnsequencedIntake conversationEntries(Topic<String, InboxEntry> entries) {
        return new UnsequencedIntake(entries, item -> !(item instanceof MomentNotification), "conversation entries");
    }

    @Override
    public void init(ProcessorContext<String, InboxEntry> context) {
        this.context = context;
    }

    @Override
    public void process(Record<String, byte[]> record) {
        InboxEntry entry = RecordValues.decode(topic, record);
        if (!entry.getUserId().equals(record.key())) {
            throw new IllegalArgumentException("entry for " + entry.getUserId() + " under key " + record.key() + " on " + topic.name());
        }
        if (entry.getInboxSeq() != 0 || !takesItem.test(entry.getItem())) {
            throw new IllegalArgumentException(topic.name() + " takes unsequenced " + items + " only, got inbox_seq "
                    + entry.getInboxSeq() + " with " + entry.getItem().getClass().getSimpleName());
        }
        context.forward(record.withValue(entry));
    }
}
