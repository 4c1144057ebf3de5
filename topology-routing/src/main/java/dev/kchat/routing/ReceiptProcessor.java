package dev.kchat.routing;

import dev.kchat.events.chat.DeliveryStatus;
import dev.kchat.events.chat.InboxEntry;
import dev.kchat.events.chat.MessageStatusChanged;
import dev.kchat.events.chat.ReadPositionChanged;
import dev.kchat.events.chat.Receipt;
import dev.kchat.events.chat.ReadUpTo;
import dev.kchat.events.chat.CommandResult;
import dev.kchat.routing.Receipts.Covered;
import dev.kchat.routing.Receipts.Position;
import dev.kchat.routing.Receipts.WindowEntry;
import dev.kchat.routing.state.AuthorStatus;
import dev.kchat.schemas.topic.Topic;
import dev.kchat.streams.RecordValues;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.metrics.Sensor;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessingContext;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Per conversation ({@code chat.receipts} is keyed and partitioned like the log, and this processor
 * shares the stores of the processor that applies the log, so one task sees a conversation's messages
 * and receipts): moves each member's read and delivered positions and tells users about it through
 * their inboxes. The conversations come from a {@link ConversationLookup} over the owning app's stores,
 * the receipt state from its {@link ReceiptStores} (see {@link ReceiptLedger}).
 *
 * <ul>
 *   <li>A read move of user U to S: one {@link ReadPositionChanged} to U ({@code unread = last - S}),
 *       which every device of U gets, so reading on one device clears the badge on the others.</li>
 *   <li>Direct chats and small groups: every author X (X != U) whose messages the move covers gets
 *       one {@link MessageStatusChanged} {@code {up_to_seq, DELIVERED|READ, by_user_id = U}}.</li>
 *   <li>Larger groups: per author, the number of members who have the author's latest message
 *       delivered and read; a wall-clock punctuator sends each changed count at most once per
 *       interval, so thousands of readers do not storm the author.</li>
 * </ul>
 *
 * <p>Every output is an unsequenced {@link InboxEntry} keyed by user, numbered downstream by
 * the inbox sequencer like any other entry. Receipts at or below the current position (duplicates,
 * replays, a stale device) change nothing and emit nothing. A receipt for an unknown conversation or
 * from a non-member is dropped (debug log, metric {@code dropped-total}): not a processing failure; a
 * refused read ({@code ReadUpTo}) is also answered to the reader's inbox ({@link InboxOutcomes}).
 * A receipt that cannot be decoded or is invalid is thrown to the error topic handler.
 */
public final class ReceiptProcessor implements Processor<String, byte[], String, SpecificRecord> {

    /** Metric scope: group {@code stream-kchat-receipts-metrics}. */
    public static final String METRICS_SCOPE = "kchat-receipts";
    public static final String DROPPED_NOT_A_MEMBER = "not-a-member";
    public static final String DROPPED_UNKNOWN_CONVERSATION = "unknown-conversation";

    private static final Logger log = LoggerFactory.getLogger(ReceiptProcessor.class);

    private final Topic<String, Receipt> receipts;
    private final ReceiptStores stores;
    private final Function<ProcessingContext, ConversationLookup> lookup;
    private final int perRecipientMax;
    private final int windowSize;
    private final Duration statusInterval;
    private ProcessorContext<String, SpecificRecord> context;
    private ConversationLookup conversations;
    private ReceiptLedger ledger;
    private Sensor droppedNotAMember;
    private Sensor droppedUnknownConversation;

    /**
     * @param stores the owning app's receipt stores (the processor must be connected to them)
     * @param lookup opens the conversation lookup over the task's stores (connected as well)
     */
    public ReceiptProcessor(Topic<String, Receipt> receipts, ReceiptStores stores,
            Function<ProcessingContext, ConversationLookup> lookup, int perRecipientMax, int windowSize,
            Duration statusInterval) {
        this.receipts = receipts;
        this.stores = stores;
        this.lookup = lookup;
        this.perRecipientMax = perRecipientMax;
        this.windowSize = windowSize;
        this.statusInterval = statusInterval;
    }

    @Override
    public void init(ProcessorContext<String, SpecificRecord> context) {
        this.context = context;
        conversations = lookup.apply(context);
        ledger = new ReceiptLedger(context, stores, windowSize);
        ledger.indexUnreported();
        droppedNotAMember = context.metrics().addRateTotalSensor(METRICS_SCOPE, DROPPED_NOT_A_MEMBER, "dropped",
                Sensor.RecordingLevel.INFO);
        droppedUnknownConversation = context.metrics().addRateTotalSensor(METRICS_SCOPE, DROPPED_UNKNOWN_CONVERSATION,
                "dropped", Sensor.RecordingLevel.INFO);
        // Wall clock, not stream time: counts must go out while receipts keep arriving and also
        // when they stop (stream time only advances with new records).
        context.schedule(statusInterval, PunctuationType.WALL_CLOCK_TIME, this::flushCounts);
    }

