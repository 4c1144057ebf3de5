package dev.kchat.push.decide;

import dev.kchat.events.chat.InboxEntry;
import dev.kchat.events.presence.SessionEvent;
import dev.kchat.events.push.PushCandidate;
import dev.kchat.events.push.PushKind;
import dev.kchat.events.push.PushPlatform;
import dev.kchat.events.push.PushRequest;
import dev.kchat.events.push.PushSettingsEvent;
import dev.kchat.push.decide.PushRules.Notable;
import dev.kchat.push.state.PendingPush;
import dev.kchat.push.state.PushCursor;
import dev.kchat.push.state.PushDevice;
import dev.kchat.push.state.PushUser;
import dev.kchat.schemas.topic.Topics;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Per user (its four inputs are keyed by user id and co-partitioned): keeps the user's
 * {@link PushUser} from {@code push.settings} and {@code presence.sessions}, moves the user's unread
 * positions by each {@code chat.inbox} entry and {@code push.candidates} record ({@link UnreadPositions}),
 * and decides with {@link PushRules} whether it opens or joins a burst in {@value PushDeciderApp#PENDING_STORE}.
 * A wall-clock punctuator flushes bursts that are due: one {@link PushRequest} per device with a
 * token, unless the user has connected or silenced the conversation meanwhile, or the device is over
 * its rate.
 *
 * <p><b>What an entry writes.</b> Its user's cursor and at most one conversation's position, a few
 * dozen bytes: the {@code PushUser} (devices, sessions, settings) is read only for an entry that
 * deserves a notification and written only when settings, sessions or a device's rate bucket change.
 *
 * <p><b>Once per entry.</b> The user's {@code last_inbox_seq} is kept in the cursor: an entry at or
 * below it is a replay (a restart under at-least-once, a re-read after a rebalance) and changes
 * nothing. A push candidate has no inbox seq: one at or below the last seq its conversation's
 * position has seen is the replay. Under exactly-once (the default) state, output and offsets commit
 * together, so a flushed burst is written once and its pending record deleted in the same transaction.
 *
 * <p>Time is this app's wall clock ({@code currentSystemTimeMs}, moved by the test driver): session
 * liveness, windows and rate buckets are about now, not about when an edge stamped a record.
 */
final class PushDecider implements Processor<String, byte[], String, PushRequest> {

    private final Topics topics;
    private final DeciderConfig config;
    private final DeciderMetrics metrics;
    private ProcessorContext<String, PushRequest> context;
    private KeyValueStore<String, PushUser> users;
    private KeyValueStore<String, PendingPush> pending;
    private UnreadPositions unread;

    PushDecider(Topics topics, DeciderConfig config, DeciderMetrics metrics) {
        this.topics = topics;
        this.config = config;
        this.metrics = metrics;
    }

    @Override
    public void init(ProcessorContext<String, PushRequest> context) {
        this.context = context;
        users = context.getStateStore(PushDeciderApp.USERS_STORE);
        pending = context.getStateStore(PushDeciderApp.PENDING_STORE);
        unread = new UnreadPositions(context.getStateStore(PushDeciderApp.UNREAD_STORE));
        context.schedule(config.punctuateInterval(), PunctuationType.WALL_CLOCK_TIME, this::flushDue);
    }

    @Override
    public void process(Record<String, byte[]> record) {
        // Thrown, not skipped: the processing exception handler writes the record and the cause to
        // the error topic in the task's transaction.
        String topic = context.recordMetadata().map(RecordMetadata::topic).orElse("?");
        if (record.value() == null) {
            throw new IllegalArgumentException(topic + " record with key " + record.key() + " has no value");
        }
        long now = context.currentSystemTimeMs();
        switch (topic) {
            case Topics.INBOX -> onEntry(record.key(), decode(topics.inbox().valueSerde().deserializer().deserialize(topic, record.value()),
                    InboxEntry::getUserId, record.key()), now);
            case Topics.PUSH_CANDIDATES -> onCandidate(record.key(), decode(topics.pushCandidates().valueSerde().deserializer()
                    .deserialize(topic, record.value()), PushCandidate::getUserId, record.key()), now);
            case Topics.PRESENCE_SESSIONS -> {
                SessionEvent event = decode(topics.presenceSessions().valueSerde().deserializer().deserialize(topic, record.value()),
                        SessionEvent::getUserId, record.key());
                PushUser user = user(record.key());
                PushCursor cursor = cursor(user);
                PushRules.apply(user, event, now, config.sessionTtl().toMillis());
                save(user, cursor);
            }
            case Topics.PUSH_SETTINGS -> {
                PushSettingsEvent event = decode(topics.pushSettings().valueSerde().deserializer().deserialize(topic, record.value()),
                        PushSettingsEvent::getUserId, record.key());
                PushUser user = user(record.key());
                PushCursor cursor = cursor(user);
                PushRules.apply(user, event, config.deviceBurst(), now);
                save(user, cursor);
            }
            default -> throw new IllegalStateException("record from unexpected topic " + topic);
        }
    }

    private void onEntry(String userId, InboxEntry entry, long now) {
        PushCursor cursor = unread.find(userId);
        if (cursor == null) {
            // A user seen before only in settings or sessions, or a record of the earlier layout.
            PushUser stored = users.get(userId);
            cursor = stored == null ? UnreadPositions.newCursor() : migrate(stored);
        }
        if (entry.getInboxSeq() <= cursor.getLastInboxSeq()) {
            metrics.decision("replay");
            return;
        }
        cursor.setLastInboxSeq(entry.getInboxSeq());
        unread.count(userId, cursor, entry);
        unread.put(userId, cursor);
        Long removed = PushRules.removedSeq(entry);
        if (entry.getConversationId() != null && removed != null) {
            forgetRemoved(userId, entry.getConversationId(), removed);
        }
        Notable notable = PushRules.notable(entry);
        if (notable == null) {
            return;
        }
        collect(user(userId), notable, now, () -> PushRules.open(userId, notable, entry, now, config.collapseWindow().toMillis()),
                burst -> PushRules.merge(burst, notable, entry));
    }

    /**
     * A candidate (a read-diffused group's message or removal, for a member who got no inbox entry for
     * it). For a user with no device nothing is written: no push can reach them, and their position
     * catches up at the group's next candidate after they register one. Otherwise the candidate moves
     * the conversation's position (a seq already seen is a replay and changes nothing), and a message
     * opens or joins a burst as a notable inbox entry does.
     */
    private void onCandidate(String userId, PushCandidate candidate, long now) {
        PushUser user = user(userId);
        if (user.getDevices().isEmpty()) {
            metrics.decision("no_device");
            return;
        }
        String conversation = candidate.getConversationId();
        if (!unread.advance(userId, conversation, candidate.getSeq(), () -> cursor(user))) {
            metrics.decision("replay");
            return;
        }
        if (candidate.getRemovedSeq() != null) {
            forgetRemoved(userId, conversation, candidate.getRemovedSeq());
            return;
        }
        Notable notable = PushRules.notable(candidate);
        collect(user, notable, now, () -> PushRules.open(userId, notable, candidate, now, config.collapseWindow().toMillis()),
                burst -> PushRules.merge(burst, notable, candidate));
    }

    /** A message removed while its burst waits: the burst forgets its text. */
    private void forgetRemoved(String userId, String conversation, long removedSeq) {
        PendingPush waiting = pending.get(pendingKey(userId, conversation));
        if (waiting != null && PushRules.forgetRemoved(waiting, removedSeq)) {
            pending.put(pendingKey(userId, conversation), waiting);
        }
    }

    /**
     * Decides a notable entry or candidate, counting the outcome, and if it is to be pushed opens its
     * burst ({@code open}) or adds it to the one waiting ({@code merge}).
     */
    private void collect(PushUser user, Notable notable, long now, Supplier<PendingPush> open, Consumer<PendingPush> merge) {
        String outcome = decide(user, notable, now);
        metrics.decision(outcome);
        if (!outcome.equals("collapsed") && !outcome.equals("opened")) {
            return;
        }
        String key = pendingKey(user.getUserId(), notable.collapseKey());
        PendingPush burst = pending.get(key);
        if (burst == null) {
            burst = open.get();
        } else {
            merge.accept(burst);
        }
        pending.put(key, burst);
    }

    /** Why a notable entry is or is not pushed: the metric's {@code decision} tag. */
    private String decide(PushUser user, Notable notable, long now) {
        if (user.getDevices().isEmpty()) {
            return "no_device";
        }
        if (PushRules.connected(user, now, config.sessionTtl().toMillis())) {
            return "connected";
        }
        if (PushRules.silenced(user, notable.collapseKey(), now)) {
            return "silenced";
        }
        return pending.get(pendingKey(user.getUserId(), notable.collapseKey())) == null ? "opened" : "collapsed";
    }

    /** Flushes the bursts whose window has passed. The store holds only bursts in flight, so a full scan is short. */
    private void flushDue(long now) {
        List<KeyValue<String, PendingPush>> due = new ArrayList<>();
        try (KeyValueIterator<String, PendingPush> it = pending.all()) {
            while (it.hasNext()) {
                KeyValue<String, PendingPush> next = it.next();
                if (next.value.getDueMs() <= now) {
                    due.add(next);
                }
            }
        }
        for (KeyValue<String, PendingPush> entry : due) {
            pending.delete(entry.key);
            flush(entry.value, now);
        }
    }

    private void flush(PendingPush burst, long now) {
        PushUser user = user(burst.getUserId());
        PushCursor cursor = cursor(user);
        if (PushRules.connected(user, now, config.sessionTtl().toMillis())) {
            metrics.flush("connected");
            return;
        }
        if (PushRules.silenced(user, burst.getCollapseKey(), now)) {
            metrics.flush("silenced");
            return;
        }
        long badge = unread.badge(user.getUserId(), cursor);
        for (PushDevice device : user.getDevices()) {
            if (!PushRules.take(device, now, config.deviceBurst(), config.devicePerMinute())) {
                metrics.flush("rate_limited");
                continue;
            }
            PushRequest request = request(user, device, burst, badge, now);
            context.forward(new Record<>(user.getUserId(), request, now));
            metrics.flush("requested");
        }
        save(user, cursor);
    }

    private static PushRequest request(PushUser user, PushDevice device, PendingPush burst, long badge, long now) {
        boolean hide = user.getHideText();
        return PushRequest.newBuilder()
                .setPushId(PushRules.pushId(user.getUserId(), device.getDeviceId(), burst))
                .setUserId(user.getUserId()).setDeviceId(device.getDeviceId())
                .setPlatform(PushPlatform.valueOf(device.getPlatform())).setToken(device.getToken()).setAppId(device.getAppId())
                .setKind(PushKind.valueOf(burst.getKind())).setCollapseKey(burst.getCollapseKey())
                .setConversationId(burst.getConversationId())
                .setTitle(hide ? null : burst.getTitle()).setBody(hide ? null : burst.getBody()).setHidden(hide)
                .setCount(burst.getCount()).setBadge(badge)
                .setFirstInboxSeq(burst.getFirstInboxSeq()).setLastInboxSeq(burst.getLastInboxSeq()).setLastConvSeq(burst.getLastConvSeq())
                .setFirstEntryAt(Instant.ofEpochMilli(burst.getFirstEntryAtMs())).setRequestedAt(Instant.ofEpochMilli(now))
                .build();
    }

    private PushUser user(String userId) {
        PushUser user = users.get(userId);
        return user != null ? user : PushRules.newUser(userId);
    }

    /** The user's cursor; the first time the decider touches a user, moves what a record of the earlier layout holds into it. */
    private PushCursor cursor(PushUser user) {
        PushCursor cursor = unread.find(user.getUserId());
        return cursor != null ? cursor : migrate(user);
    }

    /** Gives the user a cursor (see {@link UnreadPositions#migrate}) and, if it moved anything, writes the user without it. */
    private PushCursor migrate(PushUser user) {
        boolean holdsCounts = !user.getConversations().isEmpty() || user.getMomentsUnread() != 0;
        PushCursor cursor = unread.migrate(user);
        if (holdsCounts) {
            save(user, cursor);
        }
        return cursor;
    }

    /** Writes the user, with the cursor's last inbox seq as of now (the cursor stays the replay guard). */
    private void save(PushUser user, PushCursor cursor) {
        user.setLastInboxSeq(cursor.getLastInboxSeq());
        users.put(user.getUserId(), user);
    }

    /** The store key of a user's burst: user ids have no '|' (see Ids.USER_ID). */
    static String pendingKey(String userId, String collapseKey) {
        return userId + "|" + collapseKey;
    }

    /** The key decides the partition, hence the task holding the user: a mismatch would split one user's state. */
    private static <T> T decode(T value, java.util.function.Function<T, String> userOf, String key) {
        if (!userOf.apply(value).equals(key)) {
            throw new IllegalArgumentException("record key " + key + " is not the record's user_id " + userOf.apply(value));
        }
        return value;
    }
}
