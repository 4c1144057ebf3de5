package dev.kchat.edge;

import dev.kchat.api.auth.JwtAuthenticator.Caller;
import dev.kchat.events.chat.ConversationCreated;
import dev.kchat.events.chat.ConversationEvent;
import dev.kchat.events.chat.InboxEntry;
import dev.kchat.events.chat.MemberJoined;
import dev.kchat.events.chat.MemberLeft;
import dev.kchat.events.chat.MessagePosted;
import dev.kchat.events.common.Member;
import io.undertow.websockets.core.WebSocketCallback;
import io.undertow.websockets.core.WebSocketChannel;
import io.undertow.websockets.core.WebSockets;
import java.io.IOException;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One device's WebSocket connection and its place in the user's inbox.
 *
 * <p>Delivery is in inbox order, each entry once per connection: {@code lastSent} is the newest
 * inbox seq written to the socket. Live entries that arrive while the session catches up from the
 * store (after {@code hello}, or when a live entry shows a gap) wait in {@code pending}; the catch-up
 * sends the store's entries after {@code lastSent}, then the pending ones, dropping any it already
 * sent, so the replay/live seam neither loses nor repeats an entry.
 *
 * <p>Threads: live entries arrive on the consumer thread; catch-up runs on a worker; frames from the
 * client on an I/O thread. All state changes hold {@code lock}, and nothing blocking runs under it.
 */
final class Session implements InboxListener {

    private static final Logger log = LoggerFactory.getLogger(Session.class);

    enum State { AWAITING_HELLO, CATCHING_UP, LIVE, CLOSED }

    /** What a catch-up step left to do. */
    enum CatchUp {
        /** The session is live (or closed): nothing more to do. */
        DONE,
        /** The store has entries after this page: read the next one. */
        NEXT_PAGE,
        /** The client has not read enough of what was written: apply the same page again shortly. */
        PAUSED,
        /** The next pending live entry is ahead of what the store has: wait for the sink. */
        WAITING_FOR_STORE
    }

    private final WebSocketChannel channel;
    private final Caller caller;
    private final int maxQueuedFrames;
    private final AtomicInteger queued = new AtomicInteger();
    private final Object lock = new Object();
    private final TreeMap<Long, InboxEntry> pending = new TreeMap<>();
    private final SessionHost host;
    private final CompletableFuture<Void> gone = new CompletableFuture<>();
    private final java.util.concurrent.atomic.AtomicBoolean setUp = new java.util.concurrent.atomic.AtomicBoolean();
    /** Entries remembered until acked, to report Delivered; a device that never acks costs at most this. */
    static final int MAX_UNACKED = 4_096;

    private final String sessionId = UUID.randomUUID().toString();
    private final TreeMap<Long, Delivery> unacked = new TreeMap<>();
    /** Per large conversation, the newest broadcast seq sent (guarded by the lock). */
    private final Map<String, Long> lastBroadcastSeq = new HashMap<>();
    private final java.util.Set<String> watched = new java.util.HashSet<>();
    private String closeReason;
    private State state = State.AWAITING_HELLO;
    private String deviceId;
    private long lastSent;
    private long acked;

    /** What a session needs from its edge. */
    interface SessionHost {
        /** Starts (or continues) catching the session up from the store, on a worker. */
        void scheduleCatchUp(Session session);

        void subscribeBroadcast(String conversationId, Session session, long joinedSeq);

        void unsubscribeBroadcast(String conversationId, Session session);

        void closed(Session session);

        /**
         * The session's partition moved to another edge: tell the client where to go once the new
         * owner is known. Called on the consumer thread inside a rebalance: must not block.
         */
        void partitionLost(Session session);

        /** The session is being cut off for not reading (metrics, logs). */
        void slowConsumer(Session session);

        /** The session is set up: live ({@code ready} sent) or closed, whichever comes first; called once. */
        void setUpDone(Session session);
    }

    Session(WebSocketChannel channel, Caller caller, int maxQueuedFrames, SessionHost host) {
        this.channel = channel;
        channel.addCloseTask(ch -> gone.complete(null));
        this.caller = caller;
        this.deviceId = caller.deviceId();
        this.maxQueuedFrames = maxQueuedFrames;
        this.host = host;
    }

    @Override
    public String userId() {
        return caller.userId();
    }

    Caller caller() {
        return new Caller(caller.userId(), deviceId);
    }

    State state() {
        synchronized (lock) {
            return state;
        }
    }

    long lastSent() {
        synchronized (lock) {
            return lastSent;
        }
    }

    long acked() {
        synchronized (lock) {
            return acked;
        }
    }

    /** {@code hello}: the device saw everything up to {@code sinceInboxSeq}; catch it up, then go live. */
    boolean hello(String device, long sinceInboxSeq) {
        synchronized (lock) {
            if (state != State.AWAITING_HELLO) {
                return false;
            }
            if (device != null) {
                deviceId = device;
            }
            pending.headMap(sinceInboxSeq, true).clear();
            lastSent = sinceInboxSeq;
            acked = sinceInboxSeq;
            state = State.CATCHING_UP;
        }
        host.scheduleCatchUp(this);
        return true;
    }

