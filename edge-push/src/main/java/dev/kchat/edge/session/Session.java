package dev.kchat.edge.session;

import dev.kchat.api.auth.JwtAuthenticator.Caller;
import dev.kchat.edge.live.LiveHub;
import dev.kchat.edge.live.LiveSubscriber;
import dev.kchat.edge.protocol.Frames;
import dev.kchat.edge.protocol.InboxEntryFrames;
import dev.kchat.edge.sync.Delivery;
import dev.kchat.edge.sync.InboxCursor;
import dev.kchat.edge.sync.InboxListener;
import dev.kchat.edge.sync.ReplayTarget;
import dev.kchat.events.chat.ConversationCreated;
import dev.kchat.events.chat.ConversationEvent;
import dev.kchat.events.chat.InboxEntry;
import dev.kchat.events.chat.MemberJoined;
import dev.kchat.events.chat.MemberLeft;
import dev.kchat.events.common.Member;
import io.undertow.websockets.core.WebSocketChannel;
import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One device's WebSocket connection: its {@link InboxCursor} (what it was written of the user's
 * inbox), its broadcast and presence subscriptions, backpressure and close. Frames are written through
 * its {@link FrameSocket}.
 *
 * <p>Threads: live entries arrive on the consumer thread; replays run on a worker; frames from the
 * client on an I/O thread. The cursor and the subscriptions are guarded by {@code lock}, which is
 * held while writing to the channel so that frames go out in the order decided; nothing blocking
 * runs under it.
 */
public final class Session implements InboxListener, LiveSubscriber, ReplayTarget {

    private static final Logger log = LoggerFactory.getLogger(Session.class);

    private final FrameSocket socket;
    private final Caller caller;
    private final Object lock = new Object();
    private final InboxCursor cursor;
    private final SessionHost host;
    private final AtomicBoolean setUp = new AtomicBoolean();
    private final String sessionId = UUID.randomUUID().toString();
    /** Per large conversation, the newest broadcast seq sent (guarded by the lock). */
    private final Map<String, Long> lastBroadcastSeq = new HashMap<>();
    private final Set<String> watched = new HashSet<>();
    private volatile String closeReason;
    private volatile Instant tokenExpiresAt;
    private String deviceId;

    /** @param caller the authenticated caller; its token's expiry is the session's until a {@code refresh} */
    public Session(WebSocketChannel channel, Caller caller, int maxQueuedFrames, SessionHost host) {
        this.socket = new FrameSocket(channel, maxQueuedFrames);
        this.caller = caller;
        this.deviceId = caller.deviceId();
        this.tokenExpiresAt = caller.expiresAt();
        this.host = host;
        this.cursor = new InboxCursor(caller.userId(), new CursorOutput());
    }

    @Override
    public String userId() {
        return caller.userId();
    }

    /** The peer's address (host, no port): the key of per-address rate limits. */
    public String sourceHost() {
        return socket.sourceHost();
    }

    /** The session's caller now: its user, the device it said hello from, its current token's expiry. */
    public Caller caller() {
        return new Caller(caller.userId(), deviceId(), tokenExpiresAt);
    }

    public InboxCursor.State state() {
        synchronized (lock) {
            return cursor.state();
        }
    }

    @Override
    public boolean isClosed() {
        return state() == InboxCursor.State.CLOSED;
    }

    /** Frames written to this session but not yet flushed to its socket. */
    public int queuedFrames() {
        return socket.queuedFrames();
    }

    @Override
    public long lastWritten() {
        synchronized (lock) {
            return cursor.lastWritten();
        }
    }

    @Override
    public long newestKnown() {
        synchronized (lock) {
            return cursor.newestKnown();
        }
    }

    public long acked() {
        synchronized (lock) {
            return cursor.acked();
        }
    }

    /** When the token the session runs on expires ({@code exp}; a {@code refresh} moves it). */
    public Instant tokenExpiresAt() {
        return tokenExpiresAt;
    }

    /** A newer token of the same user: the session runs until that one expires. */
    public void tokenRefreshed(Instant expiresAt) {
        tokenExpiresAt = expiresAt;
    }

    /** {@code hello}: the device saw everything up to {@code sinceInboxSeq}; catch it up, then go live. */
    public boolean hello(String device, long sinceInboxSeq) {
        synchronized (lock) {
            if (cursor.state() != InboxCursor.State.AWAITING_HELLO) {
                return false;
            }
            if (device != null) {
                deviceId = device;
            }
            return cursor.start(sinceInboxSeq);
        }
    }

    /** {@code ack}: see {@link InboxCursor#ack}. */
    public List<Delivery> ack(long inboxSeq) {
        synchronized (lock) {
            return cursor.ack(inboxSeq);
        }
    }

    public String sessionId() {
        return sessionId;
    }

