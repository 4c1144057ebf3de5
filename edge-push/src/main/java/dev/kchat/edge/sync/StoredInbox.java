package dev.kchat.edge.sync;

import dev.kchat.events.chat.InboxEntry;
import dev.kchat.schemas.topic.Topic;
import dev.kchat.store.read.ChatRepository;
import dev.kchat.store.read.StoredInboxEntry;
import dev.kchat.store.read.SyncPage;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/** A user's inbox as the store has it (written by the sink shortly after Kafka), decoded. Blocking. */
public final class StoredInbox {

    /** Entries read per store query. */
    public static final int PAGE = 200;

    /**
     * @param entries ascending by inbox seq
     * @param head    the newest inbox seq the store knows for the user (0 if none)
     * @param hasMore entries after this page exist
     */
    public record Page(List<InboxEntry> entries, long head, boolean hasMore) {
    }

    private final ChatRepository repository;
    private final Topic<String, InboxEntry> inbox;

    public StoredInbox(ChatRepository repository, Topic<String, InboxEntry> inbox) {
        this.repository = repository;
        this.inbox = inbox;
    }

    /** The user's entries after {@code afterInboxSeq}, at most {@link #PAGE}. */
    public Page after(String userId, long afterInboxSeq) {
        SyncPage page = repository.sync(userId, afterInboxSeq, PAGE);
        List<InboxEntry> entries = new ArrayList<>(page.entries().size());
        page.entries().forEach(e -> entries.add(decode(e)));
        return new Page(entries, page.latestInboxSeq(), page.hasMore());
    }

    private InboxEntry decode(StoredInboxEntry stored) {
        ByteBuffer copy = stored.entry().duplicate();
        byte[] bytes = new byte[copy.remaining()];
        copy.get(bytes);
        return inbox.valueSerde().deserializer().deserialize(inbox.name(), bytes);
    }
}
