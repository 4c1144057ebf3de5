package dev.kchat.routing;

import dev.kchat.events.chat.CommandResult;
import dev.kchat.events.chat.ConversationEvent;
import dev.kchat.events.chat.MemberLeft;
import dev.kchat.events.common.ConversationKind;
import dev.kchat.events.common.Member;
import dev.kchat.events.push.PushCandidate;
import dev.kchat.routing.state.ConversationMeta;
import dev.kchat.routing.state.MemberState;
import dev.kchat.service.tracing.SpanAttributes;
import dev.kchat.streams.StageTracer;
import io.opentelemetry.api.trace.Span;
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

/**
 * Routing's fan-out stage (issue 12's plan, docs/plans/issue-12-one-less-hop.md), chained after {@link CommandProcessor} in the same task: passes the decided event and result on
 * unchanged and adds, keyed by user, one unsequenced {@code InboxEntry} ({@code inbox_seq} 0) per
 * recipient for fanout's inbox sequencer, and, keyed by conversation, a {@code BroadcastEntry} for
 * read-diffused conversations with the acceptance for its actor's inbox ({@link InboxOutcomes}); a
 * refusal or a repeat becomes an entry for its sender ({@link InboxOutcomes#needsEntry}). In a
 * read-diffused group of at most {@code fanout.push.candidates.max.members} members, a message or a
 * removal of one also makes a {@code PushCandidate} per member for the push decider
 * ({@link PushCandidates}), keyed by user. Also keeps
 * the receipt state in step with the conversation ({@link ReceiptLedger#onLogEvent}).
 *
 * <p>It reads the state <em>after</em> the decision (the command processor applies its changes
 * before forwarding), so "the members as of seq N" are the members in {@code routing-members} now,
 * plus the leaver of a {@code MemberLeft} (who gets their own leave); joiners are in the store
 * already. The order of the recipients is fanout's: members by id, the leaver among them, joiners
 * last in the event's order. Read diffusion is decided on the members as of the event, the leaver
 * still counted ({@link Fanout#readDiffused}); a broadcast carries the count after it. No replay
 * check: there is no log input, and routing's dedupe keeps a retried command from making a second event.
 *
 * <p>Tracing: the span {@code fanout.conversation} (a child of {@code routing.decide}), parent of the
 * entries and broadcasts. The event goes on to the log before the span writes its context into the
 * record's headers, so the log write stays {@code routing.decide}'s child.
 */
final class ConversationFanout implements Processor<String, SpecificRecord, String, SpecificRecord> {

    private static final StringSerializer KEYS = new StringSerializer();

    private final RoutingFanoutConfig config;
    private ProcessorContext<String, SpecificRecord> context;
    private KeyValueStore<String, ConversationMeta> conversations;
    private KeyValueStore<String, MemberState> members;
    private ReceiptLedger receipts;
    private StageTracer stage;

    ConversationFanout(RoutingFanoutConfig config) {
        this.config = config;
    }

    @Override
    public void init(ProcessorContext<String, SpecificRecord> context) {
        this.context = context;
        stage = StageTracer.of(context, "fanout.conversation");
        conversations = context.getStateStore(RoutingApp.CONVERSATIONS_STORE);
        members = context.getStateStore(RoutingApp.MEMBERS_STORE);
        receipts = new ReceiptLedger(context, FanoutStage.RECEIPT_STORES, config.receiptsWindow());
    }

    @Override
    public void process(Record<String, SpecificRecord> record) {
        SpecificRecord value = record.value();
        // A copy (its own headers) goes on, before the span below writes into this record's headers.
        context.forward(record.withValue(value));
        if (value instanceof ConversationEvent event) {
            stage.trace(record, (traced, span) -> fanOut(traced, event, span));
        } else if (value instanceof CommandResult result && InboxOutcomes.needsEntry(result)) {
            context.forward(record.withKey(result.getSenderId()).withValue((SpecificRecord) InboxOutcomes.entry(result)));
        }
    }

