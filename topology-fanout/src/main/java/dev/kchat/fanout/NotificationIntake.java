package dev.kchat.fanout;

import dev.kchat.events.chat.InboxEntry;
import dev.kchat.events.social.MomentNotification;
import dev.kchat.schemas.topic.Topic;
import dev.kchat.streams.RecordValues;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;

/**
 * {@code moments.notifications} into users' inboxes: the Moments app writes unsequenced entries
 * (inbox_seq 0) keyed by recipient, and this intake passes them to the same repartition by user and
 * {@link InboxSequencer} as conversation entries, so one sequencer numbers each inbox and the
 * sequence is never forked. Only {@code MomentNotification} items are taken: anything else would
 * bypass the per-conversation replay check, so it goes to the error topic.
 */
final class NotificationIntake implements Processor<String, byte[], String, SpecificRecord> {

    private final Topic<String, InboxEntry> notifications;
    private ProcessorContext<String, SpecificRecord> context;

    NotificationIntake(Topic<String, InboxEntry> notifications) {
        this.notifications = notifications;
    }

    @Override
    public void init(ProcessorContext<String, SpecificRecord> context) {
        this.context = context;
    }

    @Override
    public void process(Record<String, byte[]> record) {
        InboxEntry entry = RecordValues.decode(notifications, record);
        if (!entry.getUserId().equals(record.key())) {
            throw new IllegalArgumentException("notification for " + entry.getUserId() + " under key " + record.key());
        }
        if (entry.getInboxSeq() != 0 || !(entry.getItem() instanceof MomentNotification)) {
            throw new IllegalArgumentException(notifications.name() + " takes unsequenced MomentNotification entries only, got inbox_seq "
                    + entry.getInboxSeq() + " with " + entry.getItem().getClass().getSimpleName());
        }
        context.forward(record.withValue((SpecificRecord) entry));
    }
}