    /**
     * {@code ack}: the device has everything up to {@code inboxSeq}.
     *
     * @return per conversation, the newest message by another user that this ack newly covers: what
     *         the edge reports as Delivered (empty for a repeated or stale ack)
     */
    List<Delivery> ack(long inboxSeq) {
        synchronized (lock) {
            if (inboxSeq <= acked || inboxSeq > lastSent) {
                return List.of();
            }
            acked = inboxSeq;
            Map<String, Delivery> newest = new LinkedHashMap<>();
            Map<Long, Delivery> covered = unacked.headMap(inboxSeq, true);
            covered.values().forEach(d -> newest.merge(d.conversationId(), d, (a, b) -> b.seq() > a.seq() ? b : a));
            covered.clear();
            return List.copyOf(newest.values());
        }
    }

    /** A message of another user that reached this device: its inbox entry and conversation seq. */
    record Delivery(String conversationId, long seq, long inboxSeq) {
    }

    String sessionId() {
        return sessionId;
    }

    /** Why the session ended ({@code client_close}, {@code slow_consumer}, ...); null while open. */
    String closeReason() {
        synchronized (lock) {
            return closeReason;
        }
    }

    /**
     * Watches the presence of more users, within a cap per connection.
     *
     * @return false (and watches none of them) if the cap would be exceeded
     */
    boolean watch(List<String> users, int cap, LiveHub hub) {
        synchronized (lock) {
            java.util.Set<String> after = new java.util.HashSet<>(watched);
            after.addAll(users);
            if (after.size() > cap) {
                return false;
            }
            watched.addAll(users);
        }
        users.forEach(u -> hub.watch(u, this));
        return true;
    }

    void unwatch(String user, LiveHub hub) {
        synchronized (lock) {
            watched.remove(user);
        }
        hub.unwatch(user, this);
    }

    String deviceId() {
        synchronized (lock) {
            return deviceId;
        }
    }

    @Override
    public void onLive(InboxEntry entry) {
        synchronized (lock) {
            if (state == State.CLOSED || entry.getInboxSeq() <= lastSent) {
                return;
            }
            if (state == State.AWAITING_HELLO) {
                pending.put(entry.getInboxSeq(), entry); // kept until hello says what the device has
                return;
            }
            if (state == State.LIVE && pending.isEmpty() && entry.getInboxSeq() == lastSent + 1) {
                deliver(entry);
                return;
            }
            pending.put(entry.getInboxSeq(), entry);
            if (state == State.LIVE) {
                // A gap (e.g. entries consumed before this session registered): fill it from the store.
                state = State.CATCHING_UP;
                host.scheduleCatchUp(this);
            }
        }
    }

    /**
     * Applies a page read from the store during catch-up: sends what follows {@code lastSent}, then
     * the pending live entries that now follow it. A replay writes only while the client keeps up:
     * it leaves half of {@code maxQueuedFrames} free for live frames and answers, so a reading
     * client is never cut off by its own replay, and a long replay does not pile up in memory.
     * Applying the same page again is harmless (entries up to {@code lastSent} are skipped).
     *
     * @param storeHasMore the store has entries after this page
     */
    CatchUp applyCatchUp(Iterable<InboxEntry> page, boolean storeHasMore) {
        synchronized (lock) {
            if (state != State.CATCHING_UP) {
                return CatchUp.DONE;
            }
            for (InboxEntry e : page) {
                if (e.getInboxSeq() == lastSent + 1) {
                    if (!replayHasRoom()) {
                        return CatchUp.PAUSED;
                    }
                    deliver(e);
                }
            }
            if (!drainPending()) {
                return CatchUp.PAUSED;
            }
            if (storeHasMore) {
                return CatchUp.NEXT_PAGE;
            }
            if (pending.isEmpty()) {
                state = State.LIVE;
                send(Frames.ready(caller.userId(), deviceId, lastSent));
                setUpDone();
                return CatchUp.DONE;
            }
            return CatchUp.WAITING_FOR_STORE;
        }
    }

    /** Sends the pending entries that follow {@code lastSent}; false if it stopped for lack of room. */
    private boolean drainPending() {
        while (!pending.isEmpty() && pending.firstKey() <= lastSent + 1) {
            if (pending.firstKey() == lastSent + 1 && !replayHasRoom()) {
                return false;
            }
            Map.Entry<Long, InboxEntry> first = pending.pollFirstEntry();
            if (first.getKey() == lastSent + 1) {
                deliver(first.getValue());
            }
        }
        return true;
    }

    private boolean replayHasRoom() {
        return queued.get() < Math.max(1, maxQueuedFrames / 2);
    }

