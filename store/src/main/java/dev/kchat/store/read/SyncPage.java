package dev.kchat.store.read;

import java.util.List;

/**
 * The delta of a user's inbox after a given inbox seq.
 *
 * @param entries ascending by inbox seq
 * @param latestInboxSeq the newest inbox seq the store knows for the user (0 if none)
 * @param hasMore whether entries after this page exist: ask again after the last entry's seq
 */
public record SyncPage(List<StoredInboxEntry> entries, long latestInboxSeq, boolean hasMore) {

    public SyncPage {
        entries = List.copyOf(entries);
    }
}
