package dev.kchat.edge.sync;

import dev.kchat.events.chat.InboxEntry;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/** A fixed-size ring of the newest inbox entries this edge consumed, searchable by user. Thread-safe. */
final class RecentEntries {

    private final InboxEntry[] ring;
    private int next;

    RecentEntries(int capacity) {
        this.ring = new InboxEntry[capacity];
    }

    synchronized void add(InboxEntry entry) {
        ring[next] = entry;
        next = (next + 1) % ring.length;
    }

    /** The user's remembered entries, in inbox order. */
    synchronized List<InboxEntry> forUser(String userId) {
        List<InboxEntry> out = new ArrayList<>();
        for (InboxEntry e : ring) {
            if (e != null && e.getUserId().equals(userId)) {
                out.add(e);
            }
        }
        out.sort(Comparator.comparingLong(InboxEntry::getInboxSeq));
        return out;
    }
}
