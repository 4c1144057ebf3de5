package dev.kchat.routing;

import dev.kchat.events.chat.ChatCommand;
import dev.kchat.events.chat.RedactMessage;
import dev.kchat.events.moderation.ModerationAction;
import dev.kchat.events.moderation.Mute;
import dev.kchat.events.moderation.Redact;
import dev.kchat.events.moderation.Unmute;
import dev.kchat.events.moderation.UserMute;
import dev.kchat.schemas.Ids;
import dev.kchat.schemas.topic.Topic;
import dev.kchat.streams.RecordValues;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;

/**
 * {@code moderation.actions} (from the Flink job or an admin) into what routing enforces: a Mute
 * becomes the user's {@link UserMute} on {@code moderation.mutes} (compacted; routing reads it back
 * as a global store, so every task sees every user's mute), an Unmute a tombstone there, and a Redact
 * a {@code RedactMessage} command on {@code chat.commands}, keyed by its conversation, so the task
 * that owns the conversation sequences the {@code MessageRedacted} like any other event.
 *
 * <p>Emits {@link ChatCommand} (keyed by conversation) or {@link MuteChange} (keyed by user).
 */
final class ModerationRelay implements Processor<String, byte[], String, Object> {

    /** A change of a user's mute: the new mute, or null when it is lifted. */
    record MuteChange(UserMute mute) {
    }

    private final Topic<String, ModerationAction> actions;
    private ProcessorContext<String, Object> context;

    ModerationRelay(Topic<String, ModerationAction> actions) {
        this.actions = actions;
    }

    /**
     * The actor of a redaction on the log: never a user id (no inbox gets its outcome, and routing
     * refuses redactions by users): {@code admin:<id>} as issued, {@code flink-moderation} as
     * {@code system:flink-moderation}.
     */
    static String actor(String issuedBy) {
        return issuedBy.contains(":") ? issuedBy : "system:" + issuedBy;
    }

    @Override
    public void init(ProcessorContext<String, Object> context) {
        this.context = context;
    }

    @Override
    public void process(Record<String, byte[]> record) {
        ModerationAction action = RecordValues.decode(actions, record);
        Object what = action.getAction();
        if (what instanceof Mute mute) {
            context.forward(record.withKey(action.getUserId()).withValue(new MuteChange(UserMute.newBuilder()
                    .setUserId(action.getUserId())
                    .setUntil(mute.getUntil())
                    .setActionId(action.getActionId())
                    .setIssuedBy(action.getIssuedBy())
                    .setReason(action.getReason())
                    .setIssuedAt(action.getIssuedAt())
                    .build())));
        } else if (what instanceof Unmute) {
            context.forward(record.withKey(action.getUserId()).withValue(new MuteChange(null)));
        } else if (what instanceof Redact redact) {
            ChatCommand command = ChatCommand.newBuilder()
                    .setCommandId("redact:" + action.getActionId())
                    .setConversationId(redact.getConversationId())
                    .setSenderId(actor(action.getIssuedBy()))
                    .setIssuedAt(action.getIssuedAt())
                    .setRequestId(action.getActionId())
                    .setPayload(RedactMessage.newBuilder()
                            .setTargetSeq(redact.getSeq())
                            .setRule(action.getReason())
                            .setVerdictId(action.getVerdictId())
                            .setActionId(action.getActionId())
                            .build())
                    .build();
            // Keyed like every command: a server channel's by its server (Ids.routingKey).
            context.forward(record.withKey(Ids.routingKey(redact.getConversationId())).withValue(command));
        } else {
            throw new IllegalArgumentException("unsupported moderation action " + what.getClass().getSimpleName());
        }
    }
}
