package dev.kchat.fanout;

import dev.kchat.events.chat.CommandResult;
import dev.kchat.routing.InboxOutcomes;
import dev.kchat.schemas.topic.Topic;
import dev.kchat.streams.RecordValues;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;

/**
 * {@code chat.command.results} to the sender's inbox: each rejection and each repeated command
 * becomes an unsequenced inbox entry for its sender (see {@link InboxOutcomes}), numbered by the inbox
 * sequencer like every other entry, so all the sender's devices get it, also after reconnecting.
 * First-time acceptances pass: their event reports them.
 */
final class OutcomeProcessor implements Processor<String, byte[], String, SpecificRecord> {

    private final Topic<String, CommandResult> results;
    private ProcessorContext<String, SpecificRecord> context;

    OutcomeProcessor(Topic<String, CommandResult> results) {
        this.results = results;
    }

    @Override
    public void init(ProcessorContext<String, SpecificRecord> context) {
        this.context = context;
    }

    @Override
    public void process(Record<String, byte[]> record) {
        CommandResult result = RecordValues.decode(results, record);
        if (InboxOutcomes.needsEntry(result)) {
            context.forward(record.withKey(result.getSenderId()).withValue((SpecificRecord) InboxOutcomes.entry(result)));
        }
    }
}
