package dev.kchat.routing;

import dev.kchat.events.chat.ChatCommand;
import dev.kchat.events.chat.ConversationEvent;
import dev.kchat.events.media.MediaEvent;
import dev.kchat.events.moderation.UserMute;
import dev.kchat.routing.ServerDecision.Write;
import dev.kchat.routing.state.BanState;
import dev.kchat.routing.state.ConversationMeta;
import dev.kchat.routing.state.InviteState;
import dev.kchat.routing.state.MemberState;
import dev.kchat.routing.state.MessageRef;
import dev.kchat.routing.state.OverwriteState;
import dev.kchat.routing.state.SentMessage;
import dev.kchat.routing.state.ServerChannelState;
import dev.kchat.routing.state.ServerMemberState;
import dev.kchat.routing.state.ServerMeta;
import dev.kchat.routing.state.ServerRoleState;
import dev.kchat.routing.state.SnowflakeState;
import dev.kchat.schemas.Snowflake;
import dev.kchat.schemas.topic.Topic;
import dev.kchat.service.tracing.SpanAttributes;
import dev.kchat.streams.RecordValues;
import dev.kchat.streams.StageTracer;
import io.opentelemetry.api.trace.Span;
import java.time.Instant;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
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
 * Decides the commands keyed by a server id (a server's and its channels') with {@link ServerRules}
 * over this task's server stores, applies the writes, then forwards the sequenced events (if any)
 * and the result, all keyed by the server id, with the command's timestamp. The dedupe and message
 * stores are shared with {@link CommandProcessor}, whose punctuator expires their entries for both.
 *
 * <p>Commands are decoded here, not by the source, so a record that does not decode is a failed
 * record of this processor, which the processing exception handler writes to the error topic.
 */
final class ServerCommandProcessor implements Processor<String, byte[], String, SpecificRecord> {

    private static final Logger log = LoggerFactory.getLogger(ServerCommandProcessor.class);
    private static final StringSerializer KEYS = new StringSerializer();

    private final ServerRules rules;
    private final Topic<String, ChatCommand> commands;
    private final Map<String, KeyValueStore<String, SpecificRecord>> stores = new HashMap<>();
    private ProcessorContext<String, SpecificRecord> context;
    private StageTracer stage;
    private ServerState state;
    private ExpirySweep<SentMessage> dedupe;
    private ExpirySweep<MessageRef> messages;
    /** The timestamp of the command being decided: the look-ups judge the windows by it, as the rules do. */
    private long commandTime;

    private final RoutingConfig config;

    ServerCommandProcessor(RoutingConfig config, Topic<String, ChatCommand> commands) {
        this.config = config;
        this.commands = commands;
        this.rules = new ServerRules(config.editWindow(), config.recallWindow());
    }

    /** The stores this processor reads and writes. */
    static String[] storeNames() {
        return new String[] {RoutingApp.SERVERS_STORE, RoutingApp.SERVER_MEMBERS_STORE, RoutingApp.SERVER_ROLES_STORE,
                RoutingApp.SERVER_CHANNELS_STORE, RoutingApp.SERVER_OVERWRITES_STORE, RoutingApp.SERVER_INVITES_STORE,
                RoutingApp.SERVER_BANS_STORE, RoutingApp.SNOWFLAKES_STORE, RoutingApp.DEDUPE_STORE, RoutingApp.MESSAGES_STORE};
    }

