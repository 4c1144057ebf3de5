package dev.kchat.edge.sync;

import dev.kchat.events.chat.InboxEntry;
import java.util.List;

/** What the {@link CatchUpDriver} drives: a device connection with an {@link InboxCursor}. */
public interface ReplayTarget {

    String userId();

    boolean isClosed();

    /** See {@link InboxCursor#lastWritten()}. */
    long lastWritten();

    /** See {@link InboxCursor#newestKnown()}. */
    long newestKnown();

    /** See {@link InboxCursor#applyReplay}; thread-safe. */
    InboxCursor.Step applyReplay(List<InboxEntry> page, boolean storeHasMore, long storeHead);

    /** Sends a frame to the device. */
    void send(String frame);

    /** Closes the connection with a code; idempotent. */
    void close(int code, String reason);

    /** Closes a device that does not read what it is written (4008). */
    void cutOffSlow();
}
