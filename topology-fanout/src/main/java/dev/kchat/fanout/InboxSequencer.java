package dev.kchat.fanout;

import dev.kchat.events.chat.ConversationEvent;
import dev.kchat.events.chat.InboxEntry;
import dev.kchat.events.chat.MemberLeft;
import dev.kchat.service.tracing.SpanAttributes;
import dev.kchat.streams.StageTracer;
import io.opentelemetry.api.trace.Span;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Per user (the unsequenced entries of {@code chat.inbox.unsequenced} and {@code moments.notifications},
 * keyed by user): numbers the user's inbox, {@code inbox_seq = last + 1}, gap-free across all their
 * conversations, and emits the entry to {@code chat.inbox}.
 *
 * <p>Under at-least-once it also remembers, per (user, conversation), the last conversation seq
 * delivered: an entry at or below it is a replay (this task crashed after writing the entry's inbox
 * record but before committing its input offset) and gets no second inbox seq. The position is
 * dropped when the user's own MemberLeft is delivered, so the store holds one entry per current
 * membership. Entries without a conversation seq (message statuses, read positions, outcomes) are
 * numbered without that check.
 *
 * <p>Under exactly-once there is no such replay: the inbox seq store, the output and the input offset
 * commit together, and routing writes each event's entries in the transaction that decides it (its
 * dedupe keeps a retried command from making them twice). The guard would cost a changelog record per recipient of every message (a sixth of a
 * message's Kafka records in a group of 10, docs/benchmarks.md) for nothing, so it is off.
 */
final class InboxSequencer implements Processor<String, InboxEntry, String, InboxEntry> {

    private static final Logger log = LoggerFactory.getLogger(InboxSequencer.class);

    private final boolean guardReplays;
    private ProcessorContext<String, InboxEntry> context;
    private KeyValueStore<String, Long> inboxSeqs;
    private KeyValueStore<String, Long> positions;
    private StageTracer stage;

    /** @param guardReplays keep delivered positions and drop replayed entries (at-least-once) */
    InboxSequencer(boolean guardReplays) {
        this.guardReplays = guardReplays;
    }

    @Override
    public void init(ProcessorContext<String, InboxEntry> context) {
        this.context = context;
        stage = StageTracer.of(context, "fanout.inbox");
        inboxSeqs = context.getStateStore(FanoutApp.INBOX_SEQ_STORE);
        positions = context.getStateStore(FanoutApp.POSITIONS_STORE);
    }

    /**
     * Numbers the entry within fanout's inbox span, one per recipient: a child of the span of the stage
     * that wrote it (routing's {@code fanout.conversation} for a conversation's events), the parent of the
     * entry's readers (sink, edge).
     */
    @Override
    public void process(Record<String, InboxEntry> record) {
        stage.trace(record, this::number);
    }

    private void number(Record<String, InboxEntry> record, Span span) {
        InboxEntry entry = record.value();
        String userId = record.key();
        if (!guardReplays || entry.getConvSeq() == null) {
            // Exactly-once, or a status or read position (no conversation seq): replays of its
            // receipt were already dropped upstream, where positions only move forward.
            sequence(record, userId, entry, span);
            return;
        }
        String positionKey = userId + FanoutApp.KEY_SEPARATOR + entry.getConversationId();
        Long delivered = positions.get(positionKey);
        if (delivered != null && entry.getConvSeq() <= delivered) {
            log.debug("skipping replayed entry {}#{} for {} (delivered up to {})", entry.getConversationId(),
                    entry.getConvSeq(), userId, delivered);
            return;
        }
        if (entry.getItem() instanceof ConversationEvent event && event.getPayload() instanceof MemberLeft left
                && left.getUserId().equals(userId)) {
            positions.delete(positionKey);
        } else {
            positions.put(positionKey, entry.getConvSeq());
        }
        sequence(record, userId, entry, span);
    }

    private void sequence(Record<String, InboxEntry> record, String userId, InboxEntry entry, Span span) {
        Long last = inboxSeqs.get(userId);
        long inboxSeq = last == null ? 1 : last + 1;
        inboxSeqs.put(userId, inboxSeq);
        // Numbered in place: the entry was just decoded by the intake and nothing else holds it, and a builder copy would deep-copy the whole event for every recipient.
        entry.setInboxSeq(inboxSeq);
        if (span.isRecording()) {
            span.setAttribute(SpanAttributes.USER_ID, userId);
            span.setAttribute(SpanAttributes.CONVERSATION_ID, entry.getConversationId());
            if (entry.getConvSeq() != null) {
                span.setAttribute(SpanAttributes.SEQ, entry.getConvSeq());
            }
            span.setAttribute(SpanAttributes.INBOX_SEQ, inboxSeq);
        }
        context.forward(record.withValue(entry));
    }
}
