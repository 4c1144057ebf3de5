package dev.kchat.routing;

import dev.kchat.events.chat.ChatCommand;
import dev.kchat.events.chat.CommandAccepted;
import dev.kchat.events.chat.CommandRejected;
import dev.kchat.events.chat.CommandResult;
import dev.kchat.events.media.MediaEvent;
import dev.kchat.events.moderation.UserMute;
import dev.kchat.routing.Decision.Change;
import dev.kchat.routing.Decision.DeleteMember;
import dev.kchat.routing.Decision.DeleteMessage;
import dev.kchat.routing.Decision.PutConversation;
import dev.kchat.routing.Decision.PutMember;
import dev.kchat.routing.Decision.PutMessage;
import dev.kchat.routing.Decision.PutSent;
import dev.kchat.routing.state.ConversationMeta;
import dev.kchat.routing.state.MemberState;
import dev.kchat.routing.state.MessageRef;
import dev.kchat.routing.state.SentMessage;
import dev.kchat.schemas.topic.Topic;
import dev.kchat.service.tracing.SpanAttributes;
import dev.kchat.streams.RecordValues;
import dev.kchat.streams.StageTracer;
import io.opentelemetry.api.trace.Span;
import java.time.Instant;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decodes each command, decides it with {@link CommandRules} over this task's stores, applies the state
 * changes, then forwards the sequenced event (if any) and the result, both keyed by conversation
 * and stamped with the command's timestamp. A wall-clock punctuator prunes the de-duplication
 * entries older than the dedupe window and the message references older than the retention, each with
 * an {@link ExpirySweep} (no index: a walk over the store); until the walk reaches an expired entry,
 * the look-ups treat it as gone (judged by the command's timestamp), so the windows hold exactly. The task's server commands
 * ({@link ServerCommandProcessor}) use the same two stores and are pruned by the same punctuator.
 *
 * <p>Commands arrive as bytes and are decoded here rather than by the source: a record that does
 * not decode is then a processing failure of that record, which the processing exception handler
 * writes to the error topic within the task's transaction. (Under exactly-once, records returned by
 * the deserialization handler were not produced in our tests with Kafka Streams 4.3.)
 */
final class CommandProcessor implements Processor<String, byte[], String, SpecificRecord> {

    private static final Logger log = LoggerFactory.getLogger(CommandProcessor.class);

    private final CommandRules rules;
    private final RoutingConfig config;
    private final Topic<String, ChatCommand> commands;
    private ProcessorContext<String, SpecificRecord> context;
    private KeyValueStore<String, ConversationMeta> conversations;
    private KeyValueStore<String, MemberState> members;
    private KeyValueStore<String, SentMessage> dedupe;
    private KeyValueStore<String, MessageRef> messages;
    private ExpirySweep<SentMessage> dedupeSweep;
    private ExpirySweep<MessageRef> messageSweep;
    /** The timestamp of the command being decided: the look-ups judge the windows by it, as the rules do. */
    private long commandTime;
    private KeyValueStore<String, UserMute> mutes;
    private KeyValueStore<String, MediaEvent> media;
    private RoutingState state;
    private StageTracer stage;

    CommandProcessor(RoutingConfig config, Topic<String, ChatCommand> commands) {
        this.config = config;
        this.commands = commands;
        this.rules = new CommandRules(config.editWindow(), config.recallWindow());
    }

