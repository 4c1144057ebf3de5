package dev.kchat.bench.faults;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kchat.bench.ConversationsApi;
import dev.kchat.bench.DeliveryLedger;
import java.util.HashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads back, over the HTTP API, every member's whole inbox ({@code GET /v1/sync} from SyncKey 0) and
 * every conversation's whole history ({@code GET /v1/conversations/{id}/messages}, oldest first), and
 * compares them with what the load was acknowledged: acknowledged messages missing (lost) or present
 * twice (duplicated) in an inbox or a history, a sender's messages out of their send order, and gaps
 * (or repeats) in the inbox seqs and in the conversation seqs. Built fresh for each pass (the loss and
 * duplicate accounting is {@link DeliveryLedger}'s: inbox recipients are users, history recipients are
 * conversations).
 */
final class ConsistencyCheck {

    private static final Logger log = LoggerFactory.getLogger(ConsistencyCheck.class);
    private static final int PAGE = 200;

    /** One pass's verdict. */
    record Report(long acked, long refused, long gaveUp, long inboxEntries, long inboxOutcomes, long inboxLost, long inboxDuplicates,
            long inboxOutOfOrder, long inboxGaps, long historyEvents, long historyLost, long historyDuplicates,
            long historyOutOfOrder, long historyGaps) {

        boolean clean() {
            return inboxLost == 0 && inboxDuplicates == 0 && inboxOutOfOrder == 0 && inboxGaps == 0
                    && historyLost == 0 && historyDuplicates == 0 && historyOutOfOrder == 0 && historyGaps == 0;
        }
    }

    private final ConversationsApi api;
    private final FaultWorld world;
    private final AckedLoad load;
    private final String tag;

    ConsistencyCheck(ConversationsApi api, FaultWorld world, AckedLoad load, String tag) {
        this.api = api;
        this.world = world;
        this.load = load;
        this.tag = tag;
    }

    Report run() {
        DeliveryLedger inboxes = ledger(world.users(), g -> world.members(g));
        DeliveryLedger histories = ledger(world.groups(), g -> new int[] {g});
        Counts inbox = new Counts();
        for (int u = 0; u < world.users(); u++) {
            readInbox(u, inboxes, inbox);
        }
        Counts history = new Counts();
        for (int g = 0; g < world.groups(); g++) {
            readHistory(g, histories, history);
        }
        DeliveryLedger.Reconciliation i = inboxes.reconcile();
        DeliveryLedger.Reconciliation h = histories.reconcile();
        return new Report(load.count(AckedLoad.Outcome.ACKED), load.count(AckedLoad.Outcome.REFUSED),
                load.count(AckedLoad.Outcome.GAVE_UP), inbox.entries, inbox.outcomes, i.lost(), i.duplicates(), inbox.outOfOrder, inbox.gaps,
                history.entries, h.lost(), h.duplicates(), history.outOfOrder, history.gaps);
    }

    /** A ledger where every acknowledged message is expected at the recipients of its sender's group. */
    private DeliveryLedger ledger(int recipients, java.util.function.IntFunction<int[]> recipientsOfGroup) {
        DeliveryLedger ledger = new DeliveryLedger(tag, recipients, load.messages());
        int[] conversationOfGroup = new int[world.groups()];
        for (int g = 0; g < world.groups(); g++) {
            conversationOfGroup[g] = ledger.conversation(recipientsOfGroup.apply(g));
        }
        for (int id = 0; id < load.messages(); id++) {
            int group = world.groupOf(id % world.senders());
            ledger.newMessage(conversationOfGroup[group], 0);
            if (load.outcome(id) != AckedLoad.Outcome.ACKED) {
                ledger.sendFailed(id);
            }
        }
        return ledger;
    }

    /** Seq gaps, order violations and entries of one kind of read. */
    private static final class Counts {
        long entries;
        /** Command outcomes in the inbox (a repeat of a retried send that had reached Kafka before a crash, ...). */
        long outcomes;
        long outOfOrder;
        long gaps;

        /** A seq after {@code previous}: anything but previous + 1 is a gap (or a repeat). */
        void seq(long previous, long seq) {
            if (seq != previous + 1) {
                gaps += Math.max(1, Math.abs(seq - previous - 1));
            }
        }
    }

    private void readInbox(int user, DeliveryLedger ledger, Counts counts) {
        String token = world.token(FaultWorld.user(user));
        Map<Integer, Integer> lastIdBySender = new HashMap<>();
        long since = 0;
        boolean more = true;
        while (more) {
            JsonNode page = api.get(token, "/v1/sync?since=" + since + "&limit=" + PAGE).join();
            for (JsonNode entry : page.path("entries")) {
                long seq = entry.path("inbox_seq").asLong();
                counts.seq(since, seq);
                since = Math.max(since, seq);
                counts.entries++;
                if (entry.path("item").path("type").asText().equals("CommandResult")) {
                    counts.outcomes++;
                }
                JsonNode payload = entry.path("item").path("payload");
                if (payload.path("type").asText().equals("MessagePosted")) {
                    message(payload.path("client_msg_id").asText(), user, ledger, counts, lastIdBySender);
                }
            }
            more = page.path("has_more").asBoolean() && page.path("entries").size() > 0;
        }
    }

    private void readHistory(int group, DeliveryLedger ledger, Counts counts) {
        String conversation = world.conversation(group);
        String token = world.token(FaultWorld.user(world.members(group)[0]));
        Map<Integer, Integer> lastIdBySender = new HashMap<>();
        long after = 0;
        boolean more = true;
        while (more) {
            JsonNode page = api.get(token, "/v1/conversations/" + conversation + "/messages?after=" + after
                    + "&order=oldest&limit=" + PAGE).join();
            for (JsonNode event : page.path("events")) {
                long seq = event.path("seq").asLong();
                counts.seq(after, seq);
                after = Math.max(after, seq);
                counts.entries++;
                if (event.path("event_type").asText().equals("MessagePosted")) {
                    message(event.path("client_msg_id").asText(), group, ledger, counts, lastIdBySender);
                }
            }
            more = page.path("has_more").asBoolean() && page.path("events").size() > 0;
        }
    }

    /** A message of this run seen by a reader: a delivery for the ledger, and its sender's order checked. */
    private void message(String clientMsgId, int reader, DeliveryLedger ledger, Counts counts, Map<Integer, Integer> lastIdBySender) {
        if (!clientMsgId.startsWith(tag + "-")) {
            return;
        }
        int id = Integer.parseInt(clientMsgId.substring(tag.length() + 1));
        if (!ledger.delivered(reader, clientMsgId, System.nanoTime())) {
            return; // a repeat (counted by the ledger) says nothing more about order
        }
        int sender = id % world.senders();
        Integer last = lastIdBySender.put(sender, id);
        if (last != null && id < last) {
            counts.outOfOrder++;
            log.warn("reader {} saw message {} of sender {} after its later message {}", reader, id, sender, last);
        }
    }
}
