package dev.kchat.moments;

import dev.kchat.events.chat.InboxEntry;
import dev.kchat.events.social.InteractionKind;
import dev.kchat.events.social.MomentNotification;
import dev.kchat.moments.state.UnreadState;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Per recipient (after the repartition by user, so a user's count lives on one partition whichever
 * author's post the notification came from): numbers each user's unread Moments notifications, the
 * badge each entry carries in {@code MomentNotification.unread}.
 *
 * <ul>
 *   <li>{@code LIKED}, {@code COMMENTED}, {@code REPLIED}: counted once per notification id (a like:
 *       post and liker; a comment or reply: the comment id), and passed on with the new count. One
 *       already counted since the user last read them (a replayed record, a retried request) is
 *       dropped: it is neither counted nor told again.</li>
 *   <li>{@code SEEN}: the user read their notifications; the count goes back to 0 and the entry is
 *       passed on with unread 0, so every device clears the badge.</li>
 * </ul>
 *
 * <p>An entry keyed differently from its user, or with another item, throws (the error topic
 * handler sends it to {@code platform.errors}): only {@link MomentsProcessor} writes this stream.
 */
final class UnreadCounter implements Processor<String, InboxEntry, String, InboxEntry> {

    /** Notification ids remembered per user for replays; an older one replayed counts again. */
    static final int MAX_REMEMBERED = 1_000;

    private static final Logger log = LoggerFactory.getLogger(UnreadCounter.class);

    private ProcessorContext<String, InboxEntry> context;
    private KeyValueStore<String, UnreadState> unread;

    @Override
    public void init(ProcessorContext<String, InboxEntry> context) {
        this.context = context;
        unread = context.getStateStore(MomentsApp.UNREAD_STORE);
    }

    @Override
    public void process(Record<String, InboxEntry> record) {
        InboxEntry entry = record.value();
        String user = entry.getUserId();
        if (!user.equals(record.key()) || !(entry.getItem() instanceof MomentNotification notification)) {
            throw new IllegalArgumentException("Moments notification of " + user + " under key " + record.key()
                    + " with " + entry.getItem().getClass().getSimpleName());
        }
        if (notification.getKind() == InteractionKind.SEEN) {
            unread.put(user, UnreadState.newBuilder().setUserId(user).setUnread(0).setCounted(new ArrayList<>()).build());
            forward(record, entry, notification, 0);
            return;
        }
        UnreadState state = unread.get(user);
        List<String> counted = state == null ? new ArrayList<>() : new ArrayList<>(state.getCounted());
        String id = notificationId(notification);
        if (counted.contains(id)) {
            log.debug("notification {} of {} already counted since they last read them: not told again", id, user);
            return;
        }
        counted.add(id);
        if (counted.size() > MAX_REMEMBERED) {
            counted.remove(0);
        }
        long count = (state == null ? 0 : state.getUnread()) + 1;
        unread.put(user, UnreadState.newBuilder().setUserId(user).setUnread(count).setCounted(counted).build());
        forward(record, entry, notification, count);
    }

    /** A like is one per post and liker; a comment or reply one per comment. */
    static String notificationId(MomentNotification notification) {
        return notification.getKind() == InteractionKind.LIKED
                ? "liked" + MomentsState.KEY_SEPARATOR + notification.getPostId() + MomentsState.KEY_SEPARATOR + notification.getActorId()
                : "comment" + MomentsState.KEY_SEPARATOR + notification.getCommentId();
    }

    private void forward(Record<String, InboxEntry> record, InboxEntry entry, MomentNotification notification, long count) {
        MomentNotification counted = MomentNotification.newBuilder(notification).setUnread(count).build();
        context.forward(record.withValue(InboxEntry.newBuilder(entry).setItem(counted).build()));
    }
}
