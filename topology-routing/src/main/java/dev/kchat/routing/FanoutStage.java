package dev.kchat.routing;

import dev.kchat.events.chat.BroadcastEntry;
import dev.kchat.events.chat.InboxEntry;
import dev.kchat.events.chat.Receipt;
import dev.kchat.events.push.PushCandidate;
import dev.kchat.schemas.Ids;
import dev.kchat.schemas.topic.Topic;
import dev.kchat.schemas.topic.Topics;
import java.util.ArrayList;
import java.util.List;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.kstream.Branched;
import org.apache.kafka.streams.kstream.BranchedKStream;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;

/**
 * Routing's fan-out stage (issue 12's plan, docs/plans/issue-12-one-less-hop.md): {@link ConversationFanout} after the command processor,
 * {@link ReceiptProcessor} over {@code chat.receipts} (conversation keys; a server's receipts stay
 * fanout's until the plan's phase 2) with routing's conversations through {@link MemberStoreLookup},
 * the four {@code routing-receipt-*} stores, and sinks to {@code chat.inbox.unsequenced},
 * {@code chat.broadcast} and {@code push.candidates}. The receipt processor shares the conversation stores with the command
 * processor, so Kafka Streams puts {@code chat.receipts} into the commands' sub-topology: one task owns
 * a conversation's commands and receipts (the two topics are co-partitioned).
 *
 * <p>Store and node names are constants: they name changelog topics, which must not change.
 */
final class FanoutStage {

    /** conversation|user -> {@code ReceiptPosition}: read and delivered seqs of each member. */
    static final String RECEIPT_POSITIONS_STORE = "routing-receipt-positions";
    /** conversation|19-digit seq -> author of that message, for the last {@code fanout.receipts.window} seqs. */
    static final String RECEIPT_WINDOW_STORE = "routing-receipt-window";
    /** conversation|author -> {@code AuthorStatus}: the author's latest message and its delivered/read counts. */
    static final String RECEIPT_AUTHORS_STORE = "routing-receipt-authors";
    /** conversation|author -> itself: the authors whose counts await the status flush; in memory, no changelog. */
    static final String RECEIPT_UNREPORTED_STORE = "routing-receipt-unreported";
    static final ReceiptStores RECEIPT_STORES = new ReceiptStores(RECEIPT_POSITIONS_STORE, RECEIPT_WINDOW_STORE,
            RECEIPT_AUTHORS_STORE, RECEIPT_UNREPORTED_STORE);

    static final String FANOUT_PROCESSOR = "routing-fanout";
    static final String RECEIPTS_SOURCE = "routing-receipts-source";
    static final String RECEIPT_PROCESSOR = "routing-receipts";
    static final String UNSEQUENCED_SINK = "routing-unsequenced-sink";
    static final String BROADCAST_SINK = "routing-broadcast-sink";
    static final String PUSH_CANDIDATES_SINK = "routing-push-candidates-sink";

    private FanoutStage() {
    }

    /**
     * Adds the stores, chains the fan-out after the conversation decisions and merges the receipt
     * outputs: returns what goes on to the output split (events, results, entries, broadcasts).
     */
    static KStream<String, SpecificRecord> attach(StreamsBuilder builder, KStream<String, SpecificRecord> decided,
            RoutingFanoutConfig config, Topics topics) {
        RECEIPT_STORES.addTo(builder);
        Topic<String, Receipt> receipts = topics.receipts();
        KStream<String, SpecificRecord> fromReceipts = builder
                .stream(receipts.name(), Consumed.with(receipts.keySerde(), Serdes.ByteArray()).withName(RECEIPTS_SOURCE))
                .filterNot((key, value) -> Ids.isServer(key), Named.as("routing-conversation-receipt-records"))
                .process(() -> new ReceiptProcessor(receipts, RECEIPT_STORES, MemberStoreLookup::new, config.receiptsPerRecipientMax(),
                        config.receiptsWindow(), config.receiptsStatusInterval()), Named.as(RECEIPT_PROCESSOR), stageStores());
        return decided
                .process(() -> new ConversationFanout(config), Named.as(FANOUT_PROCESSOR), stageStores())
                .merge(fromReceipts, Named.as("routing-fanout-and-receipts"));
    }

    /** The sinks of the entries, broadcasts and push candidates, as three more branches of the output split. */
    static BranchedKStream<String, SpecificRecord> addSinks(BranchedKStream<String, SpecificRecord> outputs, Topics topics) {
        Topic<String, InboxEntry> unsequenced = topics.inboxUnsequenced();
        Topic<String, BroadcastEntry> broadcast = topics.broadcast();
        Topic<String, PushCandidate> candidates = topics.pushCandidates();
        return outputs
                .branch((key, out) -> out instanceof InboxEntry, Branched.withConsumer(entries -> entries
                        .mapValues(out -> (InboxEntry) out, Named.as("routing-as-entry"))
                        .to(unsequenced.name(), Produced.with(unsequenced.keySerde(), unsequenced.valueSerde()).withName(UNSEQUENCED_SINK)),
                        "unsequenced"))
                .branch((key, out) -> out instanceof BroadcastEntry, Branched.withConsumer(large -> large
                        .mapValues(out -> (BroadcastEntry) out, Named.as("routing-as-broadcast"))
                        .to(broadcast.name(), Produced.with(broadcast.keySerde(), broadcast.valueSerde()).withName(BROADCAST_SINK)),
                        "broadcast"))
                .branch((key, out) -> out instanceof PushCandidate, Branched.withConsumer(pushes -> pushes
                        .mapValues(out -> (PushCandidate) out, Named.as("routing-as-push-candidate"))
                        .to(candidates.name(), Produced.with(candidates.keySerde(), candidates.valueSerde()).withName(PUSH_CANDIDATES_SINK)),
                        "push-candidates"));
    }

    /** The stores both processors of the stage use: the conversations, their members and the receipt stores. */
    private static String[] stageStores() {
        List<String> names = new ArrayList<>(List.of(RoutingApp.CONVERSATIONS_STORE, RoutingApp.MEMBERS_STORE));
        names.addAll(List.of(RECEIPT_STORES.names()));
        return names.toArray(String[]::new);
    }
}
