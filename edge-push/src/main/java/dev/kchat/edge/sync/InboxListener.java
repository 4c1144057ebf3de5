package dev.kchat.edge.sync;

import dev.kchat.events.chat.InboxEntry;

/** Something on this edge waiting for a user's live inbox entries: a WebSocket session or a long poll. */
public interface InboxListener {

    String userId();

    /** Called on the consumer thread for every live entry of the user, in inbox order; must not block. */
    void onLive(InboxEntry entry);

    /** The user's partition moved to another edge; called on the consumer thread; must not block. */
    void onPartitionLost();
}
