package dev.kchat.store.read;

import java.util.List;

/**
 * A page of history.
 *
 * @param events in the order asked for, contiguous in seq as far as the store has them
 * @param hasMore whether more events lie beyond this page in the direction read
 */
public record HistoryPage(List<StoredEvent> events, boolean hasMore) {

    public HistoryPage {
        events = List.copyOf(events);
    }
}
