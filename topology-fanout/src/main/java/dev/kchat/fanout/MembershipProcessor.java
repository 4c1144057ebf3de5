package dev.kchat.fanout;

import dev.kchat.events.chat.BroadcastEntry;
import dev.kchat.events.chat.ConversationCreated;
import dev.kchat.events.chat.ConversationEvent;
import dev.kchat.events.chat.InboxEntry;
import dev.kchat.events.chat.MemberLeft;
import dev.kchat.events.chat.OwnershipTransferred;
import dev.kchat.events.chat.RoleChanged;
import dev.kchat.events.common.ConversationKind;
import dev.kchat.events.common.Member;
import dev.kchat.events.common.MemberRole;
import dev.kchat.fanout.state.Roster;
import dev.kchat.routing.Fanout;
import dev.kchat.routing.InboxOutcomes;
import dev.kchat.routing.ReceiptLedger;
import dev.kchat.routing.Receipts;
import dev.kchat.schemas.topic.Topic;
import dev.kchat.service.tracing.SpanAttributes;
import dev.kchat.streams.RecordValues;
import dev.kchat.streams.StageTracer;
import io.opentelemetry.api.trace.Span;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Per conversation (the log is keyed by conversation): keeps the members from the log itself and
 * decides who gets each event. Because membership changes are events of the same log, the members
 * read here when the event at seq N arrives are exactly the members as of N: joiners are added
 * before their MemberJoined is delivered, leavers removed after their MemberLeft is.
 *
 * <p>Emits, keyed by user, one unsequenced {@link InboxEntry} ({@code inbox_seq} 0) per recipient,
 * for the per-user sub-topology to number; and, keyed by conversation, a {@link BroadcastEntry} for
 * read-diffused conversations, with the acceptance of the command for its actor's inbox (which does not
 * get the broadcast; see {@link InboxOutcomes}). Events at or below the last applied seq are replays and are skipped,
 * so a re-delivered log record never reaches an inbox twice.
 *
 * <p>Also keeps the receipt state in step with the log ({@link ReceiptLedger#onLogEvent}): the window
 * of recent messages and their authors, joiners' and leavers' read positions.
 */
final class MembershipProcessor implements Processor<String, byte[], String, SpecificRecord> {

    private static final Logger log = LoggerFactory.getLogger(MembershipProcessor.class);
    private static final StringSerializer KEYS = new StringSerializer();

    private final Topic<String, ConversationEvent> conversationLog;
    private final int threshold;
    private final int perRecipientMax;
    private final int receiptWindow;
    private ProcessorContext<String, SpecificRecord> context;
    private KeyValueStore<String, Roster> rosters;
    private KeyValueStore<String, String> members;
    private ReceiptLedger receipts;
    private StageTracer stage;

    MembershipProcessor(Topic<String, ConversationEvent> conversationLog, int threshold, int perRecipientMax, int receiptWindow) {
        this.conversationLog = conversationLog;
        this.threshold = threshold;
        this.perRecipientMax = perRecipientMax;
        this.receiptWindow = receiptWindow;
    }

    @Override
    public void init(ProcessorContext<String, SpecificRecord> context) {
        this.context = context;
        stage = StageTracer.of(context, "fanout.conversation");
        rosters = context.getStateStore(FanoutApp.CONVERSATIONS_STORE);
        members = context.getStateStore(FanoutApp.MEMBERS_STORE);
        receipts = new ReceiptLedger(context, FanoutApp.RECEIPT_STORES, receiptWindow);
    }

    /** Fans the event out within fanout's conversation span: routing's child, the inbox stage's parent. */
    @Override
    public void process(Record<String, byte[]> record) {
        stage.trace(record, this::fanOut);
    }

    private void fanOut(Record<String, byte[]> record, Span span) {
        ConversationEvent event = RecordValues.decode(conversationLog, record);
        String conversationId = event.getConversationId();
        long seq = event.getSeq();
        Object payload = event.getPayload();
        Roster roster = rosters.get(conversationId);
        if (roster == null && !(payload instanceof ConversationCreated)) {
            throw new IllegalStateException("event at seq " + seq + " of " + conversationId + " before its ConversationCreated");
        }
        if (roster != null && seq <= roster.getLastSeq()) {
            log.debug("skipping replayed event {}#{} (last applied {})", conversationId, seq, roster.getLastSeq());
            return;
        }
        if (roster != null && seq != roster.getLastSeq() + 1) {
            log.warn("gap in {}: seq {} follows {}", conversationId, seq, roster.getLastSeq());
        }
        ConversationKind kind = roster == null
                ? ((ConversationCreated) payload).getKind()
                : ConversationKind.valueOf(roster.getKind());
        int before = roster == null ? 0 : roster.getMemberCount();

        List<Member> joining = new ArrayList<>();
        for (Member m : Fanout.incoming(payload)) {
            if (members.get(memberKey(conversationId, m.getUserId())) == null) {
                joining.add(m);
            }
        }
        boolean broadcast = Fanout.readDiffused(kind, before + joining.size(), threshold);
        Set<String> recipients;
        if (broadcast) {
            recipients = Fanout.broadcastRecipients(payload, user -> members.get(memberKey(conversationId, user)) != null);
        } else {
            recipients = currentMembers(conversationId);
            joining.forEach(m -> recipients.add(m.getUserId()));
        }

        if (span.isRecording()) {
            span.setAttribute(SpanAttributes.CONVERSATION_ID, conversationId);
            span.setAttribute(SpanAttributes.SEQ, seq);
            span.setAttribute(SpanAttributes.RECIPIENTS, (long) recipients.size());
        }
        int after = applyMembership(conversationId, payload, joining, before);
        rosters.put(conversationId, Roster.newBuilder().setKind(kind.name()).setMemberCount(after).setLastSeq(seq).build());
        receipts.onLogEvent(conversationId, roster == null ? 0 : roster.getLastSeq(), seq, event.getActorId(), payload, joining,
                !Receipts.perRecipient(kind, after, perRecipientMax));

        for (KeyValue<String, SpecificRecord> out : Fanout.deliveries(event, recipients, broadcast, after)) {
            context.forward(record.withKey(out.key).withValue(out.value));
        }
    }

    /** Applies the event's membership change to the store; returns the member count after it. */
    private int applyMembership(String conversationId, Object payload, List<Member> joining, int before) {
        int count = before;
        for (Member m : joining) {
            members.put(memberKey(conversationId, m.getUserId()), m.getRole().name());
            count++;
        }
        if (payload instanceof MemberLeft left && members.delete(memberKey(conversationId, left.getUserId())) != null) {
            count--;
        } else if (payload instanceof RoleChanged changed) {
            members.put(memberKey(conversationId, changed.getUserId()), changed.getRole().name());
        } else if (payload instanceof OwnershipTransferred transferred) {
            members.put(memberKey(conversationId, transferred.getPreviousOwnerId()), MemberRole.ADMIN.name());
            members.put(memberKey(conversationId, transferred.getNewOwnerId()), MemberRole.OWNER.name());
        }
        return count;
    }

    /** Members of a (small) conversation in user id order. */
    private Set<String> currentMembers(String conversationId) {
        Set<String> users = new LinkedHashSet<>();
        String prefix = conversationId + FanoutApp.KEY_SEPARATOR;
        try (KeyValueIterator<String, String> it = members.prefixScan(prefix, KEYS)) {
            it.forEachRemaining(kv -> users.add(kv.key.substring(prefix.length())));
        }
        return users;
    }

    static String memberKey(String conversationId, String userId) {
        return conversationId + FanoutApp.KEY_SEPARATOR + userId;
    }
}