    @Override
    public void init(ProcessorContext<String, SpecificRecord> context) {
        this.context = context;
        stage = StageTracer.of(context, "routing.decide");
        conversations = context.getStateStore(RoutingApp.CONVERSATIONS_STORE);
        members = context.getStateStore(RoutingApp.MEMBERS_STORE);
        dedupe = context.getStateStore(RoutingApp.DEDUPE_STORE);
        messages = context.getStateStore(RoutingApp.MESSAGES_STORE);
        dedupeSweep = dedupeSweep(dedupe, config);
        messageSweep = messageSweep(messages, config);
        mutes = context.getStateStore(RoutingApp.MUTES_STORE);
        media = context.getStateStore(RoutingApp.MEDIA_STORE);
        state = new RoutingState() {
            @Override
            public ConversationMeta conversation(String conversationId) {
                return conversations.get(conversationId);
            }

            @Override
            public MemberState member(String conversationId, String userId) {
                return members.get(StoreKeys.member(conversationId, userId));
            }

            @Override
            public SentMessage sent(String conversationId, String senderId, String clientMsgId) {
                return dedupeSweep.get(StoreKeys.sent(conversationId, senderId, clientMsgId), commandTime);
            }

            @Override
            public MessageRef message(String conversationId, long seq) {
                return messageSweep.get(StoreKeys.message(conversationId, seq), commandTime);
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
        context.schedule(config.cleanupInterval(), PunctuationType.WALL_CLOCK_TIME, this::cleanup);
    }

    /** Decides the command within routing's span: the child of the door's, the parent of what it forwards. */
    @Override
    public void process(Record<String, byte[]> record) {
        stage.trace(record, this::decide);
    }

    private void decide(Record<String, byte[]> record, Span span) {
        ChatCommand command = RecordValues.decode(commands, record);
        commandTime = record.timestamp();
        Decision decision = rules.decide(record.key(), command, Instant.ofEpochMilli(record.timestamp()), state);
        decision.changes().forEach(this::apply);
        if (span.isRecording()) {
            span.setAttribute(SpanAttributes.CONVERSATION_ID, record.key());
            span.setAttribute(SpanAttributes.COMMAND_ID, command.getCommandId());
            span.setAttribute(SpanAttributes.OUTCOME, outcomeLabel(decision.result()));
            if (decision.event() != null) {
                span.setAttribute(SpanAttributes.SEQ, decision.event().getSeq());
            }
        }
        if (decision.event() != null) {
            context.forward(record.withValue((SpecificRecord) decision.event()));
        }
        log.debug("command {} on {}: {}", command.getCommandId(), record.key(), decision.result().getOutcome());
        context.forward(record.withValue((SpecificRecord) decision.result()));
    }

    /** A decision as the span says it: {@code accepted}, {@code duplicate} or {@code rejected:<code>}. */
    static String outcomeLabel(CommandResult result) {
        Object outcome = result.getOutcome();
        return outcome instanceof CommandRejected rejected ? "rejected:" + rejected.getCode()
                : outcome instanceof CommandAccepted accepted && accepted.getDuplicate() ? "duplicate" : "accepted";
    }

    private void apply(Change change) {
        if (change instanceof PutConversation c) {
            conversations.put(c.conversationId(), c.meta());
        } else if (change instanceof PutMember c) {
            members.put(StoreKeys.member(c.conversationId(), c.userId()), c.member());
        } else if (change instanceof DeleteMember c) {
            members.delete(StoreKeys.member(c.conversationId(), c.userId()));
        } else if (change instanceof PutSent c) {
            dedupe.put(StoreKeys.sent(c.conversationId(), c.senderId(), c.clientMsgId()), c.sent());
        } else if (change instanceof PutMessage c) {
            messages.put(StoreKeys.message(c.conversationId(), c.seq()), c.message());
        } else if (change instanceof DeleteMessage c) {
            messages.delete(StoreKeys.message(c.conversationId(), c.seq()));
        }
    }

    private void cleanup(long wallClockMillis) {
        int sent = dedupeSweep.run(wallClockMillis);
        int refs = messageSweep.run(wallClockMillis);
        if (sent > 0 || refs > 0) {
            log.debug("task {}: expired {} dedupe entries and {} message references", context.taskId(), sent, refs);
        }
    }

    /** The dedupe store's sweep: a client_msg_id lives for the dedupe window after it was recorded. */
    static ExpirySweep<SentMessage> dedupeSweep(KeyValueStore<String, SentMessage> store, RoutingConfig config) {
        return new ExpirySweep<>(store, sent -> sent.getRecordedAt().toEpochMilli(), config.dedupeWindow(), config.cleanupInterval());
    }

    /** The message store's sweep: a message reference lives for the retention after it was posted. */
    static ExpirySweep<MessageRef> messageSweep(KeyValueStore<String, MessageRef> store, RoutingConfig config) {
        return new ExpirySweep<>(store, message -> message.getPostedAt().toEpochMilli(), config.messageRetention(), config.cleanupInterval());
    }
}
