package dev.kchat.fanout;

import dev.kchat.events.chat.CommandResult;
import dev.kchat.events.chat.ConversationEvent;
import dev.kchat.events.chat.InboxEntry;
import dev.kchat.events.chat.MessagePosted;
import dev.kchat.events.chat.RoleAssigned;
import dev.kchat.events.chat.RoleUnassigned;
import dev.kchat.events.chat.ServerBroadcast;
import dev.kchat.events.chat.ServerCreated;
import dev.kchat.events.chat.ServerMemberJoined;
import dev.kchat.events.chat.ServerMemberLeft;
import dev.kchat.fanout.state.ChannelReadPosition;
import dev.kchat.fanout.state.ChannelState;
import dev.kchat.fanout.state.ServerState;
import dev.kchat.routing.InboxOutcomes;
import dev.kchat.schemas.Ids;
import dev.kchat.schemas.topic.Topic;
import dev.kchat.service.tracing.SpanAttributes;
import dev.kchat.streams.RecordValues;
import dev.kchat.streams.StageTracer;
import io.opentelemetry.api.trace.Span;
import java.util.LinkedHashSet;
import java.util.Set;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The log of servers and their channels (records keyed by a server id): read diffusion, with mentions
 * written to inboxes.
 *
 * <ul>
 *   <li>Every event, of the server's own log or of a channel's, becomes one {@link ServerBroadcast} on
 *       {@code chat.server.broadcast} (key = the server id); edges deliver it to the connections viewing
 *       the channel (or the server). No member gets a copy of a channel's messages in their inbox.</li>
 *   <li>The server's state (owner, roles, channels, overwrites) and its members with their roles are kept
 *       from the server's log ({@link ServerStates}, {@link FanoutApp#SERVER_MEMBERS_STORE}), so the members
 *       read when an event at server seq N arrives are the members as of N.</li>
 *   <li>A message that mentions users, roles or {@code @everyone} puts a mention entry (the event itself)
 *       into the inbox of each mentioned member who may view the channel ({@link ChannelAccess}), the author
 *       excepted, and counts it in that member's read state ({@link ServerReads}).</li>
 *   <li>The actor of each event gets the acceptance of their command in their inbox (they do not get the
 *       broadcast there); a member whose own membership or roles an event changes gets the event.</li>
 * </ul>
 * Events at or below the last applied seq of their server or channel are replays and are skipped.
 */
final class ServerLogProcessor implements Processor<String, byte[], String, SpecificRecord> {

    private static final Logger log = LoggerFactory.getLogger(ServerLogProcessor.class);
    private static final StringSerializer KEYS = new StringSerializer();

    private final Topic<String, ConversationEvent> conversationLog;
    private ProcessorContext<String, SpecificRecord> context;
    private StageTracer stage;
    private KeyValueStore<String, ServerState> servers;
    private KeyValueStore<String, String> members;
    private KeyValueStore<String, ChannelReadPosition> reads;

    ServerLogProcessor(Topic<String, ConversationEvent> conversationLog) {
        this.conversationLog = conversationLog;
    }

    @Override
    public void init(ProcessorContext<String, SpecificRecord> context) {
        this.context = context;
        stage = StageTracer.of(context, "fanout.server");
        ServerStores stores = ServerStores.of(context);
        servers = stores.servers();
        members = stores.members();
        reads = stores.reads();
    }

    /** Handles the event within fanout's server span: routing's child, the parent of the entries and broadcasts it makes. */
    @Override
    public void process(Record<String, byte[]> record) {
        stage.trace(record, this::fanOut);
    }

    private void fanOut(Record<String, byte[]> record, Span span) {
        ConversationEvent event = RecordValues.decode(conversationLog, record);
        String conversationId = event.getConversationId();
        String serverId = Ids.serverOf(conversationId);
        if (serverId == null || !serverId.equals(record.key())) {
            throw new IllegalArgumentException("event of " + conversationId + " under key " + record.key());
        }
        if (span.isRecording()) {
            span.setAttribute(SpanAttributes.CONVERSATION_ID, conversationId);
            span.setAttribute(SpanAttributes.SEQ, event.getSeq());
        }
        if (conversationId.equals(serverId)) {
            serverEvent(record, serverId, event);
        } else {
            channelEvent(record, serverId, event);
        }
    }

    private void serverEvent(Record<String, byte[]> record, String serverId, ConversationEvent event) {
        long seq = event.getSeq();
        Object payload = event.getPayload();
        ServerState state = servers.get(serverId);
        if (state == null && !(payload instanceof ServerCreated)) {
            throw new IllegalStateException("event at seq " + seq + " of " + serverId + " before its ServerCreated");
        }
        if (state != null && seq <= state.getLastSeq()) {
            log.debug("skipping replayed event {}#{} (last applied {})", serverId, seq, state.getLastSeq());
            return;
        }
        ServerState next = payload instanceof ServerCreated created ? ServerStates.created(event, created)
                : ServerStates.apply(state, seq, payload);
        Set<String> concerned = new LinkedHashSet<>();
        int count = next.getMemberCount();
        if (payload instanceof ServerCreated created) {
            count += join(serverId, created.getOwnerId());
            concerned.add(created.getOwnerId());
        } else if (payload instanceof ServerMemberJoined joined) {
            count += join(serverId, joined.getUserId());
            concerned.add(joined.getUserId());
        } else if (payload instanceof ServerMemberLeft left) {
            if (members.delete(memberKey(serverId, left.getUserId())) != null) {
                count--;
            }
            concerned.add(left.getUserId());
        } else if (payload instanceof RoleAssigned assigned) {
            String roles = members.get(memberKey(serverId, assigned.getUserId()));
            if (roles != null) {
                members.put(memberKey(serverId, assigned.getUserId()), ServerMembers.withRole(roles, assigned.getRoleId()));
            }
            concerned.add(assigned.getUserId());
        } else if (payload instanceof RoleUnassigned unassigned) {
            String roles = members.get(memberKey(serverId, unassigned.getUserId()));
            if (roles != null) {
                members.put(memberKey(serverId, unassigned.getUserId()), ServerMembers.withoutRole(roles, unassigned.getRoleId()));
            }
            concerned.add(unassigned.getUserId());
        }
        servers.put(serverId, ServerState.newBuilder(next).setMemberCount(count).build());
        broadcast(record, serverId, event);
        for (String userId : concerned) {
            deliver(record, userId, event);
        }
        // An actor who gets the event itself (the joiner, the creator) learns the outcome from it.
        accepted(record, event, !concerned.contains(event.getActorId()));
    }

