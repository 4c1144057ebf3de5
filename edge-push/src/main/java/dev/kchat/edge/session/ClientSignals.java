package dev.kchat.edge.session;

import dev.kchat.api.ReceiptFactory;
import dev.kchat.api.TopicPublisher;
import dev.kchat.edge.load.LoadShedder;
import dev.kchat.edge.load.ReceiptCoalescer;
import dev.kchat.edge.load.ShedConfig;
import dev.kchat.edge.sync.Delivery;
import dev.kchat.events.chat.Receipt;
import dev.kchat.events.chat.TypingEvent;
import dev.kchat.events.presence.PresenceState;
import dev.kchat.events.presence.SessionClosed;
import dev.kchat.events.presence.SessionEvent;
import dev.kchat.events.presence.SessionHeartbeat;
import dev.kchat.events.presence.SessionOpened;
import dev.kchat.events.presence.StatusSet;
import dev.kchat.schemas.Ids;
import dev.kchat.schemas.topic.Topics;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What an edge tells the rest of the platform about its clients, besides their sends: receipts
 * (Delivered on {@code ack}, ReadUpTo on {@code read}) to {@code chat.receipts}, session lifecycle
 * and chosen status to {@code presence.sessions}, typing to {@code chat.typing}.
 *
 * <p>These are signals, not commands: a failed publish is logged and counted, not retried, and the
 * client is not told (a lost heartbeat is covered by the next; a lost Delivered by the read that
 * follows). Typing and heartbeats are throttled per session so a chatty client cannot flood Kafka.
 *
 * <p>Under overload ({@link LoadShedder}) typing is dropped, and receipts are held back in a
 * {@link ReceiptCoalescer} (the furthest per device and conversation) and sent by
 * {@link #flushReceipts} after {@link ShedConfig#receiptDelay()}, all of them once shedding stops.
 */
public final class ClientSignals implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ClientSignals.class);
    /** At most one heartbeat per session this often; the presence TTL is several times longer. */
    static final Duration HEARTBEAT_EVERY = Duration.ofSeconds(20);
    /** At most one typing signal per session and conversation this often (the "typing" state lasts longer on clients). */
    static final Duration TYPING_EVERY = Duration.ofSeconds(2);

    private final TopicPublisher<Receipt> receipts;
    private final TopicPublisher<SessionEvent> sessions;
    private final TopicPublisher<TypingEvent> typing;
    private final String edgeId;
    private final Clock clock;
    private final Map<String, Instant> lastHeartbeat = new ConcurrentHashMap<>();
    private final Map<String, Instant> lastTyping = new ConcurrentHashMap<>();
    private final Counter failed;
    private final Counter throttled;
    private final LoadShedder shedder;
    private final ReceiptCoalescer heldReceipts = new ReceiptCoalescer();

    public ClientSignals(String bootstrapServers, Topics topics, String edgeId, LoadShedder shedder, MeterRegistry metrics,
            Clock clock) {
        this.receipts = new TopicPublisher<>(bootstrapServers, topics.receipts(), edgeId + "_receipts");
        this.sessions = new TopicPublisher<>(bootstrapServers, topics.presenceSessions(), edgeId + "_sessions");
        this.typing = new TopicPublisher<>(bootstrapServers, topics.typing(), edgeId + "_typing");
        this.edgeId = edgeId;
        this.clock = clock;
        this.failed = metrics.counter("kchat.edge.signals", "outcome", "failed");
        this.throttled = metrics.counter("kchat.edge.signals", "outcome", "throttled");
        this.shedder = shedder;
        metrics.gauge("kchat.edge.receipts.held", heldReceipts, ReceiptCoalescer::size);
    }

    public void delivered(Session session, Delivery delivery) {
        receipt(ReceiptFactory.delivered(session.caller(), delivery.conversationId(), delivery.inboxSeq(), delivery.seq(),
                clock.instant()));
    }

    public void read(Session session, String conversationId, long seq) {
        receipt(ReceiptFactory.readUpTo(session.caller(), conversationId, seq, clock.instant()));
    }

    private void receipt(Receipt receipt) {
        if (shedder.coalescesReceipts()) {
            heldReceipts.hold(receipt, clock.millis());
            shedder.shed(LoadShedder.Kind.RECEIPT, 1);
        } else {
            publish(receipts, Ids.routingKey(receipt.getConversationId()), receipt);
        }
    }

    /**
     * Sends the held receipts that waited {@code delay} (all of them when receipts are no longer
     * coalesced); called after every shedding check.
     */
    public void flushReceipts(ShedConfig config) {
        for (Receipt r : heldReceipts.due(clock.millis(), config.receiptDelay().toMillis(), !shedder.coalescesReceipts())) {
            publish(receipts, Ids.routingKey(r.getConversationId()), r);
        }
    }

    /** @return false if throttled or shed */
    public boolean typing(Session session, String conversationId, boolean isTyping) {
        if (shedder.shedsTyping()) {
            shedder.shed(LoadShedder.Kind.TYPING_IN, 1);
            return false;
        }
        Instant now = clock.instant();
        String key = session.sessionId() + '\u0000' + conversationId;
        if (isTyping && !claim(lastTyping, key, now, TYPING_EVERY)) {
            throttled.increment();
            return false;
        }
        publish(typing, conversationId, TypingEvent.newBuilder().setConversationId(conversationId)
                .setUserId(session.userId()).setDeviceId(session.deviceId()).setAt(now).setTyping(isTyping).build());
        return true;
    }

    public void opened(Session session, String platform) {
        lastHeartbeat.put(session.sessionId(), clock.instant());
        session(session, SessionOpened.newBuilder().setPlatform(platform).build());
    }

    public void heartbeat(Session session) {
        if (claim(lastHeartbeat, session.sessionId(), clock.instant(), HEARTBEAT_EVERY)) {
            session(session, new SessionHeartbeat());
        }
    }

    public void status(Session session, PresenceState state) {
        session(session, StatusSet.newBuilder().setStatus(state).build());
    }

    /** The session ended; only sessions that said hello were announced, so only they are closed. */
    public void closed(Session session, String reason) {
        if (lastHeartbeat.remove(session.sessionId()) != null) {
            session(session, SessionClosed.newBuilder().setReason(reason).build());
        }
        lastTyping.keySet().removeIf(k -> k.startsWith(session.sessionId() + '\u0000'));
    }

    private void session(Session session, Object event) {
        publish(sessions, session.userId(), SessionEvent.newBuilder().setUserId(session.userId())
                .setDeviceId(session.deviceId()).setSessionId(session.sessionId()).setEdgeId(edgeId)
                .setAt(clock.instant()).setEvent(event).build());
    }

    private static boolean claim(Map<String, Instant> last, String key, Instant now, Duration every) {
        boolean[] claimed = {false};
        last.compute(key, (k, previous) -> {
            if (previous == null || !now.isBefore(previous.plus(every))) {
                claimed[0] = true;
                return now;
            }
            return previous;
        });
        return claimed[0];
    }

    private <V> void publish(TopicPublisher<V> publisher, String key, V value) {
        publisher.publish(key, value).whenComplete((metadata, failure) -> {
            if (failure != null) {
                failed.increment();
                log.warn("signal {} for {} not published: {}", value.getClass().getSimpleName(), key, failure.toString());
            }
        });
    }

    @Override
    public void close() {
        // Receipts still held back by shedding go out before the publisher closes.
        for (Receipt r : heldReceipts.due(clock.millis(), 0, true)) {
            publish(receipts, Ids.routingKey(r.getConversationId()), r);
        }
        receipts.close();
        sessions.close();
        typing.close();
    }
}