    private void fanOut(Record<String, SpecificRecord> record, ConversationEvent event, Span span) {
        String conversationId = event.getConversationId();
        long seq = event.getSeq();
        Object payload = event.getPayload();
        ConversationMeta meta = conversations.get(conversationId);
        if (meta == null) {
            throw new IllegalStateException("event at seq " + seq + " of " + conversationId + " without its conversation");
        }
        ConversationKind kind = ConversationKind.valueOf(meta.getKind());
        int after = meta.getMemberCount();
        String leaver = payload instanceof MemberLeft left ? left.getUserId() : null;
        // Routing puts only new members into a creation or a join.
        List<Member> joining = Fanout.incoming(payload);
        boolean broadcast = Fanout.readDiffused(kind, after + (leaver == null ? 0 : 1), config.broadcastThreshold());
        Set<String> recipients = broadcast
                ? Fanout.broadcastRecipients(payload, user -> members.get(StoreKeys.member(conversationId, user)) != null)
                : membersAsOf(conversationId, joining, leaver);
        if (span.isRecording()) {
            span.setAttribute(SpanAttributes.CONVERSATION_ID, conversationId);
            span.setAttribute(SpanAttributes.SEQ, seq);
            span.setAttribute(SpanAttributes.RECIPIENTS, (long) recipients.size());
        }
        receipts.onLogEvent(conversationId, seq - 1, seq, event.getActorId(), payload, joining,
                !Receipts.perRecipient(kind, after, config.receiptsPerRecipientMax()));
        for (KeyValue<String, SpecificRecord> out : Fanout.deliveries(event, recipients, broadcast, after)) {
            context.forward(record.withKey(out.key).withValue(out.value));
        }
        if (PushCandidates.wanted(kind, broadcast, after, config.pushCandidatesMaxMembers())) {
            PushCandidate template = PushCandidates.template(event);
            if (template != null) {
                sendPushCandidates(record, event, template, recipients);
            }
        }
    }

    /**
     * One {@link PushCandidate} per member who gets neither the event in their inbox nor is its actor,
     * keyed by user, members by id; the members are read as the inbox recipients are, by a scan of
     * {@code routing-members}, and no set of them is built.
     */
    private void sendPushCandidates(Record<String, SpecificRecord> record, ConversationEvent event, PushCandidate template,
            Set<String> inboxRecipients) {
        String prefix = event.getConversationId() + StoreKeys.SEPARATOR;
        try (KeyValueIterator<String, MemberState> it = members.prefixScan(prefix, KEYS)) {
            while (it.hasNext()) {
                String userId = it.next().key.substring(prefix.length());
                if (PushCandidates.receives(userId, event, inboxRecipients)) {
                    context.forward(record.withKey(userId).withValue((SpecificRecord) PushCandidates.forMember(template, userId)));
                }
            }
        }
    }

    /**
     * The members as of the event, from the state after it: the members by id (the leaver of a
     * {@code MemberLeft} among them), then the joiners in the event's order.
     */
    private Set<String> membersAsOf(String conversationId, List<Member> joining, String leaver) {
        Set<String> joiners = new LinkedHashSet<>();
        joining.forEach(m -> joiners.add(m.getUserId()));
        Set<String> users = new LinkedHashSet<>();
        boolean leaverPlaced = leaver == null;
        String prefix = conversationId + StoreKeys.SEPARATOR;
        try (KeyValueIterator<String, MemberState> it = members.prefixScan(prefix, KEYS)) {
            while (it.hasNext()) {
                String userId = it.next().key.substring(prefix.length());
                if (!leaverPlaced && leaver.compareTo(userId) < 0) {
                    users.add(leaver);
                    leaverPlaced = true;
                }
                if (!joiners.contains(userId)) {
                    users.add(userId);
                }
            }
        }
        if (!leaverPlaced) {
            users.add(leaver);
        }
        users.addAll(joiners);
        return users;
    }
}