    private void channelEvent(Record<String, byte[]> record, String serverId, ConversationEvent event) {
        String channelId = event.getConversationId();
        long seq = event.getSeq();
        ServerState state = servers.get(serverId);
        if (state == null) {
            throw new IllegalStateException("event at seq " + seq + " of " + channelId + " before its server's ServerCreated");
        }
        ChannelState channel = state.getChannels().get(channelId);
        if (channel == null) {
            // Routing refuses commands in a deleted channel; an event sequenced before the deletion may still
            // arrive after it here only as a replay of an applied seq.
            throw new IllegalStateException("event at seq " + seq + " of " + channelId + ", which " + serverId + " does not have");
        }
        if (seq <= channel.getLastSeq()) {
            log.debug("skipping replayed event {}#{} (last applied {})", channelId, seq, channel.getLastSeq());
            return;
        }
        servers.put(serverId, ServerStates.channelSeen(state, channelId, seq));
        broadcast(record, serverId, event);
        if (event.getPayload() instanceof MessagePosted posted) {
            ChannelAccess access = new ChannelAccess(serverId, state, channelId);
            for (String userId : mentioned(serverId, posted, access)) {
                if (userId.equals(event.getActorId())) {
                    continue;
                }
                reads.put(ServerReads.key(channelId, userId), ServerReads.mentioned(reads.get(ServerReads.key(channelId, userId)), seq));
                deliver(record, userId, event);
            }
            // What one posts oneself is read: the author's unread flag does not rise with it.
            String author = ServerReads.key(channelId, event.getActorId());
            reads.put(author, ServerReads.read(reads.get(author), seq));
        }
        accepted(record, event, true);
    }

    /**
     * The members a message mentions, as routing kept the mentions: named users, holders of named roles,
     * everyone for {@code @everyone}; only current members who may view the channel.
     */
    private Set<String> mentioned(String serverId, MessagePosted posted, ChannelAccess access) {
        Set<String> users = new LinkedHashSet<>();
        for (String userId : posted.getMentions()) {
            String roles = members.get(memberKey(serverId, userId));
            if (roles != null && access.canView(userId, ServerMembers.roles(roles))) {
                users.add(userId);
            }
        }
        if (posted.getMentionEveryone() || !posted.getMentionRoles().isEmpty()) {
            Set<String> mentionedRoles = Set.copyOf(posted.getMentionRoles());
            String prefix = serverId + FanoutApp.KEY_SEPARATOR;
            try (KeyValueIterator<String, String> it = members.prefixScan(prefix, KEYS)) {
                it.forEachRemaining(kv -> {
                    String userId = kv.key.substring(prefix.length());
                    Set<String> roles = ServerMembers.roles(kv.value);
                    boolean hit = posted.getMentionEveryone() || roles.stream().anyMatch(mentionedRoles::contains);
                    if (hit && !users.contains(userId) && access.canView(userId, roles)) {
                        users.add(userId);
                    }
                });
            }
        }
        return users;
    }

    /** Adds a member without roles; 1 if they were not a member yet. */
    private int join(String serverId, String userId) {
        String key = memberKey(serverId, userId);
        if (members.get(key) != null) {
            return 0;
        }
        members.put(key, "");
        return 1;
    }

    private void broadcast(Record<String, byte[]> record, String serverId, ConversationEvent event) {
        context.forward(record.withKey(serverId).withValue((SpecificRecord) ServerBroadcast.newBuilder().setServerId(serverId)
                .setConversationId(event.getConversationId()).setSeq(event.getSeq()).setEvent(event).build()));
    }

    private void deliver(Record<String, byte[]> record, String userId, ConversationEvent event) {
        context.forward(record.withKey(userId).withValue((SpecificRecord) InboxEntry.newBuilder().setUserId(userId).setInboxSeq(0)
                .setConversationId(event.getConversationId()).setConvSeq(event.getSeq()).setCreatedAt(event.getOccurredAt())
                .setItem(event).build()));
    }

    /** The acceptance of the actor's command, for their inbox, unless the event itself goes there. */
    private void accepted(Record<String, byte[]> record, ConversationEvent event, boolean needed) {
        CommandResult accepted = needed ? InboxOutcomes.acceptedFromEvent(event) : null;
        if (accepted != null) {
            context.forward(record.withKey(accepted.getSenderId()).withValue((SpecificRecord) InboxOutcomes.entry(accepted)));
        }
    }

    static String memberKey(String serverId, String userId) {
        return serverId + FanoutApp.KEY_SEPARATOR + userId;
    }
}