    @Override
    public void process(Record<String, byte[]> record) {
        Receipt receipt = RecordValues.decode(receipts, record);
        String conversationId = receipt.getConversationId();
        String userId = receipt.getUserId();
        if (!conversationId.equals(record.key())) {
            // A receipt under another key may sit on a partition whose task does not own the conversation.
            throw new IllegalArgumentException("receipt of " + conversationId + " under key " + record.key());
        }
        ConversationLookup.Conversation conversation = conversations.find(conversationId);
        if (conversation == null) {
            droppedUnknownConversation.record();
            log.debug("dropping receipt of {} for unknown conversation {}", userId, conversationId);
            refuseRead(record, receipt, InboxOutcomes.CONVERSATION_NOT_FOUND, "conversation " + conversationId + " does not exist");
            return;
        }
        if (!conversations.isMember(conversationId, userId)) {
            droppedNotAMember.record();
            log.debug("dropping receipt of non-member {} in {}", userId, conversationId);
            refuseRead(record, receipt, InboxOutcomes.NOT_A_MEMBER, userId + " is not a member of " + conversationId);
            return;
        }
        long lastSeq = conversation.lastSeq();
        Position before = ledger.position(conversationId, userId);
        Position after = Receipts.apply(before, receipt.getReceipt(), lastSeq);
        if (after.equals(before)) {
            log.debug("receipt of {} in {} changes nothing (read {}, delivered {})", userId, conversationId,
                    before.read(), before.delivered());
            return;
        }
        ledger.putPosition(conversationId, userId, after);
        Instant at = Instant.ofEpochMilli(record.timestamp());
        if (after.readMoved(before)) {
            forward(record, userId, conversationId, at, ReadPositionChanged.newBuilder()
                    .setConversationId(conversationId)
                    .setReadSeq(after.read())
                    .setUnread(Receipts.unread(lastSeq, after.read()))
                    .build());
        }
        boolean perRecipient = Receipts.perRecipient(conversation.kind(), conversation.memberCount(), perRecipientMax);
        List<WindowEntry> moved = new ArrayList<>();
        for (long[] range : Receipts.movedRanges(before, after)) {
            moved.addAll(ledger.entries(conversationId, range[0], range[1]));
        }
        Map<String, Covered> covered = Receipts.covered(moved, userId, before, after);
        for (Map.Entry<String, Covered> e : covered.entrySet()) {
            String authorId = e.getKey();
            Covered c = e.getValue();
            boolean member = conversations.isMember(conversationId, authorId);
            updateCounts(conversationId, authorId, before, after, !perRecipient && member);
            if (perRecipient && member) {
                // READ subsumes DELIVERED: a read move covers every message its delivered move covers.
                boolean read = c.readUpTo() > 0;
                forward(record, authorId, conversationId, at, MessageStatusChanged.newBuilder()
                        .setConversationId(conversationId)
                        .setUpToSeq(read ? c.readUpTo() : c.deliveredUpTo())
                        .setStatus(read ? DeliveryStatus.READ : DeliveryStatus.DELIVERED)
                        .setByUserId(userId)
                        .setDeliveredCount(0)
                        .setReadCount(0)
                        .build());
            }
        }
    }

    /**
     * Counts are kept in every conversation (so a group growing past the per-recipient limit reports
     * correct counts at once), but only marked for the flush where they are reported.
     */
    private void updateCounts(String conversationId, String authorId, Position before, Position after, boolean report) {
        AuthorStatus status = ledger.author(conversationId, authorId);
        if (status == null) {
            return;
        }
        long latest = status.getLatestSeq();
        boolean read = latest > before.read() && Receipts.reached(latest, after.read(), after.joined());
        boolean delivered = latest > before.delivered() && Receipts.reached(latest, after.delivered(), after.joined());
        if (!read && !delivered) {
            return;
        }
        ledger.putAuthor(conversationId, authorId, AuthorStatus.newBuilder(status)
                .setReadCount(status.getReadCount() + (read ? 1 : 0))
                .setDeliveredCount(status.getDeliveredCount() + (delivered ? 1 : 0))
                .setUnreported(status.getUnreported() || report)
                .build());
    }

    /** Sends each author whose counts changed since the last run one status with the current counts. */
    private void flushCounts(long now) {
        Instant at = Instant.ofEpochMilli(now);
        int sent = 0;
        for (String[] unreported : ledger.unreported()) {
            String conversationId = unreported[0];
            String authorId = unreported[1];
            AuthorStatus status = ledger.takeUnreported(conversationId, authorId);
            if (status == null || !conversations.isMember(conversationId, authorId)) {
                continue;
            }
            forward(new Record<>(authorId, null, now), authorId, conversationId, at, MessageStatusChanged.newBuilder()
                    .setConversationId(conversationId)
                    .setUpToSeq(status.getLatestSeq())
                    .setStatus(Receipts.countsStatus(status.getDeliveredCount(), status.getReadCount()))
                    .setByUserId(null)
                    .setDeliveredCount(status.getDeliveredCount())
                    .setReadCount(status.getReadCount())
                    .build());
            sent++;
        }
        if (sent > 0) {
            log.debug("sent {} coalesced status counts", sent);
        }
    }

    /**
     * Tells the reader's devices that a read was refused. A Delivered receipt from a non-member is
     * dropped quietly: a member who just left still acknowledges the entries they had.
     */
    private void refuseRead(Record<?, ?> cause, Receipt receipt, String code, String reason) {
        if (receipt.getReceipt() instanceof ReadUpTo read && dev.kchat.schemas.Ids.isUserId(receipt.getUserId())) {
            CommandResult refused = InboxOutcomes.readRefused(receipt.getConversationId(), receipt.getUserId(), receipt.getDeviceId(),
                    read, Instant.ofEpochMilli(cause.timestamp()), code, reason);
            context.forward(new Record<String, SpecificRecord>(receipt.getUserId(), InboxOutcomes.entry(refused), cause.timestamp(),
                    cause.headers()));
        }
    }

    private void forward(Record<?, ?> cause, String userId, String conversationId, Instant at, Object item) {
        context.forward(new Record<String, SpecificRecord>(userId, InboxEntry.newBuilder()
                .setUserId(userId)
                .setInboxSeq(0)
                .setConversationId(conversationId)
                .setConvSeq(null)
                .setCreatedAt(at)
                .setItem(item)
                .build(), cause.timestamp(), cause.headers()));
    }
}