    /** Why the session ended ({@code client_close}, {@code slow_consumer}, ...); null while open. */
    public String closeReason() {
        return closeReason;
    }

    /**
     * Watches the presence of more users, within a cap per connection.
     *
     * @return false (and watches none of them) if the cap would be exceeded
     */
    public boolean watch(List<String> users, int cap, LiveHub hub) {
        synchronized (lock) {
            Set<String> after = new HashSet<>(watched);
            after.addAll(users);
            if (after.size() > cap) {
                return false;
            }
            watched.addAll(users);
        }
        users.forEach(u -> hub.watch(u, this));
        return true;
    }

    public void unwatch(String user, LiveHub hub) {
        synchronized (lock) {
            watched.remove(user);
        }
        hub.unwatch(user, this);
    }

    public String deviceId() {
        synchronized (lock) {
            return deviceId;
        }
    }

    @Override
    public void onLive(InboxEntry entry) {
        synchronized (lock) {
            cursor.onLive(entry);
        }
    }

    @Override
    public InboxCursor.Step applyReplay(List<InboxEntry> page, boolean storeHasMore, long storeHead) {
        synchronized (lock) {
            return cursor.applyReplay(page, storeHasMore, storeHead);
        }
    }

    /** What the cursor writes goes to the socket; called under the lock. */
    private final class CursorOutput implements InboxCursor.Output {
        @Override
        public boolean hasRoomForReplay() {
            return socket.hasRoomForReplay();
        }

        @Override
        public void write(InboxEntry entry) {
            trackMembership(entry);
            InboxEntryFrames.frames(entry).forEach(Session.this::send);
        }

        @Override
        public void ready(long inboxSeq) {
            send(Frames.ready(caller.userId(), deviceId, inboxSeq));
            setUpDone();
        }

        @Override
        public void replayNeeded() {
            host.scheduleCatchUp(Session.this);
        }
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

    @Override
    public void sendBroadcast(String conversationId, long seq, String frame) {
        synchronized (lock) {
            if (!isSetUp(cursor.state())) {
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

    @Override
    public void sendLive(String frame) {
        synchronized (lock) {
            if (isSetUp(cursor.state())) {
                send(frame);
            }
        }
    }

    private static boolean isSetUp(InboxCursor.State state) {
        return state == InboxCursor.State.LIVE || state == InboxCursor.State.CATCHING_UP;
    }

    /** Sends a frame; cuts off a client that does not read (it resumes from its SyncKey). */
    @Override
    public void send(String frame) {
        boolean queued = socket.send(frame, failure -> {
            log.debug("send to {} failed: {}", this, failure.toString());
            close(Frames.CLOSE_GOING_AWAY, "send failed");
        });
        if (!queued) {
            cutOffSlow();
        }
    }

    @Override
    public void onPartitionLost() {
        host.partitionLost(this);
    }

    /** Sends the client to another edge ({@code edge} null: ask GET /v1/edge) and closes with 4001. */
    public void reconnectTo(String edge) {
        send(Frames.reconnect("rebalance", edge));
        close(Frames.CLOSE_RECONNECT, "reconnect: your partition moved");
    }

    /** Whether the connection is still open (its close frame may not have been flushed yet). */
    public boolean isOpen() {
        return socket.isOpen();
    }

    /** Completes when the connection is closed, by either side. */
    public CompletableFuture<Void> gone() {
        return socket.gone();
    }

    /** Closes a client that does not read what it is sent (4008); it resumes from its last inbox seq. */
    @Override
    public void cutOffSlow() {
        if (!isClosed()) {
            host.slowConsumer(this);
        }
        close(Frames.CLOSE_SLOW_CONSUMER, "slow_consumer: resume with your last inbox_seq");
    }

    /** Closes the connection with a code; idempotent. The reason's text before any ':' is the close reason. */
    @Override
    public void close(int code, String reason) {
        if (!markClosed(reason.contains(":") ? reason.substring(0, reason.indexOf(':')) : reason)) {
            return;
        }
        socket.sendClose(code, reason);
    }

    /** The peer went away. */
    public void closedByPeer() {
        closedByTransport("client_close");
    }

    /** The transport closed the connection itself (e.g. a frame over the size limit); idempotent. */
    public void closedByTransport(String reason) {
        markClosed(reason);
    }

    /** @return false if it was already closed */
    private boolean markClosed(String reason) {
        synchronized (lock) {
            if (!cursor.close()) {
                return false;
            }
            closeReason = reason;
        }
        host.closed(this);
        setUpDone();
        return true;
    }

    private void setUpDone() {
        if (setUp.compareAndSet(false, true)) {
            host.setUpDone(this);
        }
    }

    @Override
    public String toString() {
        return "Session[" + userId() + "/" + deviceId + "]";
    }
}