    /** Writes one entry; caller holds the lock and has checked it is the next one. */
    private void deliver(InboxEntry entry) {
        lastSent = entry.getInboxSeq();
        trackMembership(entry);
        if (entry.getItem() instanceof ConversationEvent event && event.getPayload() instanceof MessagePosted
                && !event.getActorId().equals(userId())) {
            unacked.put(entry.getInboxSeq(), new Delivery(event.getConversationId(), event.getSeq(), entry.getInboxSeq()));
            if (unacked.size() > MAX_UNACKED) {
                unacked.pollFirstEntry(); // a device that never acks: its oldest entries are never reported delivered
            }
        }
        send(Frames.event(entry));
    }

    /** Keeps the broadcast subscriptions of large groups in step with the user's membership. */
    private void trackMembership(InboxEntry entry) {
        if (!(entry.getItem() instanceof ConversationEvent event)) {
            return;
        }
        Object payload = event.getPayload();
        boolean joined = payload instanceof ConversationCreated c && c.getMembers().stream().map(Member::getUserId).anyMatch(userId()::equals)
                || payload instanceof MemberJoined j && j.getMembers().stream().map(Member::getUserId).anyMatch(userId()::equals);
        if (joined) {
            host.subscribeBroadcast(event.getConversationId(), this, event.getSeq());
        } else if (payload instanceof MemberLeft left && left.getUserId().equals(userId())) {
            host.unsubscribeBroadcast(event.getConversationId(), this);
            lastBroadcastSeq.remove(event.getConversationId());
        }
    }

    /**
     * Sends a large conversation's broadcast unless this session already sent that seq or a later one
     * of it (a joiner may get the same frame replayed and live; see {@link LiveHub#subscribeJoined}).
     */
    void sendBroadcast(String conversationId, long seq, String frame) {
        synchronized (lock) {
            if (state != State.LIVE && state != State.CATCHING_UP) {
                return;
            }
            Long last = lastBroadcastSeq.get(conversationId);
            if (last != null && seq <= last) {
                return;
            }
            lastBroadcastSeq.put(conversationId, seq);
            send(frame);
        }
    }

    void sendLive(String frame) {
        synchronized (lock) {
            if (state == State.LIVE || state == State.CATCHING_UP) {
                send(frame);
            }
        }
    }

    /** Sends a frame; cuts off a client that does not read (it resumes from its SyncKey). */
    void send(String frame) {
        if (queued.incrementAndGet() > maxQueuedFrames) {
            queued.decrementAndGet();
            cutOffSlow();
            return;
        }
        WebSockets.sendText(frame, channel, new WebSocketCallback<Void>() {
            @Override
            public void complete(WebSocketChannel ch, Void context) {
                queued.decrementAndGet();
            }

            @Override
            public void onError(WebSocketChannel ch, Void context, Throwable failure) {
                queued.decrementAndGet();
                log.debug("send to {}/{} failed: {}", userId(), deviceId, failure.toString());
                close(Frames.CLOSE_GOING_AWAY, "send failed");
            }
        });
    }

    @Override
    public void onPartitionLost() {
        host.partitionLost(this);
    }

    /** Sends the client to another edge ({@code edge} null: ask GET /v1/edge) and closes with 4001. */
    void reconnectTo(String edge) {
        send(Frames.reconnect("rebalance", edge));
        close(Frames.CLOSE_RECONNECT, "reconnect: your partition moved");
    }

    /** Whether the connection is still open (its close frame may not have been flushed yet). */
    boolean isOpen() {
        return channel.isOpen();
    }

    /** Completes when the connection is closed, by either side. */
    CompletableFuture<Void> gone() {
        return gone;
    }

    /** Closes a client that does not read what it is sent (4008); it resumes from its last inbox seq. */
    void cutOffSlow() {
        if (state() != State.CLOSED) {
            host.slowConsumer(this);
        }
        close(Frames.CLOSE_SLOW_CONSUMER, "slow_consumer: resume with your last inbox_seq");
    }

    /** Closes the connection with a code; idempotent. */
    void close(int code, String reason) {
        synchronized (lock) {
            if (state == State.CLOSED) {
                return;
            }
            state = State.CLOSED;
            closeReason = reason.contains(":") ? reason.substring(0, reason.indexOf(':')) : reason;
            pending.clear();
        }
        host.closed(this);
        setUpDone();
        WebSockets.sendClose(code, reason, channel, new WebSocketCallback<Void>() {
            @Override
            public void complete(WebSocketChannel ch, Void context) {
                closeQuietly(ch);
            }

            @Override
            public void onError(WebSocketChannel ch, Void context, Throwable failure) {
                closeQuietly(ch);
            }
        });
    }

    /** The peer went away. */
    void closedByPeer() {
        synchronized (lock) {
            if (state == State.CLOSED) {
                return;
            }
            state = State.CLOSED;
            closeReason = "client_close";
            pending.clear();
        }
        host.closed(this);
        setUpDone();
    }

    private void setUpDone() {
        if (setUp.compareAndSet(false, true)) {
            host.setUpDone(this);
        }
    }

    private static void closeQuietly(WebSocketChannel ch) {
        try {
            ch.close();
        } catch (IOException e) {
            log.debug("closing a WebSocket failed: {}", e.toString());
        }
    }

    @Override
    public String toString() {
        return "Session[" + userId() + "/" + deviceId + "]";
    }
}
