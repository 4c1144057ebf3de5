package dev.kchat.routing;

import dev.kchat.events.media.MediaEvent;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;

/** Keeps the latest {@code media.events} record per media id in the global store {@value RoutingApp#MEDIA_STORE}. */
final class MediaStoreUpdater implements Processor<String, MediaEvent, Void, Void> {

    private KeyValueStore<String, MediaEvent> media;

    @Override
    public void init(ProcessorContext<Void, Void> context) {
        media = context.getStateStore(RoutingApp.MEDIA_STORE);
    }

    @Override
    public void process(Record<String, MediaEvent> record) {
        if (record.value() == null) {
            media.delete(record.key());
        } else {
            media.put(record.key(), record.value());
        }
    }
}
