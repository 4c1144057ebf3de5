package dev.kchat.edge.session;

import dev.kchat.api.auth.JwtAuthenticator.Caller;
import dev.kchat.edge.live.LiveHub;
import dev.kchat.edge.protocol.Frames;
import dev.kchat.edge.routing.Relocation;
import dev.kchat.edge.sync.CatchUpDriver;
import dev.kchat.edge.sync.InboxDispatcher;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.undertow.websockets.core.WebSocketChannel;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The edge's WebSocket sessions: the open ones, the ones being set up (for admission), and what
 * each session needs from the edge ({@link SessionHost}), passed on to the part that does it.
 */
public final class Sessions implements SessionHost {

    private static final Logger log = LoggerFactory.getLogger(Sessions.class);

    private final Set<Session> open = ConcurrentHashMap.newKeySet();
    /** Sessions between the upgrade and their set-up (ready, redirect or close). */
    private final AtomicInteger settingUp = new AtomicInteger();
    private final int maxQueuedFrames;
    private final CatchUpDriver catchUp;
    private final LiveHub live;
    private final InboxDispatcher dispatcher;
    private final ClientSignals signals;
    private final Relocation relocation;
    private final ScheduledExecutorService workers;
    private final Counter slowClosed;
    /** Told of every closed session, on a worker (e.g. its channel views end). */
    private volatile Consumer<Session> closedListener = s -> { };

    public Sessions(int maxQueuedFrames, CatchUpDriver catchUp, LiveHub live, InboxDispatcher dispatcher,
            ClientSignals signals, Relocation relocation, ScheduledExecutorService workers, MeterRegistry metrics) {
        this.maxQueuedFrames = maxQueuedFrames;
        this.catchUp = catchUp;
        this.live = live;
        this.dispatcher = dispatcher;
        this.signals = signals;
        this.relocation = relocation;
        this.workers = workers;
        this.slowClosed = metrics.counter("kchat.edge.closed", "reason", "slow_consumer");
        metrics.gauge("kchat.edge.connections", open, Set::size);
        metrics.gauge("kchat.edge.sessions.setting.up", settingUp, AtomicInteger::get);
    }

    /** A new connection, counted as being set up until it is live or closed; not yet open (see {@link #add}). */
    public Session create(WebSocketChannel channel, Caller caller) {
        Session session = new Session(channel, caller, maxQueuedFrames, this);
        settingUp.incrementAndGet();
        return session;
    }

    /** Runs for every session that closes, on a worker (never on the thread that closed it), after the listeners added before it. */
    public synchronized void onClosed(Consumer<Session> listener) {
        this.closedListener = closedListener.andThen(listener);
    }

    public void add(Session session) {
        open.add(session);
    }

    public int count() {
        return open.size();
    }

    /** Frames queued to all open sessions and not yet flushed (a load shedding signal). */
    public long queuedFrames() {
        long total = 0;
        for (Session s : open) {
            total += s.queuedFrames();
        }
        return total;
    }

    /** Runs on every open session (a weakly consistent walk: no copy of the set). */
    public void forEachOpen(Consumer<Session> action) {
        open.forEach(action);
    }

    public List<Session> snapshot() {
        return List.copyOf(open);
    }

    public int settingUp() {
        return settingUp.get();
    }

    @Override
    public void scheduleCatchUp(Session session) {
        catchUp.schedule(session);
    }

    @Override
    public void subscribeBroadcast(String conversationId, Session session, long joinedSeq) {
        live.subscribeJoined(conversationId, session, joinedSeq);
    }

    @Override
    public void unsubscribeBroadcast(String conversationId, Session session) {
        live.unsubscribe(conversationId, session);
    }

    @Override
    public void closed(Session session) {
        open.remove(session);
        dispatcher.unregister(session);
        live.unsubscribeAll(session);
        try {
            workers.execute(() -> closedListener.accept(session));
            workers.execute(() -> signals.closed(session, session.closeReason()));
        } catch (RejectedExecutionException stopping) {
            signals.closed(session, session.closeReason());
        }
        catchUp.forget(session);
        relocation.forget(session);
    }

    @Override
    public void slowConsumer(Session session) {
        slowClosed.increment();
        log.info("{} does not read what it is sent (over {} frames queued): cut off with {}", session,
                maxQueuedFrames, Frames.CLOSE_SLOW_CONSUMER);
    }

    @Override
    public void setUpDone(Session session) {
        settingUp.decrementAndGet();
    }

    @Override
    public void partitionLost(Session session) {
        relocation.partitionLost(session);
    }
}
