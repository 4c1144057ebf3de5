package dev.kchat.edge.live;

import dev.kchat.edge.load.LoadShedder;
import dev.kchat.edge.protocol.Frames;
import dev.kchat.events.chat.BroadcastEntry;
import dev.kchat.events.chat.TypingEvent;
import dev.kchat.events.presence.PresenceChanged;
import dev.kchat.schemas.topic.Topic;
import dev.kchat.schemas.topic.Topics;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArraySet;
import java.util.function.Function;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The topics every edge reads whole, from the end, and pushes to local subscribers only:
 * <ul>
 *   <li>{@code chat.broadcast}: events of large groups and channels (read diffusion), to the
 *       sessions whose user is a member;</li>
 *   <li>{@code chat.typing}: typing signals, to the members' sessions other than the typist's;</li>
 *   <li>{@code presence.changes}: presence, to the sessions that subscribed to that user
 *       (lazy presence: a client subscribes to the users it is looking at).</li>
 * </ul>
 * None of this is stored per device: a device that was away reads large-group history from the
 * store, and typing and presence are ephemeral. One consumer, no group, one thread.
 */
public final class LiveHub implements Runnable, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(LiveHub.class);

    private final KafkaConsumer<String, byte[]> consumer;
    private final Topic<String, BroadcastEntry> broadcast;
    private final Topic<String, TypingEvent> typing;
    private final Topic<String, PresenceChanged> presence;
    private final Map<String, Set<LiveSubscriber>> conversations = new ConcurrentHashMap<>();
    private final Map<String, Set<LiveSubscriber>> watchers = new ConcurrentHashMap<>();
    private final Counter broadcastFrames;
    private final Counter typingFrames;
    private final Counter presenceFrames;
    private final LoadShedder shedder;
    /** user -> latest presence change (raw) while presence is shed; only the consumer thread touches it. */
    private final Map<String, byte[]> heldPresence = new HashMap<>();
    /**
     * Guards {@link #recent} together with the subscriber sets' changes on join: a broadcast is
     * remembered and its subscribers read in one step, a joiner is added and the remembered frames
     * read in one step, so every frame after the join reaches the joiner (live, replayed, or both:
     * {@link LiveSubscriber#sendBroadcast} drops a seq it already sent). Never held while calling a session.
     */
    private final Object broadcastLock = new Object();
    private final RecentBroadcasts recent = new RecentBroadcasts(RECENT_PER_CONVERSATION, RECENT_MAX_AGE, RECENT_CONVERSATIONS);
    private final Counter replayedFrames;
    private volatile boolean running = true;
    /** The connections viewing a server channel, who get its typing (no member subscribes to a server channel here). */
    private volatile Function<String, Set<LiveSubscriber>> channelViewers = c -> Set.of();
    /** The member lists' watcher of presence (users in a subscribed range), besides the sessions' own watches. */
    private volatile PresenceListener memberLists = PresenceListener.NONE;

    /**
     * Someone other than a session that watches users' presence: told, on the consumer thread, each
     * change of a user it {@link #watches}, decoded, whether or not presence is shed (it holds the
     * changes itself).
     */
    public interface PresenceListener {

        PresenceListener NONE = new PresenceListener() {
            @Override
            public boolean watches(String userId) {
                return false;
            }

            @Override
            public void changed(PresenceChanged change) {
            }
        };

        /** Cheap: asked for every record of {@code presence.changes}. */
        boolean watches(String userId);

        /** Must not block. */
        void changed(PresenceChanged change);
    }

    /** Broadcast frames kept per large conversation for members who join (see {@link RecentBroadcasts}). */
    static final int RECENT_PER_CONVERSATION = 256;
    /** How long a broadcast frame is kept for members who join: far above the join's extra hop. */
    static final Duration RECENT_MAX_AGE = Duration.ofSeconds(60);
    /** Large conversations whose recent broadcasts are kept. */
    static final int RECENT_CONVERSATIONS = 2_000;

    public LiveHub(String bootstrapServers, String clientId, Topics topics, LoadShedder shedder, MeterRegistry metrics) {
        this.shedder = shedder;
        this.broadcast = topics.broadcast();
        this.typing = topics.typing();
        this.presence = topics.presenceChanges();
        this.consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                ConsumerConfig.CLIENT_ID_CONFIG, clientId,
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"),
                broadcast.keySerde().deserializer(), new ByteArrayDeserializer());
        this.broadcastFrames = metrics.counter("kchat.edge.live.frames", "kind", "broadcast");
        this.replayedFrames = metrics.counter("kchat.edge.live.frames", "kind", "broadcast_replayed_on_join");
        this.typingFrames = metrics.counter("kchat.edge.live.frames", "kind", "typing");
        this.presenceFrames = metrics.counter("kchat.edge.live.frames", "kind", "presence");
        metrics.gauge("kchat.edge.presence.watched.users", watchers, Map::size);
    }

    /** Typing in a conversation no session here subscribed to goes to these (a server channel's viewers). */
    public void typingAlsoTo(Function<String, Set<LiveSubscriber>> viewersOfChannel) {
        this.channelViewers = viewersOfChannel;
    }

    /** Presence changes of the users {@code listener} watches go to it too (the edge's member lists). */
    public void presenceAlsoTo(PresenceListener listener) {
        this.memberLists = listener;
    }

    /** The session's user is a member of the conversation: it gets its broadcasts and typing. */
    public void subscribe(String conversationId, LiveSubscriber session) {
        conversations.computeIfAbsent(conversationId, c -> new CopyOnWriteArraySet<>()).add(session);
    }

    /**
     * The session's user joined the conversation at {@code joinedSeq}: it gets its broadcasts and
     * typing from now on, and first the broadcasts after {@code joinedSeq} this edge already passed on
     * (they travel one hop less than the join and often arrive first). Nothing if already subscribed.
     */
    public void subscribeJoined(String conversationId, LiveSubscriber session, long joinedSeq) {
        List<RecentBroadcasts.Frame> missed;
        synchronized (broadcastLock) {
            Set<LiveSubscriber> set = conversations.computeIfAbsent(conversationId, c -> new CopyOnWriteArraySet<>());
            if (!set.add(session)) {
                return;
            }
            missed = recent.after(conversationId, joinedSeq, System.nanoTime());
        }
        missed.forEach(f -> session.sendBroadcast(conversationId, f.seq(), f.frame()));
        replayedFrames.increment(missed.size());
    }

    public boolean isSubscribed(String conversationId, LiveSubscriber session) {
        Set<LiveSubscriber> set = conversations.get(conversationId);
        return set != null && set.contains(session);
    }

    public void unsubscribe(String conversationId, LiveSubscriber session) {
        remove(conversations, conversationId, session);
    }

    /** The session wants presence changes of a user. */
    public void watch(String userId, LiveSubscriber session) {
        watchers.computeIfAbsent(userId, u -> new CopyOnWriteArraySet<>()).add(session);
    }

    public void unwatch(String userId, LiveSubscriber session) {
        remove(watchers, userId, session);
    }

    public void unsubscribeAll(LiveSubscriber session) {
        for (String conversationId : List.copyOf(conversations.keySet())) {
            remove(conversations, conversationId, session);
        }
        for (String userId : List.copyOf(watchers.keySet())) {
            remove(watchers, userId, session);
        }
    }

    private static void remove(Map<String, Set<LiveSubscriber>> map, String key, LiveSubscriber session) {
        map.computeIfPresent(key, (k, set) -> {
            set.remove(session);
            return set.isEmpty() ? null : set;
        });
    }

    @Override
    public void run() {
        try {
            List<TopicPartition> partitions = new ArrayList<>();
            for (String topic : List.of(broadcast.name(), typing.name(), presence.name())) {
                consumer.partitionsFor(topic).forEach(p -> partitions.add(new TopicPartition(p.topic(), p.partition())));
            }
            consumer.assign(partitions);
            consumer.seekToEnd(partitions);
            while (running) {
                for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(500))) {
                    deliver(record);
                }
                if (!heldPresence.isEmpty() && !shedder.shedsPresence()) {
                    deliverHeldPresence();
                }
            }
        } catch (WakeupException e) {
            if (running) {
                throw e;
            }
        } finally {
            consumer.close(Duration.ofSeconds(5));
        }
    }

    private void deliver(ConsumerRecord<String, byte[]> record) {
        if (record.topic().equals(broadcast.name())) {
            deliverBroadcast(record);
            return;
        }
        boolean isPresence = record.topic().equals(presence.name());
        if (isPresence) {
            toMemberLists(record);
        }
        Set<LiveSubscriber> sessions = (isPresence ? watchers : conversations).get(record.key());
        if (!isPresence && (sessions == null || sessions.isEmpty())) {
            sessions = channelViewers.apply(record.key());
        }
        if (sessions == null || sessions.isEmpty()) {
            return;
        }
        if (isPresence && shedder.shedsPresence()) {
            // Held, not lost: the user's latest change goes out once presence is no longer shed.
            heldPresence.put(record.key(), record.value());
            shedder.shed(LoadShedder.Kind.PRESENCE, sessions.size());
            return;
        }
        if (!isPresence && shedder.shedsTyping()) {
            shedder.shed(LoadShedder.Kind.TYPING_OUT, sessions.size());
            return;
        }
        try {
            if (isPresence) {
                deliverPresence(sessions, record.value());
            } else if (record.topic().equals(typing.name())) {
                TypingEvent event = typing.valueSerde().deserializer().deserialize(record.topic(), record.value());
                String frame = Frames.typing(event);
                for (LiveSubscriber s : sessions) {
                    if (!s.userId().equals(event.getUserId())) {
                        s.sendLive(frame);
                        typingFrames.increment();
                    }
                }
            }
        } catch (RuntimeException e) {
            // Skipped, not fatal: typing and presence are ephemeral and superseded by the next signal.
            log.warn("undecodable record {}-{}@{}: {}", record.topic(), record.partition(), record.offset(), e.toString());
        }
    }

    private void toMemberLists(ConsumerRecord<String, byte[]> record) {
        PresenceListener listener = memberLists;
        if (record.key() == null || !listener.watches(record.key())) {
            return;
        }
        PresenceChanged change;
        try {
            change = presence.valueSerde().deserializer().deserialize(record.topic(), record.value());
        } catch (RuntimeException e) {
            // Skipped, not fatal, as for the sessions' watches: the user's next change supersedes it.
            log.warn("undecodable record {}-{}@{}: {}", record.topic(), record.partition(), record.offset(), e.toString());
            return;
        }
        if (change != null) {
            listener.changed(change);
        }
    }

    private void deliverPresence(Set<LiveSubscriber> sessions, byte[] value) {
        String frame = Frames.presence(presence.valueSerde().deserializer().deserialize(presence.name(), value));
        sessions.forEach(s -> s.sendLive(frame));
        presenceFrames.increment(sessions.size());
    }

    /** Shedding of presence ended: each watched user's latest change held meanwhile, to its watchers now. */
    private void deliverHeldPresence() {
        Map<String, byte[]> held = new HashMap<>(heldPresence);
        heldPresence.clear();
        held.forEach((userId, value) -> {
            Set<LiveSubscriber> sessions = watchers.get(userId);
            if (sessions == null || sessions.isEmpty()) {
                return;
            }
            try {
                deliverPresence(sessions, value);
            } catch (RuntimeException e) {
                log.warn("undecodable held presence of {}: {}", userId, e.toString());
            }
        });
        log.info("delivered the latest presence of {} users held while presence was shed", held.size());
    }

    /** Sends a broadcast to the local members' sessions and keeps it for members who are joining. */
    private void deliverBroadcast(ConsumerRecord<String, byte[]> record) {
        BroadcastEntry entry;
        String frame;
        try {
            entry = broadcast.valueSerde().deserializer().deserialize(record.topic(), record.value());
            frame = Frames.broadcast(entry);
        } catch (RuntimeException e) {
            // Skipped, not fatal: broadcasts are also on chat.conversation.log (members read them in history).
            log.warn("undecodable record {}-{}@{}: {}", record.topic(), record.partition(), record.offset(), e.toString());
            return;
        }
        Set<LiveSubscriber> sessions;
        synchronized (broadcastLock) {
            recent.add(entry.getConversationId(), entry.getSeq(), frame, System.nanoTime());
            // No copy: iterating a copy-on-write set walks a snapshot, and one taken later only adds
            // joiners, who drop a seq they already got.
            sessions = conversations.getOrDefault(entry.getConversationId(), Set.of());
        }
        for (LiveSubscriber s : sessions) {
            s.sendBroadcast(entry.getConversationId(), entry.getSeq(), frame);
        }
        broadcastFrames.increment(sessions.size());
    }

    @Override
    public void close() {
        running = false;
        consumer.wakeup();
    }
}
