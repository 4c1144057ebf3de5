package dev.kchat.routing;

import dev.kchat.events.moderation.UserMute;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;

/** Keeps the global store {@value RoutingApp#MUTES_STORE} equal to {@code moderation.mutes}: a tombstone lifts a mute. */
final class MuteStoreUpdater implements Processor<String, UserMute, Void, Void> {

    private KeyValueStore<String, UserMute> mutes;

    @Override
    public void init(ProcessorContext<Void, Void> context) {
        mutes = context.getStateStore(RoutingApp.MUTES_STORE);
    }

    @Override
    public void process(Record<String, UserMute> record) {
        if (record.value() == null) {
            mutes.delete(record.key());
        } else {
            mutes.put(record.key(), record.value());
        }
    }
}