    @Override
    public void init(ProcessorContext<String, SpecificRecord> context) {
        this.context = context;
        stage = StageTracer.of(context, "routing.decide");
        for (String name : storeNames()) {
            stores.put(name, context.getStateStore(name));
        }
        dedupe = CommandProcessor.dedupeSweep(context.getStateStore(RoutingApp.DEDUPE_STORE), config);
        messages = CommandProcessor.messageSweep(context.getStateStore(RoutingApp.MESSAGES_STORE), config);
        KeyValueStore<String, UserMute> mutes = context.getStateStore(RoutingApp.MUTES_STORE);
        KeyValueStore<String, MediaEvent> media = context.getStateStore(RoutingApp.MEDIA_STORE);
        int worker = context.taskId().partition() % (Snowflake.MAX_WORKER + 1);
        state = new ServerState() {
            @Override
            public ServerMeta server(String serverId) {
                return get(RoutingApp.SERVERS_STORE, serverId);
            }

            @Override
            public ServerMemberState serverMember(String serverId, String userId) {
                return get(RoutingApp.SERVER_MEMBERS_STORE, StoreKeys.member(serverId, userId));
            }

            @Override
            public Map<String, ServerRoleState> roles(String serverId) {
                return scan(RoutingApp.SERVER_ROLES_STORE, StoreKeys.serverPrefix(serverId), true);
            }

            @Override
            public ServerChannelState channel(String channelId) {
                return get(RoutingApp.SERVER_CHANNELS_STORE, channelId);
            }

            @Override
            public Map<String, ServerChannelState> channels(String serverId) {
                return scan(RoutingApp.SERVER_CHANNELS_STORE, StoreKeys.channelPrefix(serverId), false);
            }

            @Override
            public Map<String, OverwriteState> overwrites(String channelId) {
                return scan(RoutingApp.SERVER_OVERWRITES_STORE, StoreKeys.overwritePrefix(channelId), true);
            }

            @Override
            public InviteState invite(String serverId, String code) {
                return get(RoutingApp.SERVER_INVITES_STORE, StoreKeys.invite(serverId, code));
            }

            @Override
            public BanState ban(String serverId, String userId) {
                return get(RoutingApp.SERVER_BANS_STORE, StoreKeys.member(serverId, userId));
            }

            @Override
            public SnowflakeState snowflake() {
                return get(RoutingApp.SNOWFLAKES_STORE, String.valueOf(worker));
            }

            @Override
            public int worker() {
                return worker;
            }

            @Override
            public ConversationMeta conversation(String conversationId) {
                return null;
            }

            @Override
            public MemberState member(String conversationId, String userId) {
                return null;
            }

            @Override
            public SentMessage sent(String conversationId, String senderId, String clientMsgId) {
                return dedupe.get(StoreKeys.sent(conversationId, senderId, clientMsgId), commandTime);
            }

            @Override
            public MessageRef message(String conversationId, long seq) {
                return messages.get(StoreKeys.message(conversationId, seq), commandTime);
            }

            @Override
            public UserMute mute(String userId) {
                return mutes.get(userId);
            }

            @Override
            public MediaEvent media(String mediaId) {
                return media.get(mediaId);
            }
        };
    }

    /** Decides the command within routing's span (as {@link CommandProcessor} does). */
    @Override
    public void process(Record<String, byte[]> record) {
        stage.trace(record, this::decide);
    }

    private void decide(Record<String, byte[]> record, Span span) {
        ChatCommand command = RecordValues.decode(commands, record);
        commandTime = record.timestamp();
        ServerDecision decision = rules.decide(record.key(), command, Instant.ofEpochMilli(record.timestamp()), state);
        decision.writes().forEach(this::apply);
        if (span.isRecording()) {
            span.setAttribute(SpanAttributes.CONVERSATION_ID, command.getConversationId());
            span.setAttribute(SpanAttributes.COMMAND_ID, command.getCommandId());
            span.setAttribute(SpanAttributes.OUTCOME, CommandProcessor.outcomeLabel(decision.result()));
            decision.events().forEach(event -> span.setAttribute(SpanAttributes.SEQ, event.getSeq()));
        }
        for (ConversationEvent event : decision.events()) {
            context.forward(record.withValue((SpecificRecord) event));
        }
        log.debug("server command {} on {}: {}", command.getCommandId(), record.key(), decision.result().getOutcome());
        context.forward(record.withValue((SpecificRecord) decision.result()));
    }

    private void apply(Write write) {
        KeyValueStore<String, SpecificRecord> store = stores.get(write.store());
        if (write.value() == null) {
            store.delete(write.key());
            return;
        }
        store.put(write.key(), write.value());
    }

    @SuppressWarnings("unchecked")
    private <V> V get(String store, String key) {
        return (V) stores.get(store).get(key);
    }

    /** The entries whose key starts with {@code prefix}, by key (without the prefix if {@code strip}). */
    @SuppressWarnings("unchecked")
    private <V> Map<String, V> scan(String store, String prefix, boolean strip) {
        Map<String, V> out = new LinkedHashMap<>();
        try (KeyValueIterator<String, SpecificRecord> it = stores.get(store).prefixScan(prefix, KEYS)) {
            while (it.hasNext()) {
                KeyValue<String, SpecificRecord> entry = it.next();
                out.put(strip ? entry.key.substring(prefix.length()) : entry.key, (V) entry.value);
            }
        }
        return out;
    }
}
