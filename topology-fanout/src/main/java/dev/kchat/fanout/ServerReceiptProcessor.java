package dev.kchat.fanout;

import dev.kchat.events.chat.CommandResult;
import dev.kchat.events.chat.InboxEntry;
import dev.kchat.events.chat.ReadPositionChanged;
import dev.kchat.events.chat.ReadUpTo;
import dev.kchat.events.chat.Receipt;
import dev.kchat.fanout.state.ChannelReadPosition;
import dev.kchat.fanout.state.ChannelState;
import dev.kchat.fanout.state.ServerState;
import dev.kchat.routing.InboxOutcomes;
import dev.kchat.schemas.Ids;
import dev.kchat.schemas.topic.Topic;
import dev.kchat.streams.RecordValues;
import java.time.Instant;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Receipts in server channels (records keyed by a server id): a member's read position in a channel.
 * A {@code ReadUpTo} that moves it forward (clamped to the channel's last seq) is kept with the mentions
 * after it ({@link ServerReads}) and goes to every device of the member as a {@link ReadPositionChanged}
 * ({@code unread} = last seq - read seq, {@code mention_count} = the mentions left after it), like a
 * conversation's read position. A read by someone who is not a member, or may not view the channel, is
 * refused to the reader's inbox. {@code Delivered} receipts count for nothing in servers (no per-recipient
 * statuses in read-diffused channels) and are dropped.
 */
final class ServerReceiptProcessor implements Processor<String, byte[], String, SpecificRecord> {

    private static final Logger log = LoggerFactory.getLogger(ServerReceiptProcessor.class);

    private final Topic<String, Receipt> receipts;
    private ProcessorContext<String, SpecificRecord> context;
    private KeyValueStore<String, ServerState> servers;
    private KeyValueStore<String, String> members;
    private KeyValueStore<String, ChannelReadPosition> reads;

    ServerReceiptProcessor(Topic<String, Receipt> receipts) {
        this.receipts = receipts;
    }

    @Override
    public void init(ProcessorContext<String, SpecificRecord> context) {
        this.context = context;
        ServerStores stores = ServerStores.of(context);
        servers = stores.servers();
        members = stores.members();
        reads = stores.reads();
    }

    @Override
    public void process(Record<String, byte[]> record) {
        Receipt receipt = RecordValues.decode(receipts, record);
        if (!(receipt.getReceipt() instanceof ReadUpTo read)) {
            return;
        }
        String channelId = receipt.getConversationId();
        String serverId = Ids.serverOf(channelId);
        if (serverId == null || !serverId.equals(record.key())) {
            throw new IllegalArgumentException("receipt of " + channelId + " under key " + record.key());
        }
        String userId = receipt.getUserId();
        ServerState state = servers.get(serverId);
        ChannelState channel = state == null ? null : state.getChannels().get(channelId);
        if (channel == null) {
            refuse(record, receipt, read, InboxOutcomes.CONVERSATION_NOT_FOUND, "channel " + channelId + " does not exist");
            return;
        }
        String roles = members.get(ServerLogProcessor.memberKey(serverId, userId));
        if (roles == null) {
            refuse(record, receipt, read, InboxOutcomes.NOT_A_MEMBER, userId + " is not a member of " + serverId);
            return;
        }
        if (!new ChannelAccess(serverId, state, channelId).canView(userId, ServerMembers.roles(roles))) {
            refuse(record, receipt, read, "forbidden", userId + " may not view " + channelId);
            return;
        }
        long last = channel.getLastSeq();
        String key = ServerReads.key(channelId, userId);
        ChannelReadPosition before = reads.get(key);
        ChannelReadPosition after = ServerReads.read(before, Math.min(read.getSeq(), last));
        if (after.equals(before) || (before == null && after.getReadSeq() == 0)) {
            log.debug("read of {} in {} at {} changes nothing", userId, channelId, read.getSeq());
            return;
        }
        reads.put(key, after);
        context.forward(new Record<String, SpecificRecord>(userId, InboxEntry.newBuilder().setUserId(userId).setInboxSeq(0)
                .setConversationId(channelId).setConvSeq(null).setCreatedAt(Instant.ofEpochMilli(record.timestamp()))
                .setItem(ReadPositionChanged.newBuilder().setConversationId(channelId).setReadSeq(after.getReadSeq())
                        .setUnread(Math.max(0, last - after.getReadSeq())).setMentionCount(after.getMentionSeqs().size()).build())
                .build(), record.timestamp(), record.headers()));
    }

    private void refuse(Record<String, byte[]> cause, Receipt receipt, ReadUpTo read, String code, String reason) {
        if (!Ids.isUserId(receipt.getUserId())) {
            return;
        }
        CommandResult refused = InboxOutcomes.readRefused(receipt.getConversationId(), receipt.getUserId(), receipt.getDeviceId(), read,
                Instant.ofEpochMilli(cause.timestamp()), code, reason);
        context.forward(new Record<String, SpecificRecord>(receipt.getUserId(), InboxOutcomes.entry(refused), cause.timestamp(), cause.headers()));
    }
}
